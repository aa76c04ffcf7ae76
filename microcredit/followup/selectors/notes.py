"""Reads of a dossier's follow-up: who may read and write what, the timeline of notes,
appointments and points d'étape, the appointments to remind.

Who may do what (the access funnel of ``dossiers.selectors`` first: one sees the follow-up of a
dossier one sees, then one's role decides):

- the CCAS staff of the dossier's organisation (référent, agent, directeur·rice) read every note,
  appointment and point d'étape; they write notes (private to the CCAS or shared) and plan and
  close appointments; the référents also write points d'étape;
- the partner social worker the dossier is shared with reads the shared notes and the points
  d'étape, and writes points d'étape. They write no note: the point d'étape is their written
  channel to the CCAS, and a shared note is the CCAS's to them. They do not see the appointments
  (the CCAS's agenda, with its outcomes);
- the commission, the bank and the technical administrator read none of it.

A shared note is read by whoever accompanies the person: a worker the dossier is shared with
later reads the shared notes written before; one the dossier is no longer shared with reads
nothing (the funnel no longer lets them in).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.core.paginator import Page, Paginator
from django.db.models import CharField, DateTimeField, F, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.followup.enums import AppointmentStatus, NoteVisibility
from microcredit.followup.models import Appointment, Note, StepReview

# The roles that may reach the follow-up pages (each then through the dossier's funnel).
FOLLOWUP_ROLES = DOSSIER_STAFF_ROLES | {Role.PARTNER_WORKER}
NOTE_WRITER_ROLES = DOSSIER_STAFF_ROLES
APPOINTMENT_ROLES = DOSSIER_STAFF_ROLES
REVIEW_WRITER_ROLES = frozenset({Role.REFERENT, Role.PARTNER_WORKER})

# The dossier page shows the last entries of the timeline; the follow-up page has them all.
RECENT_ENTRIES = 8
PAGE_SIZE = 20
# Planned appointments listed with their closing buttons on the dossier page.
OPEN_APPOINTMENTS_SHOWN = 10

EntryKind = Literal["note", "appointment", "review"]


@dataclass(frozen=True)
class FollowupRights:
    """What the person may read and write in one dossier's follow-up."""

    read_private: bool = False  # notes private to the CCAS and appointments
    read_shared: bool = False  # shared notes and points d'étape
    write_notes: bool = False
    manage_appointments: bool = False
    write_reviews: bool = False

    @property
    def read_any(self) -> bool:
        return self.read_shared or self.read_private


NO_RIGHTS = FollowupRights()


def _role_rights(role: str) -> FollowupRights:
    """The rights a role gives on the follow-up of a dossier it sees (through the funnel)."""
    if role in DOSSIER_STAFF_ROLES:
        return FollowupRights(
            read_private=True,
            read_shared=True,
            write_notes=True,
            manage_appointments=True,
            write_reviews=role in REVIEW_WRITER_ROLES,
        )
    if role == Role.PARTNER_WORKER:
        return FollowupRights(read_shared=True, write_reviews=True)
    return NO_RIGHTS


def followup_rights(
    user: User, membership: Membership | None, dossier: Dossier, *, through_funnel: bool = False
) -> FollowupRights:
    """The rights of `user` in their active role on `dossier`'s follow-up (one query, none
    when the caller read `dossier` through `access_dossiers_for_user` for the same user and
    membership: `through_funnel`)."""
    if membership is None or membership.role not in FOLLOWUP_ROLES:
        return NO_RIGHTS
    if (
        not through_funnel
        and not access_dossiers_for_user(user, membership).filter(pk=dossier.pk).exists()
    ):
        return NO_RIGHTS
    return _role_rights(membership.role)


