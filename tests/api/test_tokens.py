"""API tokens: stored hashed, shown once, revocable; the token's adviser must still be one."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.api.models import ApiToken
from microcredit.api.services import api_token_create, api_token_revoke
from microcredit.core.models import AuditEvent
from tests.api.conftest import ApiClient
from tests.factories import make_api_token, membership_of

LIST = "/api/v1/dossiers"

pytestmark = pytest.mark.django_db


def assert_unauthenticated(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["message"].startswith("Authentification requise")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_is_stored_as_its_hash_and_prefix_only(adviser) -> None:  # type: ignore[no-untyped-def]
    token, clear = api_token_create(
        actor=adviser, membership=membership_of(adviser), label="  Logiciel   prêts "
    )
    token.refresh_from_db()
    assert clear.startswith("mc_") and len(clear) > 40
    assert token.key_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert token.prefix == clear[:12]
    assert token.label == "Logiciel prêts"
    assert token.bank_id == membership_of(adviser).organisation_id
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert all(clear not in value for value in stored)
    assert AuditEvent.objects.filter(action="api_token_create", object_id=str(token.pk)).exists()
    assert ApiClient(clear).get(LIST).status_code == 200


def test_only_a_bank_adviser_gets_tokens(make_user) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    with pytest.raises(PermissionDenied):
        api_token_create(actor=referent, membership=membership_of(referent), label="x")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer mc_inconnu",
        "Basic dXNlcjpwYXNz",
        "Token mc_x",
        "Bearer " + "a" * 500,
    ],
)
def test_no_valid_token_is_401_json(client, adviser, header) -> None:  # type: ignore[no-untyped-def]
    make_api_token(adviser)
    headers = {"Authorization": header} if header else {}
    assert_unauthenticated(client.get(LIST, headers=headers))
    assert_unauthenticated(
        client.post("/api/v1/repayments", {}, content_type="application/json", headers=headers)
    )


def test_a_session_is_not_enough(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.BANK_ADVISER)
    assert_unauthenticated(client.get(LIST))


def test_revoked_token_is_401(adviser) -> None:  # type: ignore[no-untyped-def]
    clear = make_api_token(adviser)
    api = ApiClient(clear)
    assert api.get(LIST).status_code == 200
    token = ApiToken.objects.get()
    api_token_revoke(actor=adviser, membership=membership_of(adviser), token_id=token.pk)
    assert_unauthenticated(api.get(LIST))
    assert AuditEvent.objects.filter(action="api_token_revoke").count() == 1


def test_deactivated_adviser_or_membership_is_401(adviser) -> None:  # type: ignore[no-untyped-def]
    api = ApiClient(make_api_token(adviser))
    membership = membership_of(adviser)
    membership.active = False
    membership.save()
    assert_unauthenticated(api.get(LIST))
    membership.active = True
    membership.save()
    assert api.get(LIST).status_code == 200
    adviser.is_active = False
    adviser.save()
    assert_unauthenticated(api.get(LIST))


def test_holder_in_another_role_at_the_bank_is_403(adviser, bank) -> None:  # type: ignore[no-untyped-def]
    api = ApiClient(make_api_token(adviser))
    membership = membership_of(adviser)
    membership.active = False
    membership.save()
    Membership.objects.create(user=adviser, organisation=bank, role=Role.ADMIN)
    response = api.get(LIST)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_last_use_is_written_at_most_once_a_minute(adviser) -> None:  # type: ignore[no-untyped-def]
    api = ApiClient(make_api_token(adviser))
    assert ApiToken.objects.get().last_used_at is None
    api.get(LIST)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api.get(LIST)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    api.get(LIST)
    assert ApiToken.objects.get().last_used_at > first - timedelta(seconds=1)


def test_the_token_page_shows_a_new_token_once_then_revokes_it(client, adviser) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    url = reverse("api:tokens")
    assert "Vous n'avez encore aucun jeton" in client.get(url).content.decode()
    response = client.post(url, {"label": "Production"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    page = response.content.decode()
    clear = page.split('id="clear-token" type="text" readonly value="')[1].split('"')[0]
    assert hashlib.sha256(clear.encode()).hexdigest() == token.key_hash
    later = client.get(url).content.decode()
    assert clear not in later and token.prefix in later and "Production" in later
    assert ApiClient(clear).get(LIST).status_code == 200
    response = client.post(reverse("api:token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 302
    assert_unauthenticated(ApiClient(clear).get(LIST))


def test_the_token_page_refuses_an_empty_label(client, adviser) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    response = client.post(reverse("api:tokens"), {"label": "   "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert "clear-token" not in response.content.decode()


def test_an_adviser_cannot_revoke_another_advisers_token(client, adviser, make_user) -> None:  # type: ignore[no-untyped-def]
    other = make_user(Role.BANK_ADVISER, username="autre-conseiller")
    clear = make_api_token(other)
    client.force_login(adviser)
    token = ApiToken.objects.get()
    response = client.post(reverse("api:token_revoke", kwargs={"token_id": token.pk}))
    assert response.status_code == 404
    assert ApiClient(clear).get(LIST).status_code == 200


def test_management_command_prints_a_working_token(adviser) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("api_token", adviser.username, "Démo", stdout=out)
    clear = out.getvalue().strip()
    assert ApiToken.objects.get().label == "Démo"
    assert ApiClient(clear).get(LIST).status_code == 200
