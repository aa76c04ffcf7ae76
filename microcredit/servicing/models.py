"""After the cheque: arrears snapshots and alerts, repayment plans, guarantee claims, the project
proof and the CCAS's bonification, the bank statements imported."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from microcredit.core.formatting import format_date
from microcredit.documents.models import Document
from microcredit.loans.models import Loan, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import (
    AlertKind,
    ClaimState,
    ImportState,
    PaymentMode,
    PlanMode,
    PlanState,
)

MONEY: dict[str, Any] = {"max_digits": 10, "decimal_places": 2}


class ArrearsSnapshot(models.Model):
    """Where one loan stood on one day, written by the nightly job (history and statistics)."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.CASCADE, related_name="arrears_snapshots"
    )
    as_of = models.DateField("au")
    days_past_due = models.PositiveIntegerField("jours de retard")
    bucket = models.CharField("tranche de retard", max_length=10)
    overdue_amount = models.DecimalField("impayés (€)", **MONEY)
    overdue_interest = models.DecimalField("dont intérêts impayés (€)", default=0, **MONEY)
    overdue_principal = models.DecimalField("dont capital impayé (€)", default=0, **MONEY)
    outstanding_principal = models.DecimalField("capital restant dû (€)", **MONEY)
    installment = models.DecimalField("mensualité en vigueur (€)", **MONEY)
    next_due_date = models.DateField("prochaine échéance", null=True, blank=True)
    computed_at = models.DateTimeField("calculé le", auto_now_add=True)

    class Meta:
        verbose_name = "situation de retard"
        verbose_name_plural = "situations de retard"
        ordering = ["-as_of", "loan"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "as_of"], name="arrears_snapshot_unique")
        ]
        indexes = [
            models.Index(fields=["as_of", "bucket"], name="arrears_day_bucket"),
            models.Index(fields=["as_of", "-days_past_due", "loan"], name="arrears_day_dpd"),
        ]

    def __str__(self) -> str:
        return f"{self.loan} au {format_date(self.as_of)}"


class Alert(models.Model):
    """Something the référent or the bank adviser must look at, raised once per recipient."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField("nature", max_length=30, choices=AlertKind.choices)
    # What makes the alert once: the missed installment's due date, the bucket, the plan's id.
    key = models.CharField("clé", max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="destinataire",
        on_delete=models.CASCADE,
        related_name="+",
    )
    as_of = models.DateField("constaté au")
    days_past_due = models.PositiveIntegerField("jours de retard", default=0)
    bucket = models.CharField("tranche de retard", max_length=10, blank=True)
    overdue_amount = models.DecimalField("impayés (€)", default=0, **MONEY)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    emailed_at = models.DateTimeField("courriel envoyé le", null=True, blank=True)
    handled_at = models.DateTimeField("traitée le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="traitée par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "alerte"
        verbose_name_plural = "alertes"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "kind", "key", "recipient"], name="alert_once_per_recipient"
            )
        ]
        indexes = [
            # A recipient's alerts to handle, newest first (home page, servicing:alerts).
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(handled_at__isnull=True),
                name="alert_inbox",
            ),
            # Those handled, the latest handled first (servicing:alerts?etat=traitees).
            models.Index(
                fields=["recipient", "-handled_at", "-id"],
                condition=models.Q(handled_at__isnull=False),
                name="alert_handled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.loan}"


class RepaymentPlan(models.Model):
    """A plan de reprise: the référent proposes it with the borrower, the bank agrees or
    refuses; agreed, it is the schedule version it created, followed by the nightly job."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.PROTECT, related_name="plans"
    )
    state = models.CharField(
        "état", max_length=20, choices=PlanState.choices, default=PlanState.PROPOSED
    )
    as_of = models.DateField("impayés arrêtés au")
    months = models.PositiveSmallIntegerField("durée du plan (mois)")
    mode = models.CharField("mode", max_length=10, choices=PlanMode.choices)
    overdue_amount = models.DecimalField("impayés rééchelonnés (€)", **MONEY)
    note = models.TextField("accord avec l'emprunteur", blank=True)
    proposed_at = models.DateTimeField("proposé le", auto_now_add=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="proposé par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidé par", on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )  # fmt: skip
    refusal_reason = models.TextField("motif du refus", blank=True)
    schedule_version = models.OneToOneField(
        ScheduleVersion, verbose_name="échéancier du plan", on_delete=models.PROTECT,
        related_name="plan", null=True, blank=True,
    )  # fmt: skip
    ended_on = models.DateField("respecté ou rompu le", null=True, blank=True)

    class Meta:
        verbose_name = "plan de reprise"
        verbose_name_plural = "plans de reprise"
        ordering = ["loan", "-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=models.Q(state__in=["proposed", "agreed"]),
                name="plan_one_open_per_loan",
            ),
            models.CheckConstraint(condition=models.Q(months__gte=1), name="plan_months"),
        ]
        indexes = [models.Index(fields=["state", "loan"], name="plan_state")]

    def __str__(self) -> str:
        return f"Plan de reprise — {self.loan}"


