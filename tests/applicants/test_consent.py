"""The applicant's consent to be notified by e-mail: recorded with its date on the applicant's
form, withdrawn by unticking it, refused without an e-mail address, audited, shown on the page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant
from microcredit.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FORM = {
    "last_name": "Fayolle",
    "first_name": "Éloïse",
    "birth_date": "1991-05-14",
    "phone": "06 12 34 56 78",
    "email": "eloise.fayolle@example.org",
    "address": "12 rue de la Résistance",
    "postcode": "42000",
    "commune_code": "42218",
    "family_situation": "single",
    "activity": "part_time",
    "housing_status": "tenant_social",
}
CONSENT = {"notifications_consent": "on"}
MONDAY = datetime(2026, 4, 20, 8, 30, tzinfo=UTC)
FRIDAY = datetime(2026, 4, 24, 15, 0, tzinfo=UTC)


@pytest.fixture
def referent(client_for):  # type: ignore[no-untyped-def]
    return client_for(Role.REFERENT)


def _create(client, **overrides: Any) -> Applicant:  # type: ignore[no-untyped-def]
    client.force_login(client.user)  # a session of this (travelled) moment
    response = client.post(reverse("applicants:create"), {**FORM, **overrides})
    assert response.status_code == 302, response.content.decode()
    return Applicant.objects.get()


def _edit(client, applicant: Applicant, **overrides: Any):  # type: ignore[no-untyped-def]
    client.force_login(client.user)
    return client.post(reverse("applicants:edit", args=[applicant.pk]), {**FORM, **overrides})


def _page(client, applicant: Applicant) -> str:  # type: ignore[no-untyped-def]
    client.force_login(client.user)
    page = client.get(reverse("applicants:detail", args=[applicant.pk])).content.decode()
    return html.unescape(page)


def test_the_consent_is_recorded_with_its_date_and_shown(referent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False):
        applicant = _create(referent, **CONSENT)
    assert applicant.notifications_consent_at == MONDAY
    audit = AuditEvent.objects.get(action="applicant_created")
    assert audit.new_values["notifications_consent_at"].startswith("2026-04-20T08:30")
    page = _page(referent, applicant)
    assert "Accord pour les e-mails donné le 20/04/2026" in page
    assert "Pas d'accord" not in page
    # The form shows it ticked.
    referent.force_login(referent.user)
    form = referent.get(reverse("applicants:edit", args=[applicant.pk])).content.decode()
    box = re.search(r'<input type="checkbox" name="notifications_consent"[^>]*>', form)
    assert box is not None and " checked" in box.group(0)


def test_without_consent_nothing_is_recorded_and_the_page_says_no_e_mail(referent) -> None:  # type: ignore[no-untyped-def]
    applicant = _create(referent)
    assert applicant.notifications_consent_at is None
    assert "Pas d'accord : aucun e-mail n'est envoyé" in _page(referent, applicant)


def test_the_consent_given_later_is_dated_that_day_and_audited(referent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False):
        applicant = _create(referent)
    with time_machine.travel(FRIDAY, tick=False):
        response = _edit(referent, applicant, **CONSENT)
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.notifications_consent_at == FRIDAY
    audit = AuditEvent.objects.get(action="applicant_updated")
    assert audit.old_values == {"notifications_consent_at": None}
    assert set(audit.new_values) == {"notifications_consent_at"}
    assert audit.new_values["notifications_consent_at"].startswith("2026-04-24T15:00")


def test_confirming_the_consent_keeps_its_first_date(referent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False):
        applicant = _create(referent, **CONSENT)
    with time_machine.travel(FRIDAY, tick=False):
        _edit(referent, applicant, phone="0600000000", **CONSENT)
    applicant.refresh_from_db()
    assert applicant.notifications_consent_at == MONDAY
    audit = AuditEvent.objects.get(action="applicant_updated")
    assert set(audit.old_values) == {"phone"}


def test_unticking_withdraws_the_consent_and_audits_it(referent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False):
        applicant = _create(referent, **CONSENT)
    response = _edit(referent, applicant)  # the box unticked
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.notifications_consent_at is None
    audit = AuditEvent.objects.get(action="applicant_updated")
    assert audit.old_values["notifications_consent_at"].startswith("2026-04-20T08:30")
    assert audit.new_values == {"notifications_consent_at": None}
    assert "Pas d'accord : aucun e-mail n'est envoyé" in _page(referent, applicant)


def test_a_consent_without_an_e_mail_address_is_refused_and_nothing_written(referent) -> None:  # type: ignore[no-untyped-def]
    response = referent.post(reverse("applicants:create"), {**FORM, "email": "", **CONSENT})
    assert response.status_code == 200
    assert response.status_code == 200
    assert "Sans adresse e-mail, la personne ne peut pas être prévenue par e-mail" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert not Applicant.objects.exists()
    assert not AuditEvent.objects.filter(action="applicant_created").exists()


def test_removing_the_address_while_the_consent_stands_is_refused(referent) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(MONDAY, tick=False):
        applicant = _create(referent, **CONSENT)
    response = _edit(referent, applicant, email="", **CONSENT)
    assert response.status_code == 200
    assert "Sans adresse e-mail" in response.content.decode()
    applicant.refresh_from_db()
    assert (applicant.email, applicant.notifications_consent_at) == (
        "eloise.fayolle@example.org",
        MONDAY,
    )
    assert not AuditEvent.objects.filter(action="applicant_updated").exists()
    # Removing the address and withdrawing the consent together is accepted.
    assert _edit(referent, applicant, email="").status_code == 302
    applicant.refresh_from_db()
    assert (applicant.email, applicant.notifications_consent_at) == ("", None)
