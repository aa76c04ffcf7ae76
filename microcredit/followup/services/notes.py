"""Writes of a dossier's follow-up: notes, appointments (planned, then done, missed or
cancelled) and their reminders, points d'étape.

Every write checks the person's rights on the dossier's follow-up (``selectors.notes``: the
access funnel, then the role), writes one audit row, and refuses bad input in French without
writing anything. Notes and points d'étape are append-only: no service edits or deletes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.formatting import format_date
from microcredit.core.services import audit_event_create
from microcredit.followup.enums import AppointmentStatus, NoteVisibility
from microcredit.followup.models import Appointment, Note, StepReview
from microcredit.followup.selectors.notes import (
    appointment_for_user_or_404,
    appointments_to_remind,
    followup_dossier_or_404,
)

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 5000
SUMMARY_MAX_LENGTH = 5000
OUTCOME_MAX_LENGTH = 2000
TEXT_MAX_LENGTH = 200  # place, with whom (the model's max_length)
# An appointment is planned at most this far ahead (a year typed wrong is caught).
APPOINTMENT_HORIZON = timedelta(days=366)
CLOSING_STATUSES = frozenset(
    {AppointmentStatus.DONE, AppointmentStatus.MISSED, AppointmentStatus.CANCELLED}
)


def _required_text(field: str, value: str, missing: str, limit: int, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: ValidationError(missing, code="required")})
    if len(text) > limit:
        raise ValidationError(
            {
                field: ValidationError(
                    f"{label} : au plus {limit} caractères ({len(text)} saisis).",
                    code="too_long",
                )
            }
        )
    return text


# --- Notes ----------------------------------------------------------------------------------


@transaction.atomic
def note_create(
    *, actor: User, membership: Membership | None, dossier_id: int, visibility: str, body: str
) -> Note:
    """A note on the dossier, private to the CCAS or shared with the partner worker. Written by
    the CCAS staff only; never edited nor deleted afterwards."""
    dossier, rights = followup_dossier_or_404(actor, membership, dossier_id)
    if not rights.write_notes:
        raise Refused(
            "Les notes de suivi sont écrites par l'équipe du CCAS. Pour transmettre où en est "
            "la personne, écrivez un point d'étape."
        )
    if visibility not in NoteVisibility.values:
        raise ValidationError(
            {
                "visibility": "Choisissez qui pourra lire la note : l'équipe du CCAS seulement, "
                "ou aussi le travailleur social partenaire."
            }
        )
    text = _required_text("body", body, "Écrivez la note.", NOTE_MAX_LENGTH, "La note")
    note = Note.objects.create(dossier=dossier, author=actor, visibility=visibility, body=text)
    audit_event_create(
        actor=actor,
        action=AuditAction.FOLLOWUP_NOTE_CREATED,
        obj=note,
        new_values={"dossier": dossier, "visibility": visibility, "length": len(text)},
    )
    return note


# --- Appointments ---------------------------------------------------------------------------


@transaction.atomic
def appointment_create(
    *,
    actor: User,
    membership: Membership | None,
    dossier_id: int,
    starts_at: datetime,
    place: str,
    with_whom: str,
    now: datetime | None = None,
) -> Appointment:
    """Plan an appointment about the dossier (CCAS staff): when, where, with whom."""
    dossier, rights = followup_dossier_or_404(actor, membership, dossier_id)
    if not rights.manage_appointments:
        raise Refused("Les rendez-vous sont prévus par l'équipe du CCAS.")
    now = now or timezone.now()
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    if starts_at <= now:
        raise ValidationError(
            {
                "starts_at": "Un rendez-vous se prévoit à l'avance : cette date est passée. "
                "Pour un entretien déjà tenu, écrivez une note."
            }
        )
    if starts_at > now + APPOINTMENT_HORIZON:
        raise ValidationError(
            {"starts_at": "Un rendez-vous se prévoit au plus un an à l'avance : vérifiez l'année."}
        )
    place_text = _required_text(
        "place", place, "Indiquez le lieu du rendez-vous.", TEXT_MAX_LENGTH, "Le lieu"
    )
    with_text = _required_text(
        "with_whom",
        with_whom,
        "Indiquez avec qui a lieu le rendez-vous.",
        TEXT_MAX_LENGTH,
        "Avec qui",
    )
    appointment = Appointment.objects.create(
        dossier=dossier,
        starts_at=starts_at,
        place=place_text,
        with_whom=with_text,
        created_by=actor,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.FOLLOWUP_APPOINTMENT_CREATED,
        obj=appointment,
        new_values={"dossier": dossier, "starts_at": starts_at, "status": appointment.status},
    )
    return appointment


@transaction.atomic
def appointment_close(
    *,
    actor: User,
    membership: Membership | None,
    appointment_id: int,
    status: str,
    outcome: str,
    now: datetime | None = None,
) -> Appointment:
    """A planned appointment marked done (with its short outcome), missed or cancelled, once.
    Done or missed only once its time has come; cancelled at any time before that."""
    appointment = appointment_for_user_or_404(actor, membership, appointment_id, for_update=True)
    if status not in CLOSING_STATUSES:
        raise ValidationError(
            {"status": "Choisissez : rendez-vous honoré, manqué ou annulé."}, code="invalid"
        )
    if appointment.status != AppointmentStatus.PLANNED:
        raise Refused(
            f"Ce rendez-vous est déjà marqué « {AppointmentStatus(appointment.status).label} » : "
            "il ne change plus."
        )
    now = now or timezone.now()
    local = timezone.localtime(appointment.starts_at)
    if status in {AppointmentStatus.DONE, AppointmentStatus.MISSED} and appointment.starts_at > now:
        raise Refused(
            f"Le rendez-vous est prévu le {format_date(local.date())} à {local:%H:%M} : il ne "
            "peut être marqué honoré ou manqué qu'à partir de cette heure. S'il n'aura pas lieu, "
            "annulez-le."
        )
    text = (outcome or "").strip()
    if status == AppointmentStatus.DONE:
        text = _required_text(
            "outcome",
            text,
            "Écrivez en quelques mots ce qui s'est dit (le compte rendu).",
            OUTCOME_MAX_LENGTH,
            "Le compte rendu",
        )
    elif len(text) > OUTCOME_MAX_LENGTH:
        raise ValidationError(
            {"outcome": f"Le commentaire : au plus {OUTCOME_MAX_LENGTH} caractères."}
        )
    old_status = appointment.status
    appointment.status = status
    appointment.outcome = text
    appointment.save(update_fields=["status", "outcome", "updated_at"])
    audit_event_create(
        actor=actor,
        action=AuditAction.FOLLOWUP_APPOINTMENT_CLOSED,
        obj=appointment,
        old_values={"status": old_status},
        new_values={"status": status, "outcome_length": len(text)},
    )
    return appointment


# --- Points d'étape -------------------------------------------------------------------------


@transaction.atomic
def step_review_create(
    *,
    actor: User,
    membership: Membership | None,
    dossier_id: int,
    held_on: date,
    summary: str,
    next_on: date | None,
    today: date | None = None,
) -> StepReview:
    """A point d'étape written by the partner worker the dossier is shared with, or by a
    référent of the CCAS: the day it was held, where the person stands, the next one's date."""
    dossier, rights = followup_dossier_or_404(actor, membership, dossier_id)
    if not rights.write_reviews:
        raise Refused(
            "Les points d'étape sont écrits par le travailleur social partenaire qui accompagne "
            "la personne, ou par un référent du CCAS."
        )
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if held_on > today:
        errors["held_on"] = (
            "Le point d'étape ne peut pas être daté d'après aujourd'hui : indiquez le jour où "
            "il a eu lieu (le prochain se note plus bas)."
        )
    elif next_on is not None and next_on <= held_on:
        errors["next_on"] = "Le prochain point d'étape vient après celui-ci."
    if errors:
        raise ValidationError(errors)
    text = _required_text(
        "summary",
        summary,
        "Écrivez où en est la personne.",
        SUMMARY_MAX_LENGTH,
        "Le point d'étape",
    )
    review = StepReview.objects.create(
        dossier=dossier, author=actor, held_on=held_on, summary=text, next_on=next_on
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.FOLLOWUP_STEP_REVIEW_CREATED,
        obj=review,
        new_values={
            "dossier": dossier,
            "held_on": held_on,
            "next_on": next_on,
            "length": len(text),
        },
    )
    return review