def followup_dossier_or_404(
    user: User, membership: Membership | None, dossier_id: int
) -> tuple[Dossier, FollowupRights]:
    """The dossier and the person's rights on its follow-up; 404 when they may read none of it
    (never say that the dossier exists)."""
    if membership is None or membership.role not in FOLLOWUP_ROLES:
        raise Http404("Dossier introuvable.")
    dossier = (
        access_dossiers_for_user(user, membership)
        .select_related("applicant", "organisation")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise Http404("Dossier introuvable.")
    return dossier, _role_rights(membership.role)


def appointment_for_user_or_404(
    user: User, membership: Membership | None, appointment_id: int, *, for_update: bool = False
) -> Appointment:
    """An appointment of a dossier the person's CCAS works; 404 for anyone else."""
    if membership is None or membership.role not in APPOINTMENT_ROLES:
        raise Http404("Rendez-vous introuvable.")
    appointments = Appointment.objects.filter(
        dossier__in=access_dossiers_for_user(user, membership).values("pk")
    )
    if for_update:
        appointments = Appointment.objects.select_for_update().filter(
            pk__in=appointments.values("pk")
        )
    appointment = appointments.filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404("Rendez-vous introuvable.")
    return appointment


# --- The timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    kind: EntryKind
    at: datetime  # when it happened (a point d'étape: its day, at midnight)
    note: Note | None = None
    appointment: Appointment | None = None
    review: StepReview | None = None


def readable_notes(dossier: Dossier, rights: FollowupRights) -> QuerySet[Note]:
    notes = Note.objects.filter(dossier=dossier)
    if rights.read_private:
        return notes
    if rights.read_shared:
        return notes.filter(visibility=NoteVisibility.SHARED)
    return notes.none()


def readable_appointments(dossier: Dossier, rights: FollowupRights) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(dossier=dossier)
    return appointments if rights.read_private else appointments.none()


def readable_reviews(dossier: Dossier, rights: FollowupRights) -> QuerySet[StepReview]:
    reviews = StepReview.objects.filter(dossier=dossier)
    return reviews if rights.read_shared else reviews.none()


def _rows(queryset: QuerySet[Any], kind: EntryKind, at: Any) -> QuerySet[Any]:
    """(kind, at, oid) rows of one kind: the three kinds are one ordered union."""
    rows: QuerySet[Any] = (
        queryset.order_by()
        .annotate(
            entry_kind=Value(kind, output_field=CharField()),
            entry_at=at,
            entry_id=F("pk"),
        )
        .values_list("entry_kind", "entry_at", "entry_id")
    )
    return rows


def timeline_rows(dossier: Dossier, rights: FollowupRights) -> QuerySet[Any] | None:
    """The history the person may read, newest first, as (kind, at, id) rows: notes by when
    they were written, appointments done, missed or cancelled by their date, points d'étape by
    the day they were held. None if they may read nothing. One query per page of rows,
    whatever the kinds; then one per kind on the page (timeline_entries)."""
    parts: list[QuerySet[Any]] = []
    if rights.read_shared or rights.read_private:
        parts.append(_rows(readable_notes(dossier, rights), "note", F("created_at")))
    if rights.read_private:
        # The appointments still planned are the agenda (open_appointments), not the history.
        closed = readable_appointments(dossier, rights).exclude(status=AppointmentStatus.PLANNED)
        parts.append(_rows(closed, "appointment", F("starts_at")))
    if rights.read_shared:
        parts.append(
            _rows(
                readable_reviews(dossier, rights),
                "review",
                Cast("held_on", output_field=DateTimeField()),
            )
        )
    if not parts:
        return None
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return rows.order_by("-entry_at", "entry_kind", "-entry_id")


def timeline_entries(rows: Sequence[tuple[str, Any, int]]) -> list[TimelineEntry]:
    """The objects of a page of rows, in the rows' order (one query per kind present)."""
    ids: dict[str, list[int]] = {"note": [], "appointment": [], "review": []}
    for kind, _at, pk in rows:
        ids[kind].append(pk)
    notes = Note.objects.select_related("author").in_bulk(ids["note"]) if ids["note"] else {}
    appointments = (
        Appointment.objects.select_related("created_by").in_bulk(ids["appointment"])
        if ids["appointment"]
        else {}
    )
    reviews = (
        StepReview.objects.select_related("author").in_bulk(ids["review"]) if ids["review"] else {}
    )
    entries: list[TimelineEntry] = []
    for kind, _at, pk in rows:
        if kind == "note" and pk in notes:
            note = notes[pk]
            entries.append(TimelineEntry("note", note.created_at, note=note))
        elif kind == "appointment" and pk in appointments:
            appointment = appointments[pk]
            entries.append(
                TimelineEntry("appointment", appointment.starts_at, appointment=appointment)
            )
        elif kind == "review" and pk in reviews:
            review = reviews[pk]
            at = timezone.make_aware(datetime.combine(review.held_on, time()))
            entries.append(TimelineEntry("review", at, review=review))
    return entries


def timeline_recent(
    dossier: Dossier, rights: FollowupRights, limit: int = RECENT_ENTRIES
) -> tuple[list[TimelineEntry], int]:
    """The last `limit` entries the person may read, and how many there are in all."""
    rows = timeline_rows(dossier, rights)
    if rows is None:
        return [], 0
    return timeline_entries(list(rows[:limit])), rows.count()


def timeline_page(dossier: Dossier, rights: FollowupRights, page_number: Any) -> Page[Any]:
    """One page of the whole timeline (PAGE_SIZE entries), its objects in `object_list`."""
    rows = timeline_rows(dossier, rights)
    source: Sequence[Any] | QuerySet[Any] = rows if rows is not None else []
    page: Page[Any] = Paginator(source, PAGE_SIZE).get_page(page_number)
    page.object_list = timeline_entries(list(page.object_list))
    return page


@dataclass(frozen=True)
class OpenAppointment:
    appointment: Appointment
    due: bool  # its time has come: it may be marked done or missed (else only cancelled)


def open_appointments(
    dossier: Dossier, rights: FollowupRights, now: datetime | None = None
) -> list[OpenAppointment]:
    """The dossier's planned appointments, soonest first (the first OPEN_APPOINTMENTS_SHOWN):
    the agenda, with those whose time has come waiting to be marked done or missed."""
    if not rights.manage_appointments:
        return []
    now = now or timezone.now()
    return [
        OpenAppointment(appointment, appointment.starts_at <= now)
        for appointment in readable_appointments(dossier, rights)
        .filter(status=AppointmentStatus.PLANNED)
        .order_by("starts_at", "id")[:OPEN_APPOINTMENTS_SHOWN]
    ]


def last_review(dossier: Dossier, rights: FollowupRights) -> StepReview | None:
    """The latest point d'étape (its next date is the one to keep in mind)."""
    if not rights.read_shared:
        return None
    return readable_reviews(dossier, rights).order_by("-held_on", "-id").first()


# --- Reminders and days ---------------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The aware start and end of a local day (settings.TIME_ZONE, Europe/Paris)."""
    start = timezone.make_aware(datetime.combine(day, time()))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time()))
    return start, end


def appointments_to_remind(day: date) -> list[Appointment]:
    """The planned appointments of `day` (local) owed a reminder: to the team or the applicant."""
    start, end = day_bounds(day)
    return list(
        Appointment.objects.filter(
            status=AppointmentStatus.PLANNED, starts_at__gte=start, starts_at__lt=end
        )
        .exclude(staff_reminder_sent_at__isnull=False, applicant_reminder_sent_at__isnull=False)
        .select_related(
            "dossier", "dossier__referent", "dossier__applicant", "dossier__organisation"
        )
        .order_by("starts_at", "id")
    )


def appointments_of_day(user: User, membership: Membership | None, day: date) -> QuerySet[Any]:
    """The planned appointments of `day` on the dossiers the person's CCAS works, soonest
    first: for a home page (none for the other roles)."""
    if membership is None or membership.role not in APPOINTMENT_ROLES:
        return Appointment.objects.none()
    start, end = day_bounds(day)
    return (
        Appointment.objects.filter(
            dossier__in=access_dossiers_for_user(user, membership).values("pk"),
            status=AppointmentStatus.PLANNED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("dossier")
        .order_by("starts_at", "id")
    )
