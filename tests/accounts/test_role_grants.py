"""Every grant of a role is audited and e-mailed to the CCAS's directors (#17, point 4, F7):
a membership created, its role changed or made active again, from the technical admin (its
page or the user's inline) or a service (the onboarding of a CCAS). A self-grant says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.accounts.services import membership_save
from microcredit.core.enums import AuditAction
from microcredit.core.models import AuditEvent
from microcredit.organisations.models import Organisation
from tests.programmes.onboarding_helpers import onboard_firminy

pytestmark = pytest.mark.django_db


@pytest.fixture
def tech(client_for):  # type: ignore[no-untyped-def]
    client = client_for(Role.ADMIN, username="tech")
    client.user.first_name, client.user.last_name = "Tom", "Technicien"
    client.user.is_staff = client.user.is_superuser = True
    client.user.save()
    return client


@pytest.fixture
def directors(make_user, saint_etienne) -> list[User]:  # type: ignore[no-untyped-def]
    first = make_user(Role.DIRECTOR, username="directrice")
    second = make_user(Role.DIRECTOR, username="directeur-adjoint")
    former = make_user(Role.DIRECTOR, username="ancien-directeur")
    Membership.objects.filter(user=former).update(active=False)
    return [first, second]


def grants() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.ROLE_GRANTED).order_by("id"))


def add_membership(client, user: User, organisation: Organisation, role: Role, active: bool = True):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {"user": user.pk, "organisation": organisation.pk, "role": role}
    if active:
        data["active"] = "on"
    return client.post(reverse("admin:accounts_membership_add"), data)


def change_membership(client, membership: Membership, **changes: Any):  # type: ignore[no-untyped-def]
    data: dict[str, Any] = {
        "user": membership.user_id,
        "organisation": membership.organisation_id,
        "role": changes.get("role", membership.role),
    }
    if changes.get("active", membership.active):
        data["active"] = "on"
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    return client.post(url, data)


def test_a_role_given_in_the_admin_is_audited_and_mailed_to_the_directors(  # type: ignore[no-untyped-def]
    tech, directors, make_user, saint_etienne, django_capture_on_commit_callbacks
) -> None:
    newcomer = make_user(None, username="nouvelle")
    newcomer.first_name, newcomer.last_name = "Nina", "Nouvelle"
    newcomer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = add_membership(tech, newcomer, saint_etienne, Role.REFERENT)
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=newcomer)
    [audit] = grants()
    assert (audit.actor_id, audit.object_type, audit.object_id) == (
        tech.user.pk,
        "accounts.membership",
        str(membership.pk),
    )
    assert audit.new_values == {
        "user": newcomer.pk,
        "organisation": saint_etienne.pk,
        "role": "referent",
        "active": True,
        "self_grant": False,
    }
    [message] = mail.outbox
    assert sorted(message.to) == ["directeur-adjoint@example.org", "directrice@example.org"]
    assert message.subject == "Rôle attribué : Référent micro-crédit à Nina Nouvelle"
    assert "Rôle : Référent micro-crédit" in message.body
    assert "Attribué à : Nina Nouvelle (identifiant nouvelle)" in message.body
    assert "Attribué par : Tom Technicien (identifiant tech)" in message.body
    assert "CCAS de Saint-Étienne" in message.body
    assert "/donnees-personnelles/journal/" in message.body
    assert "elle-même" not in message.body


def test_a_self_grant_is_audited_and_flagged(  # type: ignore[no-untyped-def]
    tech, directors, saint_etienne, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = add_membership(tech, tech.user, saint_etienne, Role.REFERENT)
    assert response.status_code == 302
    [audit] = grants()
    assert audit.new_values["self_grant"] is True
    [message] = mail.outbox
    assert "la personne s'est attribué ce rôle elle-même" in message.body


def test_a_changed_role_and_a_reactivation_are_grants_a_withdrawal_is_not(  # type: ignore[no-untyped-def]
    tech, directors, make_user, django_capture_on_commit_callbacks
) -> None:
    agent = make_user(Role.AGENT, username="agent")
    membership = Membership.objects.get(user=agent)
    with django_capture_on_commit_callbacks(execute=True):
        assert change_membership(tech, membership, role=Role.REFERENT).status_code == 302
    assert [(a.old_values, a.new_values["role"]) for a in grants()] == [
        ({"role": "agent", "active": True}, "referent")
    ]
    assert len(mail.outbox) == 1
    membership.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert change_membership(tech, membership, active=False).status_code == 302
    assert len(grants()) == 1 and len(mail.outbox) == 1  # a role withdrawn grants nothing
    membership.refresh_from_db()
    assert not membership.active
    with django_capture_on_commit_callbacks(execute=True):
        assert change_membership(tech, membership, active=True).status_code == 302
    assert len(grants()) == 2 and len(mail.outbox) == 2
    assert grants()[-1].old_values == {"role": "referent", "active": False}


def test_a_role_given_in_the_user_s_inline_is_a_grant(  # type: ignore[no-untyped-def]
    tech, directors, make_user, saint_etienne, django_capture_on_commit_callbacks
) -> None:
    user = make_user(None, username="inline")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-organisation": saint_etienne.pk,
        "memberships-0-role": Role.DPO,
        "memberships-0-active": "on",
        "memberships-0-user": user.pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = tech.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    [audit] = grants()
    assert audit.new_values["role"] == Role.DPO and audit.actor_id == tech.user.pk
    assert "Délégué·e à la protection des données" in mail.outbox[0].body


def test_a_service_grant_without_actor_and_the_directors_of_that_ccas_only(  # type: ignore[no-untyped-def]
    directors, make_user, django_capture_on_commit_callbacks
) -> None:
    other = Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")
    make_user(Role.DIRECTOR, username="directrice-firminy", organisation=other)
    user = make_user(None, username="recrue")
    with django_capture_on_commit_callbacks(execute=True):
        membership_save(
            actor=None, membership=Membership(user=user, organisation=other, role=Role.AGENT)
        )
    [audit] = grants()
    assert audit.actor_id is None
    [message] = mail.outbox
    assert message.to == ["directrice-firminy@example.org"]
    assert "Attribué par : une commande d'administration (sans compte)" in message.body


def test_a_refused_membership_grants_nothing(tech, directors, make_user, bank) -> None:  # type: ignore[no-untyped-def]
    user = make_user(None, username="mauvais-role")
    response = add_membership(tech, user, bank, Role.REFERENT)  # a CCAS role in a bank
    assert response.status_code == 200
    assert "Ce rôle n&#x27;est pas possible dans ce type d&#x27;organisation." in (
        response.content.decode()
    )
    assert not Membership.objects.filter(user=user).exists()
    assert grants() == [] and mail.outbox == []


def test_the_onboarding_of_a_ccas_grants_its_first_director(  # type: ignore[no-untyped-def]
    bank, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        organisation = onboard_firminy(scheme_template="empty", commune=None)
    [audit] = grants()
    membership = Membership.objects.get(pk=int(audit.object_id))
    assert (membership.organisation, membership.role) == (organisation, Role.DIRECTOR)
    assert audit.actor_id is None
    [message] = [m for m in mail.outbox if m.subject.startswith("Rôle attribué")]
    assert message.to == [membership.user.email]
