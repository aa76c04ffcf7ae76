"""`microcredit appointment_reminders [--on YYYY-MM-DD]`: the day before, one e-mail to the
dossier's référent (no personal data, a link) and one to the applicant who consented (their
appointment: day, time, place); each once, whatever the runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from microcredit.core.enums import AuditAction
from microcredit.core.models import AuditEvent
from microcredit.followup.enums import AppointmentStatus
from microcredit.followup.models import Appointment
from tests.followup.test_notes_support import (
    APPOINTMENT_PLACE,
    PARIS,
    World,
    build_world,
    local,
    plan,
)

pytestmark = pytest.mark.django_db

ON = date(2026, 12, 7)  # the run's day; the appointments reminded are those of the 8th
TOMORROW = ON + timedelta(days=1)
APPLICANT_EMAIL = "sandrine.faure@example.org"


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    world = build_world(make_user)
    applicant = world.dossier.applicant
    applicant.email = APPLICANT_EMAIL
    applicant.notifications_consent_at = datetime(2026, 11, 2, 10, 0, tzinfo=PARIS)
    applicant.save()
    return world


def run(*arguments: str) -> str:
    out = StringIO()
    call_command("appointment_reminders", *arguments, stdout=out)
    return out.getvalue()


def test_the_day_before_the_referent_and_the_consenting_applicant_are_reminded(
    world: World,
) -> None:
    appointment = plan(world, local(TOMORROW, 9, 30))
    out = run("--on", ON.isoformat())
    assert "Rendez-vous du 08/12/2026 : 1 rendez-vous prévu à rappeler." in out
    assert "1 rappel envoyé aux référents, 1 rappel envoyé aux demandeurs" in out
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {world.users["referent"].email, APPLICANT_EMAIL}

    staff = by_address[world.users["referent"].email]
    staff_text = staff.subject + staff.body
    assert "08/12/2026 à 09:30" in staff.body
    assert reverse("dossiers:detail", args=[world.dossier.pk]) + "#suivi" in staff.body
    applicant = world.dossier.applicant
    for personal in (
        applicant.last_name,
        applicant.first_name,
        APPOINTMENT_PLACE,
        appointment.with_whom,
        world.dossier.number,
    ):
        assert personal not in staff_text, personal

    to_applicant = by_address[APPLICANT_EMAIL]
    assert "08/12/2026 à 09:30" in to_applicant.subject
    assert "le 08/12/2026 à 09:30" in to_applicant.body
    assert f"lieu : {APPOINTMENT_PLACE}" in to_applicant.body
    assert world.dossier.organisation.name in to_applicant.body
    for other in (appointment.with_whom, world.dossier.number, "http"):
        assert other not in to_applicant.body, other

    appointment.refresh_from_db()
    assert appointment.staff_reminder_sent_at is not None
    assert appointment.applicant_reminder_sent_at is not None
    audits = AuditEvent.objects.filter(
        action=AuditAction.FOLLOWUP_APPOINTMENT_REMINDED, object_id=appointment.pk
    )
    assert sorted(a.new_values["to"] for a in audits) == ["applicant", "staff"]
    assert all(a.actor_id is None for a in audits)


def test_a_second_run_sends_nothing_again(world: World) -> None:
    plan(world, local(TOMORROW, 9, 30))
    run("--on", ON.isoformat())
    assert len(mail.outbox) == 2
    out = run("--on", ON.isoformat())
    assert len(mail.outbox) == 2
    assert "0 rappel envoyé aux référents, 0 rappel envoyé aux demandeurs" in out


def test_without_consent_or_e_mail_the_applicant_gets_nothing(world: World) -> None:
    applicant = world.dossier.applicant
    applicant.notifications_consent_at = None
    applicant.save()
    appointment = plan(world, local(TOMORROW, 14))
    run("--on", ON.isoformat())
    assert [m.to for m in mail.outbox] == [[world.users["referent"].email]]
    appointment.refresh_from_db()
    assert appointment.applicant_reminder_sent_at is None
    # Consent given afterwards, but no e-mail address: still nothing.
    applicant.notifications_consent_at = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    applicant.email = ""
    applicant.save()
    run("--on", ON.isoformat())
    assert len(mail.outbox) == 1
    # With both, the next run sends the applicant's reminder alone.
    applicant.email = APPLICANT_EMAIL
    applicant.save()
    run("--on", ON.isoformat())
    assert [m.to for m in mail.outbox] == [[world.users["referent"].email], [APPLICANT_EMAIL]]


def test_only_the_planned_appointments_of_the_next_day_are_reminded(world: World) -> None:
    plan(world, local(ON, 16))  # today
    plan(world, local(TOMORROW + timedelta(days=1), 0, 0))  # the day after tomorrow, midnight
    plan(world, local(TOMORROW, 10), status=AppointmentStatus.CANCELLED)
    last_minute = plan(world, local(TOMORROW, 23, 59))
    first_minute = plan(world, local(TOMORROW, 0, 0))
    run("--on", ON.isoformat())
    reminded = set(
        Appointment.objects.filter(staff_reminder_sent_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert reminded == {last_minute.pk, first_minute.pk}
    assert len(mail.outbox) == 4


def test_the_default_day_is_today_in_paris(world: World) -> None:
    # 23:30 UTC on the 6th is already the 7th in Paris: tomorrow is the 8th.
    plan(world, local(TOMORROW, 9, 30))
    with time_machine.travel(datetime(2026, 12, 7, 0, 30, tzinfo=PARIS), tick=False):
        run()
    assert len(mail.outbox) == 2


def test_a_dossier_without_referent_sends_to_the_applicant_only(world: World) -> None:
    world.dossier.referent = None
    world.dossier.save()
    plan(world, local(TOMORROW, 11))
    out = run("--on", ON.isoformat())
    assert [m.to for m in mail.outbox] == [[APPLICANT_EMAIL]]
    assert "1 rendez-vous sans référent joignable par courriel" in out


def test_a_failed_sending_is_tried_again_by_the_next_run(world: World) -> None:
    appointment = plan(world, local(TOMORROW, 9, 30))
    with (
        mock.patch(
            "django.core.mail.backends.locmem.EmailBackend.send_messages",
            side_effect=OSError("serveur de courriel injoignable"),
        ),
        pytest.raises(CommandError, match="2 rappels n'ont pas pu partir"),
    ):
        run("--on", ON.isoformat())
    appointment.refresh_from_db()
    assert appointment.staff_reminder_sent_at is None
    assert appointment.applicant_reminder_sent_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_APPOINTMENT_REMINDED).exists()
    run("--on", ON.isoformat())
    assert len(mail.outbox) == 2


def test_a_bad_date_is_refused_in_french(world: World) -> None:
    with pytest.raises(CommandError, match="Date invalide : « 07/12/2026 »"):
        run("--on", "07/12/2026")