class GuaranteeClaim(models.Model):
    """The bank's call on the guarantee (Fonds de cohésion sociale), then the guarantor's payment.

    The loss ledger of the loan reads from it: the guarantor's share is what it paid, the bank's
    share the rest of what was outstanding."""

    loan = models.OneToOneField(
        Loan, verbose_name="prêt", on_delete=models.PROTECT, related_name="guarantee_claim"
    )
    reference = models.CharField("référence de la banque", max_length=64, blank=True)
    acceleration_date = models.DateField("date de la déchéance du terme")
    first_unpaid_date = models.DateField("date de la première échéance impayée")
    guarantor_name = models.CharField("garant", max_length=200)
    rate_percent = models.DecimalField("taux de garantie (%)", max_digits=5, decimal_places=2)
    includes_interest = models.BooleanField("intérêts courus inclus")
    outstanding_principal = models.DecimalField("capital restant dû (€)", **MONEY)
    accrued_interest = models.DecimalField("intérêts courus et impayés (€)", **MONEY)
    amount = models.DecimalField("montant appelé (€)", **MONEY)
    state = models.CharField(
        "état", max_length=10, choices=ClaimState.choices, default=ClaimState.SENT
    )
    paid_amount = models.DecimalField(
        "montant payé par le garant (€)", null=True, blank=True, **MONEY
    )
    paid_on = models.DateField("payé le", null=True, blank=True)
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistré par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "appel en garantie"
        verbose_name_plural = "appels en garantie"
        ordering = ["-acceleration_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="claim_amount"),
            models.CheckConstraint(
                condition=models.Q(state="sent", paid_amount__isnull=True, paid_on__isnull=True)
                | models.Q(state="paid", paid_amount__isnull=False, paid_on__isnull=False),
                name="claim_paid_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"Appel en garantie — {self.loan}"


class ProjectProof(models.Model):
    """The proof that the project was carried out (an invoice filed), or why it is waived."""

    loan = models.OneToOneField(
        Loan, verbose_name="prêt", on_delete=models.PROTECT, related_name="project_proof"
    )
    document = models.ForeignKey(
        Document, verbose_name="justificatif", on_delete=models.PROTECT, related_name="+",
        null=True, blank=True,
    )  # fmt: skip
    waived_reason = models.TextField("motif de la dispense", blank=True)
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistré par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "justificatif du projet"
        verbose_name_plural = "justificatifs du projet"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(document__isnull=False) | ~models.Q(waived_reason=""),
                name="proof_document_or_waiver",
            ),
        ]

    def __str__(self) -> str:
        return f"Justificatif — {self.loan}"


class Bonification(models.Model):
    """The CCAS's refund of the last installment (loan_engine.bonification_amount), or why it
    is waived."""

    loan = models.OneToOneField(
        Loan, verbose_name="prêt", on_delete=models.PROTECT, related_name="bonification"
    )
    amount = models.DecimalField("montant (€)", **MONEY)
    paid_on = models.DateField("payée le", null=True, blank=True)
    mode = models.CharField(
        "mode de paiement", max_length=10, choices=PaymentMode.choices, blank=True
    )
    waived_reason = models.TextField("motif de la dispense", blank=True)
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="enregistré par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = "bonification"
        verbose_name_plural = "bonifications"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="bonification_amount"),
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=False) & ~models.Q(mode="")
                | ~models.Q(waived_reason=""),
                name="bonification_paid_or_waived",
            ),
        ]

    def __str__(self) -> str:
        return f"Bonification — {self.loan}"


class StatementImport(models.Model):
    """A bank statement (CSV of repayments) uploaded, previewed, then confirmed all at once."""

    # The uploader's organisation: the bank, or the CCAS when its agent or director imports.
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField("nom du fichier", max_length=150)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    encoding = models.CharField("encodage", max_length=20)
    content = models.TextField("contenu")
    state = models.CharField(
        "état", max_length=10, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    lines = models.PositiveIntegerField("lignes", default=0)
    recorded = models.PositiveIntegerField("remboursements enregistrés", default=0)
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)

    class Meta:
        verbose_name = "relevé importé"
        verbose_name_plural = "relevés importés"
        ordering = ["-uploaded_at", "-id"]
        # An organisation's imports, newest first (the upload page's paginated list).
        indexes = [
            models.Index(fields=["organisation", "-uploaded_at", "-id"], name="statement_recent")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"


class InstallmentReminder(models.Model):
    """The e-mail reminding the borrower of an installment a few days before it falls due
    (servicing.services.reminders), once per loan and due date, and only with the borrower's
    consent to e-mail notifications (Applicant.notifications_consent_at)."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.CASCADE, related_name="installment_reminders"
    )
    due_date = models.DateField("échéance")
    amount = models.DecimalField("montant de l'échéance (€)", **MONEY)
    created_at = models.DateTimeField("préparé le", auto_now_add=True)
    # Set before sending (whoever sets it sends), given back if the sending failed.
    emailed_at = models.DateTimeField("envoyé par e-mail le", null=True, blank=True)

    class Meta:
        verbose_name = "rappel d'échéance"
        verbose_name_plural = "rappels d'échéance"
        ordering = ["-due_date", "loan"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "due_date"], name="installment_reminder_once")
        ]

    def __str__(self) -> str:
        return f"Rappel de l'échéance du {format_date(self.due_date)} — {self.loan}"