# --- Reminders of the day before ------------------------------------------------------------


@dataclass
class ReminderRun:
    """What one run of the reminders did, for the command's summary."""

    day: date  # the day of the appointments reminded (the day after the run's date)
    appointments: int = 0
    staff_sent: int = 0
    applicant_sent: int = 0
    without_referent: int = 0
    failed: int = 0


def _staff_email(appointment: Appointment) -> EmailMessage | None:
    """To the dossier's référent: that an appointment is tomorrow, when, and a link to the
    dossier. No personal data: neither the person's name, nor the place, nor with whom."""
    referent = appointment.dossier.referent
    if referent is None or not referent.is_active or not referent.email:
        return None
    local = timezone.localtime(appointment.starts_at)
    context = {
        "day": format_date(local.date()),
        "time": f"{local:%H:%M}",
        "link": settings.SITE_URL.rstrip("/")
        + reverse("dossiers:detail", args=[appointment.dossier_id])
        + "#suivi",
    }
    with translation.override("fr"):
        return EmailMessage(
            subject=render_to_string("followup/email/reminder_staff_subject.txt", context).strip(),
            body=render_to_string("followup/email/reminder_staff.txt", context),
            to=[referent.email],
        )


def _applicant_email(appointment: Appointment) -> EmailMessage | None:
    """To the applicant who consented to e-mail notifications: their own appointment (day,
    time, place) and who sends it (the CCAS); nothing else."""
    applicant = appointment.dossier.applicant
    if applicant.notifications_consent_at is None or not applicant.email:
        return None
    local = timezone.localtime(appointment.starts_at)
    context = {
        "day": format_date(local.date()),
        "time": f"{local:%H:%M}",
        "place": appointment.place,
        "organisation": appointment.dossier.organisation.name,
    }
    with translation.override("fr"):
        return EmailMessage(
            subject=render_to_string(
                "followup/email/reminder_applicant_subject.txt", context
            ).strip(),
            body=render_to_string("followup/email/reminder_applicant.txt", context),
            to=[applicant.email],
        )


