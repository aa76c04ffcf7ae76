"""A bank's service accounts (#18): created by its administrator adviser, never logged in, their
tokens outlive the adviser; every action records which token did it."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.api.models import ApiToken
from microcredit.api.services import service_account_create, service_account_token_create
from microcredit.core.enums import AuditAction
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.core.services import audit_event_create
from tests.api.conftest import ApiClient
from tests.api.helpers import ACCEPT
from tests.factories import make_api_token, make_transmitted_dossier, membership_of

pytestmark = pytest.mark.django_db

LIST = "/api/v1/dossiers"
URL = "/api/comptes-de-service/"


@pytest.fixture
def bank_admin(make_user) -> User:  # type: ignore[no-untyped-def]
    user = make_user(Role.BANK_ADVISER, username="admin-banque")
    Membership.objects.filter(user=user).update(bank_admin=True)
    return user  # type: ignore[no-any-return]


def clear_token_of(page: str) -> str:
    return page.split('id="clear-token" type="text" readonly value="')[1].split('"')[0]


def new_service_token(admin: User, label: str = "Logiciel", **kwargs) -> tuple[User, str]:  # type: ignore[no-untyped-def]
    membership = membership_of(admin)
    account = service_account_create(actor=admin, membership=membership, label=label)
    _token, clear = service_account_token_create(
        actor=admin,
        membership=membership,
        account_id=account.pk,
        label=kwargs.pop("token_label", "Production"),
        scopes=kwargs.pop("scopes", ["read", "decide", "pay"]),
        **kwargs,
    )
    return account, clear


def test_the_bank_admin_creates_an_account_and_its_token_on_the_page(
    client, bank_admin, bank
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bank_admin)
    assert "aucun compte de service" in client.get(URL).content.decode()
    response = client.post(URL, {"form": "account", "label": "  Logiciel   prêts "})
    assert response.status_code == 302
    account = User.objects.get(is_service_account=True)
    assert str(account) == "Compte de service — Logiciel prêts"
    assert not account.has_usable_password()
    assert Membership.objects.filter(
        user=account, organisation=bank, role=Role.BANK_ADVISER, active=True
    ).exists()

    response = client.post(
        URL,
        {
            "form": "token",
            "account": account.pk,
            "label": "Production",
            "scopes": ["decide"],
            "days": "30",
        },
    )
    assert response.status_code == 200, response.content.decode()
    assert response["Cache-Control"] == "no-store"
    clear = clear_token_of(response.content.decode())
    token = ApiToken.objects.get(user=account)
    assert hashlib.sha256(clear.encode()).hexdigest() == token.key_hash
    assert token.scopes == ["read", "decide"]
    assert token.created_by == bank_admin and token.bank == bank
    expected = timezone.now() + timedelta(days=30)
    assert abs(token.expires_at - expected) < timedelta(minutes=1)
    assert ApiClient(clear).get(LIST).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    later = client.get(URL)
    page = later.content.decode()
    assert clear not in page
    for shown in ("Production", token.prefix, "read, decide", str(bank_admin), "Logiciel prêts"):
        assert shown in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"service_account_created", "api_token_create"} <= actions


def test_only_the_bank_admin_manages_service_accounts(client, make_user, bank_admin) -> None:  # type: ignore[no-untyped-def]
    plain = make_user(Role.BANK_ADVISER, username="conseiller-simple")
    referent = make_user(Role.REFERENT)
    new_service_token(bank_admin)
    client.force_login(referent)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"form": "account", "label": "X"}).status_code == 403
    # Another adviser of the bank is told whom to ask, sees no account, and may not write.
    client.force_login(plain)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "administrateur de la banque" in page and "Compte de service —" not in page
    token = ApiToken.objects.get()
    for data in (
        {"form": "account", "label": "X"},
        {"form": "token", "account": token.user_id, "label": "X"},
        {"action": "revoke", "target": token.pk},
        {"action": "deactivate", "target": token.user_id},
    ):
        assert client.post(URL, data).status_code == 403
    assert User.objects.filter(is_service_account=True).count() == 1
    assert ApiToken.objects.get().revoked_at is None
    # The plain adviser's token page has no link to them; the admin's has both.
    client.force_login(plain)
    assert URL not in client.get(reverse("api:tokens")).content.decode()
    client.force_login(bank_admin)
    page = client.get(reverse("api:tokens")).content.decode()
    assert URL in page and reverse("api:webhooks") in page


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"form": "account", "label": "   "}, "Ce champ est obligatoire"),
        ({"form": "token", "label": "Prod", "days": "0"}, "supérieure ou égale à 1"),
        ({"form": "token", "label": "Prod", "days": "100000"}, "inférieure ou égale"),
        ({"form": "token", "label": "Prod", "scopes": ["admin"]}, "Sélectionnez un choix valide"),
        ({"form": "token", "label": ""}, "Ce champ est obligatoire"),
    ],
)
def test_bad_input_is_refused_in_french_and_changes_nothing(
    client, bank_admin, data, field_text
) -> None:  # type: ignore[no-untyped-def]
    account, _clear = new_service_token(bank_admin)
    tokens, users, audits = (
        ApiToken.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
    )
    client.force_login(bank_admin)
    response = client.post(URL, {"account": account.pk, **data})
    assert response.status_code == 422
    page = response.content.decode()
    assert field_text in page and "clear-token" not in page
    assert (ApiToken.objects.count(), User.objects.count(), AuditEvent.objects.count()) == (
        tokens,
        users,
        audits,
    )


def test_a_label_in_use_and_a_deactivated_account_are_refused(client, bank_admin) -> None:  # type: ignore[no-untyped-def]
    account, _clear = new_service_token(bank_admin)
    client.force_login(bank_admin)
    response = client.post(URL, {"form": "account", "label": "Logiciel"})
    assert response.status_code == 422
    assert "déjà un compte de service actif de ce libellé" in response.content.decode()
    assert User.objects.filter(is_service_account=True).count() == 1
    client.post(URL, {"action": "deactivate", "target": account.pk})
    response = client.post(URL, {"form": "token", "account": account.pk, "label": "Encore"})
    assert response.status_code == 422
    assert ApiToken.objects.filter(user=account).count() == 1


def test_a_deactivated_advisers_tokens_stop_the_service_accounts_keep_working(bank_admin) -> None:  # type: ignore[no-untyped-def]
    """Acceptance: "A deactivated adviser's tokens stop working; the bank's service account
    keeps working" — both by the adviser's account and by their membership."""
    _account, service_clear = new_service_token(bank_admin)
    personal = ApiClient(make_api_token(bank_admin))
    service = ApiClient(service_clear)
    assert personal.get(LIST).status_code == 200 and service.get(LIST).status_code == 200

    membership = membership_of(bank_admin)
    membership.active = False
    membership.save()
    assert personal.get(LIST).status_code == 401
    assert service.get(LIST).status_code == 200

    membership.active = True
    membership.save()
    bank_admin.is_active = False
    bank_admin.save()
    assert personal.get(LIST).status_code == 401
    assert service.get(LIST).status_code == 200


