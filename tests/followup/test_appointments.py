"""Appointments: planned by the CCAS staff, then marked done (with a short outcome), missed or
cancelled, once; nobody else plans, closes or sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.models import AuditEvent
from microcredit.followup.enums import AppointmentStatus
from microcredit.followup.models import Appointment
from microcredit.followup.selectors.notes import appointments_of_day
from microcredit.followup.services.notes import appointment_close, appointment_create
from tests.followup.test_notes_support import (
    APPOINTMENT_PLACE,
    CCAS_STAFF,
    World,
    build_world,
    local,
    plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    return build_world(make_user)


def tomorrow_at(hour: int) -> object:
    return local(timezone.localdate() + timedelta(days=1), hour)


@pytest.mark.parametrize("name", CCAS_STAFF)
def test_the_ccas_staff_plan_an_appointment(world: World, name: str) -> None:
    starts_at = tomorrow_at(10)
    appointment = appointment_create(
        actor=world.users[name],
        membership=world.membership(name),
        dossier_id=world.dossier.pk,
        starts_at=starts_at,  # type: ignore[arg-type]
        place=" Bureau 12 ",
        with_whom="Camille Martin",
    )
    assert appointment.status == AppointmentStatus.PLANNED
    assert appointment.starts_at == starts_at
    assert appointment.place == "Bureau 12"
    assert appointment.created_by == world.users[name]
    audit = AuditEvent.objects.get(
        action=AuditAction.FOLLOWUP_APPOINTMENT_CREATED, object_id=appointment.pk
    )
    assert audit.new_values["status"] == "planned"
    assert audit.new_values["dossier"] == world.dossier.pk


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("partner", Refused),
        ("other_partner", Http404),
        ("other_ccas", Http404),
        ("commission", Http404),
        ("bank", Http404),
        ("admin", Http404),
    ],
)
def test_nobody_else_plans_an_appointment(world: World, name: str, refusal: type) -> None:
    with pytest.raises(refusal):
        appointment_create(
            actor=world.users[name],
            membership=world.membership(name),
            dossier_id=world.dossier.pk,
            starts_at=tomorrow_at(10),  # type: ignore[arg-type]
            place="Ici",
            with_whom="Moi",
        )
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("delta", "place", "with_whom", "field", "message"),
    [
        (timedelta(hours=-1), "Ici", "Camille", "starts_at", "cette date est passée"),
        (timedelta(days=400), "Ici", "Camille", "starts_at", "au plus un an à l'avance"),
        (timedelta(days=2), "  ", "Camille", "place", "Indiquez le lieu du rendez-vous."),
        (timedelta(days=2), "Ici", "", "with_whom", "Indiquez avec qui"),
        (timedelta(days=2), "x" * 201, "Camille", "place", "au plus 200 caractères"),
    ],
)
def test_a_bad_appointment_is_refused_in_french_and_nothing_is_written(
    world: World, delta: timedelta, place: str, with_whom: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refusal:
        appointment_create(
            actor=world.users["referent"],
            membership=world.membership("referent"),
            dossier_id=world.dossier.pk,
            starts_at=timezone.now() + delta,
            place=place,
            with_whom=with_whom,
        )
    assert message in " ".join(refusal.value.message_dict[field])
    assert not Appointment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_APPOINTMENT_CREATED).exists()


@pytest.mark.parametrize("status", [AppointmentStatus.DONE, AppointmentStatus.MISSED])
def test_an_appointment_whose_time_came_is_marked_done_or_missed_once(
    world: World, status: str
) -> None:
    appointment = plan(world, timezone.now() - timedelta(hours=2))
    closed = appointment_close(
        actor=world.users["agent"],
        membership=world.membership("agent"),
        appointment_id=appointment.pk,
        status=status,
        outcome="Budget revu ensemble." if status == AppointmentStatus.DONE else "",
    )
    assert closed.status == status
    appointment.refresh_from_db()
    assert appointment.status == status
    audit = AuditEvent.objects.get(
        action=AuditAction.FOLLOWUP_APPOINTMENT_CLOSED, object_id=appointment.pk
    )
    assert audit.old_values == {"status": "planned"}
    assert audit.new_values["status"] == status
    with pytest.raises(Refused, match="déjà marqué"):
        appointment_close(
            actor=world.users["referent"],
            membership=world.membership("referent"),
            appointment_id=appointment.pk,
            status=AppointmentStatus.CANCELLED,
            outcome="",
        )
    appointment.refresh_from_db()
    assert appointment.status == status
    assert AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_APPOINTMENT_CLOSED).count() == 1


def test_an_appointment_done_needs_its_outcome(world: World) -> None:
    appointment = plan(world, timezone.now() - timedelta(hours=2))
    with pytest.raises(ValidationError) as refusal:
        appointment_close(
            actor=world.users["referent"],
            membership=world.membership("referent"),
            appointment_id=appointment.pk,
            status=AppointmentStatus.DONE,
            outcome="   ",
        )
    assert "compte rendu" in " ".join(refusal.value.message_dict["outcome"])
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED


def test_an_appointment_to_come_is_cancelled_not_done(world: World) -> None:
    appointment = plan(world, local(timezone.localdate() + timedelta(days=3), 14, 30))
    for status in (AppointmentStatus.DONE, AppointmentStatus.MISSED):
        with pytest.raises(Refused, match="à 14:30 : il ne peut être marqué honoré ou manqué"):
            appointment_close(
                actor=world.users["referent"],
                membership=world.membership("referent"),
                appointment_id=appointment.pk,
                status=status,
                outcome="Trop tôt.",
            )
    cancelled = appointment_close(
        actor=world.users["referent"],
        membership=world.membership("referent"),
        appointment_id=appointment.pk,
        status=AppointmentStatus.CANCELLED,
        outcome="La personne a repris un emploi ce jour-là.",
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    # Its time comes: a cancelled appointment stays cancelled.
    with (
        time_machine.travel(appointment.starts_at + timedelta(hours=1), tick=False),
        pytest.raises(Refused, match="déjà marqué « annulé »"),
    ):
        appointment_close(
            actor=world.users["referent"],
            membership=world.membership("referent"),
            appointment_id=appointment.pk,
            status=AppointmentStatus.MISSED,
            outcome="",
        )


def test_an_unknown_closing_is_refused(world: World) -> None:
    appointment = plan(world, timezone.now() - timedelta(hours=2))
    with pytest.raises(ValidationError):
        appointment_close(
            actor=world.users["referent"],
            membership=world.membership("referent"),
            appointment_id=appointment.pk,
            status=AppointmentStatus.PLANNED,
            outcome="",
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED


@pytest.mark.parametrize(
    "name", ["partner", "other_partner", "other_ccas", "commission", "bank", "admin"]
)
def test_nobody_else_closes_an_appointment_nor_learns_it_exists(world: World, name: str) -> None:
    appointment = plan(world, timezone.now() - timedelta(hours=2))
    with pytest.raises(Http404):
        appointment_close(
            actor=world.users[name],
            membership=world.membership(name),
            appointment_id=appointment.pk,
            status=AppointmentStatus.MISSED,
            outcome="",
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED


# --- Through the pages ----------------------------------------------------------------------


def test_an_appointment_is_planned_then_marked_done_through_the_pages(world: World) -> None:
    client = world.client("referent")
    day = timezone.localdate() + timedelta(days=2)
    response = client.post(
        reverse("followup:appointment_create", args=[world.dossier.pk]),
        {
            "starts_at": day.isoformat(),
            "starts_time": "09:30",
            "place": APPOINTMENT_PLACE,
            "with_whom": "Camille Martin, référente",
        },
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.starts_at == local(day, 9, 30)
    page = client.get(reverse("dossiers:detail", args=[world.dossier.pk])).content.decode()
    close_url = reverse("followup:appointment_close", args=[appointment.pk])
    assert close_url in page
    assert "Rendez-vous enregistré." in page
    assert 'value="done"' not in page  # its time has not come: only « Annuler »
    with time_machine.travel(appointment.starts_at + timedelta(hours=1), tick=False):
        client.force_login(world.users["referent"])  # the session of two days ago has expired
        page = client.get(reverse("dossiers:detail", args=[world.dossier.pk])).content.decode()
        assert 'value="done"' in page and 'value="missed"' in page
        response = client.post(close_url, {"status": "done", "outcome": "Dossier CAF complété."})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.DONE
    assert "Rendez-vous marqué « honoré »." in page
    assert "Dossier CAF complété." in page  # now in the history


def test_a_refused_closing_comes_back_with_the_reason(world: World) -> None:
    appointment = plan(world, timezone.now() - timedelta(hours=2))
    client = world.client("referent")
    response = client.post(
        reverse("followup:appointment_close", args=[appointment.pk]),
        {"status": "done", "outcome": ""},
        follow=True,
    )
    assert "Écrivez en quelques mots ce qui s&#x27;est dit" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED


def test_an_appointment_form_with_faults_shows_them(world: World) -> None:
    client = world.client("agent")
    response = client.post(
        reverse("followup:appointment_create", args=[world.dossier.pk]),
        {"starts_at": "2020-01-01", "starts_time": "10:00", "place": "Ici", "with_whom": "Moi"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "cette date est passée" in html
    assert 'value="Ici"' in html
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("partner", 403),
        ("commission", 403),
        ("bank", 403),
        ("admin", 403),
        ("other_ccas", 404),
    ],
)
def test_the_appointment_pages_refuse_the_others(world: World, name: str, status: int) -> None:
    appointment = plan(world, timezone.now() - timedelta(hours=2))
    client = world.client(name)
    create = client.post(
        reverse("followup:appointment_create", args=[world.dossier.pk]),
        {
            "starts_at": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "starts_time": "10:00",
            "place": "Ici",
            "with_whom": "Moi",
        },
    )
    close = client.post(
        reverse("followup:appointment_close", args=[appointment.pk]),
        {"status": "missed", "outcome": ""},
    )
    assert (create.status_code, close.status_code) == (status, status)
    assert Appointment.objects.count() == 1
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.PLANNED


def test_the_partner_worker_does_not_see_the_appointments(world: World) -> None:
    plan(world, timezone.now() - timedelta(days=2), status=AppointmentStatus.DONE)
    plan(world, timezone.now() + timedelta(days=2))
    for url in (
        reverse("dossiers:detail", args=[world.dossier.pk]),
        reverse("followup:dossier_followup", args=[world.dossier.pk]),
    ):
        html = world.client("partner").get(url).content.decode()
        assert APPOINTMENT_PLACE not in html
        assert "Rendez-vous prévus" not in html


def test_the_appointments_of_the_day_for_a_home_page(world: World) -> None:
    today = timezone.localdate()
    morning = plan(world, local(today, 9))
    afternoon = plan(world, local(today, 15))
    plan(world, local(today, 11), status=AppointmentStatus.CANCELLED)
    plan(world, local(today + timedelta(days=1), 9))
    for name in ("referent", "agent", "director"):
        found = appointments_of_day(world.users[name], world.membership(name), today)
        assert list(found) == [morning, afternoon]
    for name in ("partner", "other_ccas", "commission", "bank", "admin"):
        assert not appointments_of_day(world.users[name], world.membership(name), today).exists()
