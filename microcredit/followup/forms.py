"""Forms of a dossier's follow-up: a note, an appointment and its outcome, a point d'étape.
They read what was typed; the services decide what is allowed (selectors.notes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone

from microcredit.core.forms import FreeTextGuard
from microcredit.followup.enums import AppointmentStatus, NoteVisibility
from microcredit.followup.selectors.notes import FollowupRights
from microcredit.followup.services.notes import (
    NOTE_MAX_LENGTH,
    OUTCOME_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TEXT_MAX_LENGTH,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

NOTE_VISIBILITY_CHOICES = [
    (NoteVisibility.CCAS.value, "Réservée à l'équipe du CCAS"),
    (NoteVisibility.SHARED.value, "Partagée avec le travailleur social partenaire du dossier"),
]


class NoteForm(FreeTextGuard, forms.Form):
    visibility = forms.ChoiceField(
        label="Qui pourra la lire ?",
        choices=NOTE_VISIBILITY_CHOICES,
        initial=NoteVisibility.CCAS.value,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Une note ne se modifie ni ne se supprime une fois enregistrée.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)


class AppointmentForm(FreeTextGuard, forms.Form):
    """`starts_at` is the day (its errors are the service's « starts_at »), `starts_time` the
    time; `cleaned_data["when"]` both, in the local time zone."""

    starts_at = forms.DateField(label="Date du rendez-vous", widget=DATE_WIDGET)
    starts_time = forms.TimeField(label="Heure", widget=TIME_WIDGET)
    place = forms.CharField(label="Lieu", max_length=TEXT_MAX_LENGTH)
    with_whom = forms.CharField(
        label="Avec qui",
        max_length=TEXT_MAX_LENGTH,
        help_text="Qui la personne rencontre (par exemple : Camille Martin, référente).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rdv_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, at = data.get("starts_at"), data.get("starts_time")
        if day is not None and at is not None:
            data["when"] = timezone.make_aware(datetime.combine(day, at))
        return data


class AppointmentCloseForm(FreeTextGuard, forms.Form):
    """Which button was pressed (« Honoré », « Manqué », « Annuler le rendez-vous ») and the
    short outcome (required for an appointment done: the service says so). Its markup is
    written in followup/_open_appointments.html, one per planned appointment."""

    status = forms.ChoiceField(
        choices=[
            (AppointmentStatus.DONE.value, "honoré"),
            (AppointmentStatus.MISSED.value, "manqué"),
            (AppointmentStatus.CANCELLED.value, "annulé"),
        ],
        error_messages={"required": "Choisissez : honoré, manqué ou annulé."},
    )
    outcome = forms.CharField(
        label="Compte rendu ou commentaire",
        required=False,
        max_length=OUTCOME_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StepReviewForm(FreeTextGuard, forms.Form):
    held_on = forms.DateField(label="Date du point d'étape", widget=DATE_WIDGET)
    summary = forms.CharField(
        label="Où en est la personne",
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Un point d'étape ne se modifie ni ne se supprime une fois enregistré.",
    )
    next_on = forms.DateField(label="Prochain point d'étape", widget=DATE_WIDGET, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "etape_%s")
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


def followup_forms(rights: FollowupRights, **bound: forms.Form) -> dict[str, forms.Form | None]:
    """The forms the person may use on a dossier's follow-up (None for the others), blank
    unless given bound (as typed, with their faults)."""

    def form(name: str, allowed: bool, blank: type[forms.Form]) -> forms.Form | None:
        if not allowed:
            return None
        given = bound.get(name)
        return given if given is not None else blank()

    return {
        "note_form": form("note_form", rights.write_notes, NoteForm),
        "appointment_form": form("appointment_form", rights.manage_appointments, AppointmentForm),
        "review_form": form("review_form", rights.write_reviews, StepReviewForm),
    }
