"""Loans: terms, schedules from the loan engine (versioned), the bank's repayments, incidents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from microcredit.core.formatting import format_date
from microcredit.dossiers.enums import DeferralKind
from microcredit.dossiers.models import Dossier
from microcredit.loans.enums import (
    EarlyRepaymentKeep,
    IncidentKind,
    LoanState,
    RecordedVia,
    ScheduleLineKind,
)
from microcredit.organisations.models import Organisation

MONEY: dict[str, Any] = {"max_digits": 10, "decimal_places": 2}


class Loan(models.Model):
    dossier = models.OneToOneField(
        Dossier, verbose_name="dossier", on_delete=models.PROTECT, related_name="loan"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.PROTECT, related_name="+"
    )
    principal = models.DecimalField("montant prêté (€)", **MONEY)
    nominal_rate_percent = models.DecimalField(
        "taux nominal annuel (%)", max_digits=6, decimal_places=3
    )
    months = models.PositiveSmallIntegerField("durée de remboursement (mois)")
    deferral_months = models.PositiveSmallIntegerField("différé (mois)", default=0)
    deferral_kind = models.CharField(
        "type de différé", max_length=20, choices=DeferralKind.choices, default=DeferralKind.NONE
    )
    disbursement_date = models.DateField("date du décaissement")
    installment = models.DecimalField("mensualité (€)", **MONEY)
    total_interest = models.DecimalField("intérêts (€)", **MONEY)
    total_due = models.DecimalField("montant total dû (€)", **MONEY)
    apr_percent = models.DecimalField("TAEG (%)", max_digits=6, decimal_places=2)
    state = models.CharField(
        "état", max_length=20, choices=LoanState.choices, default=LoanState.ACTIVE
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "prêt"
        verbose_name_plural = "prêts"
        ordering = ["-disbursement_date", "-id"]
        # The month's figures of a CCAS: loans disbursed in a period.
        indexes = [
            models.Index(fields=["organisation", "disbursement_date"]),
            # The portfolio's state filter, for the CCAS and for the bank.
            models.Index(fields=["organisation", "state"], name="loan_organisation_state"),
            models.Index(fields=["bank", "state"], name="loan_bank_state"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(principal__gt=0), name="loan_positive"),
        ]

    def __str__(self) -> str:
        return f"Prêt {self.dossier.number}"


class ScheduleVersion(models.Model):
    """One version of the schedule; a partial repayment or a repayment plan adds the next one."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.CASCADE, related_name="schedule_versions"
    )
    number = models.PositiveSmallIntegerField("version")
    reason = models.CharField("motif", max_length=200)
    installment = models.DecimalField("mensualité en vigueur (€)", **MONEY)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "version de l'échéancier"
        verbose_name_plural = "versions de l'échéancier"
        ordering = ["loan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="schedule_version_unique")
        ]
        # The nightly arrears job reads the versions created since its last run; the bank's API
        # reads each loan's latest version (api.changes.with_last_change, one probe).
        indexes = [
            models.Index(fields=["created_at"], name="schedule_version_created"),
            models.Index(fields=["loan", "-created_at"], name="schedule_version_loan_created"),
        ]

    def __str__(self) -> str:
        return f"Échéancier v{self.number} — {self.loan}"


class ScheduleLine(models.Model):
    version = models.ForeignKey(
        ScheduleVersion, verbose_name="version", on_delete=models.CASCADE, related_name="lines"
    )
    number = models.PositiveSmallIntegerField("n°")
    due_date = models.DateField("échéance")
    kind = models.CharField("nature", max_length=20, choices=ScheduleLineKind.choices)
    payment = models.DecimalField("à payer (€)", **MONEY)
    interest = models.DecimalField("intérêts (€)", **MONEY)
    principal = models.DecimalField("capital (€)", **MONEY)
    capitalised = models.DecimalField("intérêts capitalisés (€)", default=0, **MONEY)
    # Overdue interest a repayment plan rescheduled into this row (included in `interest`).
    arrears_interest = models.DecimalField(
        "dont impayés d'intérêts rééchelonnés (€)", default=0, **MONEY
    )
    balance = models.DecimalField("capital restant dû (€)", **MONEY)

    class Meta:
        verbose_name = "ligne de l'échéancier"
        verbose_name_plural = "lignes de l'échéancier"
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="schedule_line_unique")
        ]
        # The nightly arrears job reads the rows that fell due since its last run; the bilan's
        # completions read each loan's original last due date.
        indexes = [
            models.Index(fields=["due_date"], name="schedule_line_due"),
            models.Index(fields=["version", "due_date"], name="schedule_line_version_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {format_date(self.due_date)}"


class Repayment(models.Model):
    """A payment the bank received; its reference is unique per bank (idempotent batches)."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.PROTECT, related_name="repayments"
    )
    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField("référence de la banque", max_length=64)
    date = models.DateField("date")
    amount = models.DecimalField("montant (€)", **MONEY)
    early_repayment = models.BooleanField("remboursement anticipé demandé", default=False)
    early_repayment_keep = models.CharField(
        "choix de l'emprunteur (remboursement anticipé)",
        max_length=20,
        choices=EarlyRepaymentKeep.choices,
        blank=True,
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField("canal", max_length=10, choices=RecordedVia.choices)

    class Meta:
        verbose_name = "remboursement"
        verbose_name_plural = "remboursements"
        ordering = ["loan", "date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "reference"], name="repayment_reference_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_positive"),
            models.CheckConstraint(
                condition=models.Q(early_repayment=False, early_repayment_keep="")
                | models.Q(early_repayment=True) & ~models.Q(early_repayment_keep=""),
                name="repayment_keep_when_early",
            ),
        ]
        # The nightly arrears job reads the repayments recorded, or dated, since its last run;
        # the bilan's completions read each loan's last repayment (backwards on this index).
        indexes = [
            models.Index(fields=["recorded_at"], name="repayment_recorded"),
            models.Index(fields=["date"], name="repayment_date"),
            models.Index(fields=["loan", "date", "id"], name="repayment_loan_date"),
            # The bank's API: each loan's latest recorded line (api.changes.with_last_change).
            models.Index(fields=["loan", "-recorded_at"], name="repayment_loan_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.amount} €"


class Incident(models.Model):
    """A missed installment or another incident reported by the bank."""

    loan = models.ForeignKey(
        Loan, verbose_name="prêt", on_delete=models.PROTECT, related_name="incidents"
    )
    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField("référence de la banque", max_length=64)
    kind = models.CharField("nature", max_length=30, choices=IncidentKind.choices)
    date = models.DateField("date")
    amount = models.DecimalField("montant concerné (€)", null=True, blank=True, **MONEY)
    note = models.TextField("précisions", blank=True)
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField("canal", max_length=10, choices=RecordedVia.choices)

    class Meta:
        verbose_name = "incident"
        verbose_name_plural = "incidents"
        ordering = ["loan", "-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "reference"], name="incident_reference_unique"),
        ]
        # The bank's API: the dossiers changed since an instant (api.changes).
        indexes = [
            models.Index(fields=["recorded_at"], name="incident_recorded"),
            # The loan page's incidents, newest first (a page of them).
            models.Index(fields=["loan", "-date", "-id"], name="incident_loan_date"),
            # The bank's API: each loan's latest recorded incident (api.changes.with_last_change).
            models.Index(fields=["loan", "-recorded_at"], name="incident_loan_recorded"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {format_date(self.date)}"