def test_revoking_a_token_and_deactivating_an_account_stop_their_calls(client, bank_admin) -> None:  # type: ignore[no-untyped-def]
    account, first = new_service_token(bank_admin)
    _token, second = service_account_token_create(
        actor=bank_admin,
        membership=membership_of(bank_admin),
        account_id=account.pk,
        label="Recette",
        scopes=["read"],
    )
    client.force_login(bank_admin)
    revoked = ApiToken.objects.get(user=account, label="Production")
    assert client.post(URL, {"action": "revoke", "target": revoked.pk}).status_code == 302
    assert ApiClient(first).get(LIST).status_code == 401
    assert ApiClient(second).get(LIST).status_code == 200

    assert client.post(URL, {"action": "deactivate", "target": account.pk}).status_code == 302
    account.refresh_from_db()
    assert not account.is_active
    assert not Membership.objects.get(user=account).active
    assert ApiClient(second).get(LIST).status_code == 401
    assert not ApiToken.objects.filter(user=account, revoked_at__isnull=True).exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("api_token_revoke") == 2
    assert "service_account_deactivated" in actions
    assert "désactivé" in client.get(URL).content.decode()


def test_another_banks_admin_cannot_touch_them(
    client, bank_admin, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_second_bank

    account, clear = new_service_token(bank_admin)
    bank_b, _programme = make_second_bank(saint_etienne)
    other = make_user(Role.BANK_ADVISER, username="admin-b", organisation=bank_b)
    Membership.objects.filter(user=other).update(bank_admin=True)
    client.force_login(other)
    page = client.get(URL).content.decode()
    assert f'id="account-{account.pk}"' not in page and "La banque n'a encore aucun" in page
    token = ApiToken.objects.get(user=account)
    assert client.post(URL, {"action": "revoke", "target": token.pk}).status_code == 404
    assert client.post(URL, {"action": "deactivate", "target": account.pk}).status_code == 404
    response = client.post(URL, {"form": "token", "account": account.pk, "label": "Vol"})
    assert response.status_code == 422
    assert ApiClient(clear).get(LIST).status_code == 200
    assert ApiToken.objects.count() == 1


def test_a_service_account_never_logs_in_even_with_a_password(bank_admin) -> None:  # type: ignore[no-untyped-def]
    account, _clear = new_service_token(bank_admin)
    account.set_password("un-mot-de-passe-bien-long")
    account.save()
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": account.username, "password": "un-mot-de-passe-bien-long"},
    )
    assert response.status_code == 200  # the form again, no redirect
    assert "_auth_user_id" not in client.session
    # A person with the same password logs in: the refusal is the service account's.
    bank_admin.set_password("un-mot-de-passe-bien-long")
    bank_admin.save()
    response = client.post(
        reverse("accounts:login"),
        {"username": bank_admin.username, "password": "un-mot-de-passe-bien-long"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bank_admin.pk)


def test_the_command_gives_a_bank_its_first_token(bank) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command(
        "api_token",
        "--service-account",
        "Logiciel prêts",
        "--bank",
        bank.slug,
        "--scopes",
        "pay",
        "Production",
        stdout=out,
        stderr=StringIO(),
    )
    clear = out.getvalue().strip()
    account = User.objects.get(is_service_account=True)
    token = ApiToken.objects.get()
    assert token.user == account and token.scopes == ["read", "pay"] and token.created_by is None
    assert ApiClient(clear).get(LIST).status_code == 200
    call_command(
        "api_token",
        "--service-account",
        "Logiciel prêts",
        "--bank",
        bank.slug,
        "Recette",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    assert User.objects.filter(is_service_account=True).count() == 1
    assert ApiToken.objects.filter(user=account).count() == 2


def test_the_page_reads_in_constant_queries(
    client, bank_admin, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(bank_admin)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    new_service_token(bank_admin, "Un")
    small = count()
    for label in ("Deux", "Trois", "Quatre"):
        new_service_token(bank_admin, label)
    assert count() == small


# -------------------------------------------------------------------- which token acted
def test_an_api_decision_records_its_token_a_page_action_none(client, bank_admin, referent) -> None:  # type: ignore[no-untyped-def]
    _account, clear = new_service_token(bank_admin)
    token = ApiToken.objects.get(user__is_service_account=True)
    dossier = make_transmitted_dossier(created_by=referent)
    AuditEvent.objects.all().delete()
    response = ApiClient(clear).post(f"/api/v1/dossiers/{dossier.number}/decision", ACCEPT)
    assert response.status_code == 200, response.content
    audits = list(AuditEvent.objects.values_list("action", "api_token_id"))
    assert audits and all(token_id == token.pk for _action, token_id in audits), audits
    logs = list(AccessLog.objects.values_list("object_id", "api_token_id"))
    assert (str(dossier.pk), token.pk) in logs
    assert all(token_id == token.pk for _id, token_id in logs)

    # After the answer, nothing is left behind: a direct write of the same thread has no token.
    assert (
        audit_event_create(actor=None, action=AuditAction.DOSSIER_UPDATED, obj=dossier).api_token_id
        is None
    )
    # A page action records none either.
    client.force_login(bank_admin)
    client.post(reverse("api:tokens"), {"label": "Par la page"})
    created = AuditEvent.objects.filter(action="api_token_create").latest("id")
    assert created.api_token_id is None