def _send_once(appointment: Appointment, field: str, message: EmailMessage, now: datetime) -> bool:
    """Claim the reminder (its date set only if still empty), send it, audit it: all or
    nothing. A second run, or a run alongside, finds the date set and sends nothing; a failed
    sending leaves it empty for the next run."""
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            pk=appointment.pk, status=AppointmentStatus.PLANNED, **{f"{field}__isnull": True}
        ).update(**{field: now})
        if not claimed:
            return False
        message.send(fail_silently=False)
        audit_event_create(
            actor=None,
            action=AuditAction.FOLLOWUP_APPOINTMENT_REMINDED,
            obj=appointment,
            new_values={field: now, "to": "staff" if field.startswith("staff") else "applicant"},
        )
    return True


def appointment_reminders_send(*, on: date, now: datetime | None = None) -> ReminderRun:
    """E-mail the reminders of the planned appointments of the day after `on`: to the
    dossier's référent, and to the applicant when they consented and gave an e-mail. Each
    reminder is sent once, whatever the number of runs."""
    now = now or timezone.now()
    run = ReminderRun(day=on + timedelta(days=1))
    for appointment in appointments_to_remind(run.day):
        run.appointments += 1
        attempts: list[tuple[str, EmailMessage | None]] = []
        if appointment.staff_reminder_sent_at is None:
            staff = _staff_email(appointment)
            if staff is None:
                run.without_referent += 1
            attempts.append(("staff_reminder_sent_at", staff))
        if appointment.applicant_reminder_sent_at is None:
            attempts.append(("applicant_reminder_sent_at", _applicant_email(appointment)))
        for field, message in attempts:
            if message is None:
                continue
            try:
                sent = _send_once(appointment, field, message, now)
            except Exception:  # the mail server refused: the next run tries again
                logger.exception("Rappel du rendez-vous %s non envoyé (%s)", appointment.pk, field)
                run.failed += 1
                continue
            if sent and field.startswith("staff"):
                run.staff_sent += 1
            elif sent:
                run.applicant_sent += 1
    return run
