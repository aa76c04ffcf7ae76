"""« Demander un rendez-vous »: the request is saved once; spam and floods are refused."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from microcredit.accounts.models import User
from microcredit.core.models import AuditEvent
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest

pytestmark = pytest.mark.django_db

URL = reverse("simulator:simulator")
PARIS = ZoneInfo("Europe/Paris")
RATE_LIMIT = (
    "Vous avez déjà envoyé plusieurs demandes dans l&#x27;heure : le CCAS vous recontactera. "
    "Réessayez plus tard si besoin."
)


def contact_data(**overrides: Any) -> dict[str, Any]:
    fields = {
        "first_name": "Nadia",
        "last_name": "Benali",
        "phone": "06 12 34 56 78",
        "email": "",
        "preferred_times": "le matin",
        "purpose_code": "mobilite",
        "message": "Je voudrais réparer ma voiture pour aller travailler.",
        "consent": "on",
        "website": "",
    }
    fields.update(overrides)
    data = {"step": "contact"}
    data.update({f"rdv-{k}": v for k, v in fields.items() if v is not None})
    return data


def send(client: Client, ip: str = "203.0.113.7", htmx: bool = False, **overrides: Any) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(URL, contact_data(**overrides), REMOTE_ADDR=ip, headers=headers)


def test_request_is_saved_once_and_confirmed(client: Client) -> None:
    response = send(client)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?demande=envoyee#rendez-vous"
    assert ContactRequest.objects.count() == 1
    request = ContactRequest.objects.get()
    assert (request.first_name, request.last_name) == ("Nadia", "Benali")
    assert request.phone == "0612345678"
    assert request.purpose_code == "mobilite"
    assert request.status == ContactRequestStatus.NEW
    assert request.organisation.slug == "ccas-saint-etienne"
    assert request.consent is True
    assert request.handled_by is None

    page = client.get(response["Location"]).content.decode()
    assert "votre demande est bien envoyée" in page
    assert "vous rappellera" in page
    assert 'value="Nadia"' not in page  # the form is cleared


def test_audit_event_without_personal_data(client: Client) -> None:
    send(client)
    request = ContactRequest.objects.get()
    event = AuditEvent.objects.get(action="contact_request.create")
    assert event.actor is None
    assert event.object_id == str(request.pk)
    assert "Benali" not in str(event.new_values)
    assert "0612345678" not in str(event.new_values)


def test_raw_ip_is_never_stored(client: Client) -> None:
    send(client, ip="203.0.113.7")
    request = ContactRequest.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", request.client_fingerprint)
    stored = [str(getattr(request, f.attname)) for f in ContactRequest._meta.concrete_fields]
    assert not any("203.0.113.7" in value for value in stored)


def test_htmx_success_returns_the_section_with_a_cleared_form(client: Client) -> None:
    response = send(client, htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "votre demande est bien envoyée" in html
    assert 'value="Nadia"' not in html
    assert ContactRequest.objects.count() == 1


def test_honeypot_pretends_success_and_saves_nothing(client: Client) -> None:
    response = send(client, website="https://spam.example")
    assert response.status_code == 302
    assert ContactRequest.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_honeypot_is_hidden_from_people(client: Client) -> None:
    html = client.get(URL).content.decode()
    block = html[html.index('<div class="honeypot"') :]
    block = block[: block.index("</div>")]
    assert 'aria-hidden="true"' in block
    assert 'tabindex="-1"' in block
    assert 'autocomplete="off"' in block


def test_missing_phone_and_email_is_explained_and_nothing_saved(client: Client) -> None:
    response = send(client, phone="", email="")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Indiquez au moins un numéro de téléphone ou une adresse e-mail" in html
    assert ContactRequest.objects.count() == 0


def test_email_alone_is_enough(client: Client) -> None:
    send(client, phone="", email="Nadia.Benali@Example.org")
    assert ContactRequest.objects.get().email == "nadia.benali@example.org"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": None}, "Cochez cette case pour que le CCAS puisse vous recontacter."),
        ({"phone": "0612"}, "Ce numéro de téléphone ne semble pas complet"),
        ({"message": "x" * 1001}, "1000 caractères"),
        ({"last_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_invalid_requests_are_explained_and_nothing_saved(
    client: Client, overrides: dict[str, Any], message: str
) -> None:
    html = send(client, **overrides).content.decode()
    assert message in html
    assert "Votre demande n'est pas encore envoyée" in html
    assert ContactRequest.objects.count() == 0


def test_message_help_text_warns_against_health_details(client: Client) -> None:
    html = client.get(URL).content.decode()
    assert "N'écrivez rien sur votre santé" in html


def test_sixth_request_from_the_same_client_within_an_hour_is_refused(client: Client) -> None:
    start = datetime(2026, 3, 10, 9, 0, tzinfo=PARIS)
    with time_machine.travel(start, tick=False) as traveller:
        for n in range(5):
            response = send(client, phone=f"06 00 00 00 0{n}")
            assert response.status_code == 302
            traveller.shift(timedelta(minutes=10))
        # 9:50, five requests since 9:00: the sixth is refused.
        html = send(client, phone="06 00 00 00 09").content.decode()
        assert RATE_LIMIT in html
        assert ContactRequest.objects.count() == 5
        # Another client is not affected.
        assert send(client, ip="198.51.100.1", phone="06 00 00 00 08").status_code == 302
        # An hour after the first request, one slot is free again.
        traveller.move_to(start + timedelta(hours=1, minutes=1))
        assert send(client, phone="06 00 00 00 09").status_code == 302
    assert ContactRequest.objects.count() == 7


def test_fourth_request_for_the_same_phone_within_an_hour_is_refused(client: Client) -> None:
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=PARIS), tick=False):
        for n in range(3):
            assert send(client, ip=f"198.51.100.{n}", phone="+33 6 12 34 56 78").status_code == 302
        html = send(client, ip="198.51.100.99", phone="06.12.34.56.78").content.decode()
    assert RATE_LIMIT in html
    assert ContactRequest.objects.count() == 3


def test_contact_request_creates_no_session(client: Client) -> None:
    send(client)
    assert Session.objects.count() == 0


def test_admin_cannot_add_requests_and_sees_no_fingerprint(client: Client) -> None:
    admin = User.objects.create_superuser(
        username="admin", password="un-mot-de-passe-solide-123", email="admin@example.org"
    )
    send(client)
    client.force_login(admin)
    request = ContactRequest.objects.get()
    change = client.get(reverse("admin:simulator_contactrequest_change", args=[request.pk]))
    assert change.status_code == 200
    assert request.client_fingerprint not in change.content.decode()
    add = client.get(reverse("admin:simulator_contactrequest_add"))
    assert add.status_code == 403
