"""A request from the public reaches the CCAS: an e-mail to its address after the commit, with
nothing of the person in it; and the Django admin reads requests without changing them, each
reading written in the access log as in the inbox."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from microcredit.accounts.models import User
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.organisations.models import Organisation
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest
from microcredit.simulator.services import contact_request_create
from tests.simulator.test_contact_request import send

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
INBOX_LINK = settings.SITE_URL.rstrip("/") + "/accompagnement/demandes/"


@pytest.fixture
def ccas_with_address(saint_etienne: Organisation) -> Organisation:
    saint_etienne.email = "accueil-microcredit@ccas.example"
    saint_etienne.save(update_fields=["email"])
    return saint_etienne


def create(organisation: Organisation, **overrides: str) -> ContactRequest:
    values = {
        "first_name": "Nadia",
        "last_name": "Benali",
        "phone": "0612345678",
        "email": "nadia.benali@example.org",
        "preferred_times": "le mardi matin",
        "purpose_code": "mobilite",
        "message": "Ma voiture est en panne, je dois aller travailler.",
        "consent": True,
        "client_ip": "203.0.113.7",
    }
    values.update(overrides)
    return contact_request_create(
        organisation=organisation,
        now=datetime(2026, 3, 10, 9, 30, tzinfo=PARIS),
        **values,  # type: ignore[arg-type]
    )


def test_the_ccas_gets_an_e_mail_without_the_person_or_the_message(
    client: Client, ccas_with_address, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with (
        time_machine.travel(datetime(2026, 3, 10, 9, 30, tzinfo=PARIS), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert send(client).status_code == 302
    assert ContactRequest.objects.count() == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["accueil-microcredit@ccas.example"]
    assert email.subject == "Nouvelle demande de rendez-vous"
    assert email.body == (
        "Nouvelle demande de rendez-vous reçue le 10/03/2026 09:30 : à traiter dans la boîte "
        f"des demandes.\n\n{INBOX_LINK}\n"
    )
    everything = email.subject + email.body + str(email.extra_headers)
    for personal in ("Nadia", "Benali", "0612345678", "06 12", "voiture", "matin", "mobilit"):
        assert personal not in everything


def test_the_e_mail_leaves_only_after_the_commit(
    ccas_with_address, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(ccas_with_address)
    assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_without_an_address_nothing_is_sent_and_the_log_says_so(
    saint_etienne, django_capture_on_commit_callbacks, caplog
) -> None:  # type: ignore[no-untyped-def]
    assert saint_etienne.email == ""
    with (
        caplog.at_level(logging.WARNING, logger="microcredit.simulator.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        contact_request = create(saint_etienne)
    assert mail.outbox == []
    assert ContactRequest.objects.count() == 1
    [record] = [r for r in caplog.records if r.name == "microcredit.simulator.services"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"Contact request {contact_request.pk}: organisation ccas-saint-etienne has no e-mail "
        "address, no e-mail sent"
    )
    assert "Benali" not in record.getMessage()


def test_a_refused_request_sends_nothing(
    client: Client, ccas_with_address, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        send(client, phone="", email="")  # neither phone nor e-mail: refused
        send(client, website="https://spam.example")  # the honeypot: pretended success
    assert ContactRequest.objects.count() == 0
    assert mail.outbox == []


# --- The Django admin ---------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client) -> Client:
    admin = User.objects.create_superuser(
        username="tech", password="un-mot-de-passe-solide-123", email="tech@example.org"
    )
    client.force_login(admin)
    client.user = admin  # type: ignore[attr-defined]
    return client


def test_reading_a_request_in_the_admin_writes_the_access_log(admin_client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    contact_request = create(saint_etienne)
    url = reverse("admin:simulator_contactrequest_change", args=[contact_request.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url).status_code == 200
    reads = AccessLog.objects.filter(action=AccessAction.FOLLOWUP_REQUEST_DETAIL)
    assert reads.count() == 2
    assert {(r.user_id, r.object_type, r.object_id, r.detail) for r in reads} == {
        (
            admin_client.user.pk,
            "simulator.contactrequest",
            str(contact_request.pk),
            "administration technique",
        )
    }
    # The list shows names too: one line per request shown.
    assert admin_client.get(reverse("admin:simulator_contactrequest_changelist")).status_code == 200
    listed = AccessLog.objects.get(action=AccessAction.FOLLOWUP_REQUEST_LIST)
    assert listed.object_id == str(contact_request.pk)


def test_the_admin_reads_a_request_but_changes_nothing(admin_client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    contact_request = create(saint_etienne)
    url = reverse("admin:simulator_contactrequest_change", args=[contact_request.pk])
    page = admin_client.get(url).content.decode()
    assert "Benali" in page
    assert 'name="status"' not in page and 'name="last_name"' not in page
    assert 'name="_save"' not in page
    response = admin_client.post(url, {"status": ContactRequestStatus.CLOSED, "last_name": "X"})
    assert response.status_code == 403
    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.NEW
    assert contact_request.last_name == "Benali"
    assert (
        admin_client.post(
            reverse("admin:simulator_contactrequest_delete", args=[contact_request.pk]),
            {"post": "yes"},
        ).status_code
        == 403
    )
    assert ContactRequest.objects.count() == 1


def test_an_unknown_request_in_the_admin_writes_no_line(admin_client) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:simulator_contactrequest_change", args=[999999])
    assert admin_client.get(url).status_code == 302  # the admin's « introuvable » redirect
    assert not AccessLog.objects.filter(action=AccessAction.FOLLOWUP_REQUEST_DETAIL).exists()
