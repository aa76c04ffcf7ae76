"""The follow-up of a dossier (notes, appointments, points d'étape with the partner social
worker) and the handling of the public's requests (the inbox).

Who reads what is decided by the selectors (the access funnel of ``dossiers.selectors``): a
note private to the CCAS is read by the CCAS staff only; a shared note and the points d'étape
are also read by the partner worker the dossier is shared with; the commission and the bank
read none of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from microcredit.dossiers.models import Dossier
from microcredit.followup.enums import AppointmentStatus, NoteVisibility, RequestStatus
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest


class Note(models.Model):
    """A note on a dossier, private to the CCAS or shared with the partner worker."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT, related_name="+"
    )
    visibility = models.CharField(
        "visibilité", max_length=10, choices=NoteVisibility.choices, default=NoteVisibility.CCAS
    )
    body = models.TextField("note")
    created_at = models.DateTimeField("écrite le", auto_now_add=True)

    class Meta:
        verbose_name = "note de suivi"
        verbose_name_plural = "notes de suivi"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dossier", "-created_at", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=NoteVisibility.values),
                name="followup_note_visibility_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} du dossier {self.dossier_id}"


class Appointment(models.Model):
    """An appointment about a dossier: when, where, with whom; then done or missed."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.CASCADE, related_name="appointments"
    )
    starts_at = models.DateTimeField("date et heure")
    place = models.CharField("lieu", max_length=200)
    with_whom = models.CharField("avec qui", max_length=200)
    status = models.CharField(
        "état", max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.PLANNED
    )
    outcome = models.TextField("compte rendu", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="prévu par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    # The reminders of the day before: to the référent (e-mail) and, with the applicant's
    # consent, to the applicant. Set once sent: a reminder is never sent twice.
    staff_reminder_sent_at = models.DateTimeField(
        "rappel envoyé à l'équipe le", null=True, blank=True
    )
    applicant_reminder_sent_at = models.DateTimeField(
        "rappel envoyé au demandeur le", null=True, blank=True
    )

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["dossier", "starts_at", "id"]),
            models.Index(fields=["status", "starts_at", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AppointmentStatus.values),
                name="followup_appointment_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Rendez-vous {self.pk} du dossier {self.dossier_id}"


class StepReview(models.Model):
    """A point d'étape: the partner social worker (or the référent) writes where the person
    stands, and when the next point is due."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.CASCADE, related_name="step_reviews"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="auteur", on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField("date du point d'étape")
    summary = models.TextField("où en est la personne")
    next_on = models.DateField("prochain point d'étape", null=True, blank=True)
    created_at = models.DateTimeField("écrit le", auto_now_add=True)

    class Meta:
        verbose_name = "point d'étape"
        verbose_name_plural = "points d'étape"
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["dossier", "-held_on", "-id"]),
            models.Index(fields=["next_on", "id"]),
        ]

    def __str__(self) -> str:
        return f"Point d'étape {self.pk} du dossier {self.dossier_id}"


def request_state(status: str, *, converted: bool) -> RequestStatus:
    """Where a request stands in the inbox, from its own status (new, contacted, closed) and the
    dossier it was turned into: one state, stored once (the request's status)."""
    if status == ContactRequestStatus.NEW:
        return RequestStatus.NEW
    if status == ContactRequestStatus.CONTACTED:
        return RequestStatus.IN_PROGRESS
    return RequestStatus.CONVERTED if converted else RequestStatus.CLOSED


class RequestHandling(models.Model):
    """How a request from the public was handled: by whom, the dossier it was turned into, or
    the reason it was closed. One per request, created when someone first takes it. Its state
    (:attr:`status`) is derived from the request's status and the dossier, never stored."""

    request = models.OneToOneField(
        ContactRequest, verbose_name="demande", on_delete=models.CASCADE, related_name="handling"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="traitée par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name="dossier créé",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closed_reason = models.TextField("motif de clôture", blank=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)

    class Meta:
        verbose_name = "traitement d'une demande"
        verbose_name_plural = "traitements des demandes"
        constraints = [
            # Turned into a dossier or closed with a reason, never both.
            models.CheckConstraint(
                condition=models.Q(dossier__isnull=True) | models.Q(closed_reason=""),
                name="followup_request_converted_or_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Demande {self.request_id} : {self.status.label}"

    @property
    def status(self) -> RequestStatus:
        return request_state(self.request.status, converted=self.dossier_id is not None)
