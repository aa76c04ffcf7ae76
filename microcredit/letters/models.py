"""Letters to the applicant after each decision, rendered to PDF, with texts per organisation."""

from __future__ import annotations

import uuid

from django.db import models

from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.letters.enums import LetterKind
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation


class LetterTemplate(models.Model):
    """An organisation's own words around a letter's fixed part (decision, amounts, schedule)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("courrier", max_length=30, choices=LetterKind.choices)
    subject = models.CharField("objet", max_length=200)
    introduction = models.TextField("paragraphe d'ouverture")
    conclusion = models.TextField("paragraphe de conclusion")
    signatory = models.CharField("signataire (nom et fonction)", max_length=200)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "modèle de courrier"
        verbose_name_plural = "modèles de courrier"
        ordering = ["organisation", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="letter_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.organisation}"


def letter_path(instance: Letter, filename: str) -> str:
    return f"letters/{instance.dossier_id}/{uuid.uuid4().hex}.pdf"


class Letter(models.Model):
    """A PDF letter, written once: after the dossier move it reports (one per dossier event), or
    after a fact of the loan's follow-up (servicing.hooks.letter_due), once per dossier, kind
    and key (the missed installment's due date, the repayment plan's id)."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.CASCADE, related_name="letters"
    )
    event = models.OneToOneField(
        DossierEvent,
        verbose_name="décision",
        on_delete=models.CASCADE,
        related_name="letter",
        null=True,
        blank=True,
    )
    # Without an event: what makes the letter once (see SERVICING_LETTERS); "" with an event.
    key = models.CharField("clé", max_length=40, blank=True, default="")
    kind = models.CharField("courrier", max_length=30, choices=LetterKind.choices)
    file = models.FileField("fichier", upload_to=letter_path, max_length=200)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    created_at = models.DateTimeField("écrit le", auto_now_add=True)
    # A decision letter e-mailed to the applicant who agreed to it (letters.emailing), once.
    emailed_at = models.DateTimeField("envoyé par e-mail le", null=True, blank=True)

    class Meta:
        verbose_name = "courrier"
        verbose_name_plural = "courriers"
        ordering = ["dossier", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind", "key"],
                condition=models.Q(event__isnull=True),
                name="letter_once_per_key",
            ),
            models.CheckConstraint(
                condition=models.Q(event__isnull=False, key="")
                | models.Q(event__isnull=True) & ~models.Q(key=""),
                name="letter_event_or_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.dossier}"


class PendingDecisionLetter(models.Model):
    """A decision of LETTER_FOR_TRANSITION whose letter is not written yet: the agent's queue
    « Courriers en attente », read without scanning every decision ever made.

    Created with the decision, in its transaction (letters.handlers.letter_after_decision);
    deleted with the writing of the letter, in the same transaction as the Letter row, or when
    the writing finds that the event calls for no letter (letters.writing.letter_write). The
    organisation and the date are the dossier's and the event's, copied so that the queue of an
    organisation is one index range, oldest first (ADR 0017)."""

    event = models.OneToOneField(
        DossierEvent,
        verbose_name="décision",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pending_letter",
    )
    # Indexed by the queue's index below (its first column): no index of its own.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField("date de la décision")

    class Meta:
        verbose_name = "courrier de décision à écrire"
        verbose_name_plural = "courriers de décision à écrire"
        ordering = ["at", "event"]
        indexes = [
            # An organisation's queue, oldest first (the event's id breaks ties, as the
            # events' own order does).
            models.Index(fields=["organisation", "at", "event"], name="letter_pending_queue")
        ]

    def __str__(self) -> str:
        return f"Courrier à écrire — {self.event}"


class PendingServicingLetter(models.Model):
    """A letter of the loan's follow-up (SERVICING_LETTERS) owed and not written yet: an agreed
    repayment plan, a missed installment servicing raised an alert for. The agent's queue
    « Courriers en attente » reads them without scanning every plan and alert ever recorded.

    Created when servicing owes the letter, at the commit of the move, just before the letter's
    task is queued (letters.handlers.letter_after_servicing, from the same sources as
    letters.selectors.servicing_letters_owed; not in the move's transaction, whose queries must
    not grow with a nightly batch's letters); deleted with the writing of the letter, in the
    same transaction as the Letter row, or when the writing finds that nothing is owed
    (letters.writing.servicing_letter_write). `on` is the day the letters' pages show (the
    missed installment's due date, the day the bank agreed the plan); `decided_at` (plans) and
    `first` (missed installments: the first day an alert was raised) order the letters of a
    day as servicing_letters_owed does (ADR 0017)."""

    # Indexed by the unique constraint below (its first column): no index of its own.
    loan = models.ForeignKey(
        Loan,
        verbose_name="prêt",
        on_delete=models.CASCADE,
        related_name="pending_letters",
        db_index=False,
    )
    kind = models.CharField("courrier", max_length=30, choices=LetterKind.choices)
    # The missed installment's due date (ISO), the plan's id: as Letter.key.
    key = models.CharField("clé", max_length=40)
    # Indexed by the queue's index below (its first column): no index of its own.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    on = models.DateField("date du fait")
    decided_at = models.DateTimeField("plan accepté le", null=True, blank=True)
    first = models.DateField("première alerte au", null=True, blank=True)

    class Meta:
        verbose_name = "courrier du suivi à écrire"
        verbose_name_plural = "courriers du suivi à écrire"
        ordering = ["on", "-kind", "decided_at", "first", "loan", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "kind", "key"], name="letter_pending_servicing_once"
            )
        ]
        indexes = [
            # An organisation's queue, oldest first; on a day the plans ("repayment_plan",
            # hence -kind) before the missed installments, each in servicing_letters_owed's
            # order (the plans by decision, the installments by first alert, loan and key).
            models.Index(
                fields=["organisation", "on", "-kind", "decided_at", "first", "loan", "key"],
                name="letter_pending_servicing_queue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} à écrire — {self.loan}"
