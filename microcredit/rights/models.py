"""Stored estimates of a household's rights (OpenFisca-France), the référent's outcome per
right, and the cache of the RSA base amount the budget diagnostic reads."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from microcredit.budgets.models import Budget
from microcredit.core.formatting import format_month
from microcredit.dossiers.models import Dossier
from microcredit.rights.enums import AssessmentStatus, RightCode, RightOutcome
from microcredit.rights.rules import COVERAGE_CAVEATS, RightsAssessment, Scales

AMOUNT_FIELDS = (
    "ppa",
    "rsa",
    "asf",
    "aide_logement",
    "af",
    "css_participation_forfaitaire",
    "cheque_energie",
    "aspa",
)
# Amounts that exist only in some estimates (``None`` when absent or older than them).
OPTIONAL_AMOUNT_FIELDS = (
    "rsa_without_housing_aid",
    "ppa_without_housing_aid",
    "css_participation_without_housing_aid",
)
SCALE_FIELDS = tuple(f.name for f in fields(Scales))

# What ``RightsAssessmentRecord.store`` writes.
STORED_FIELDS = (
    "results",
    "caveats",
    "month",
    "openfisca_france_version",
    "rsa_base_amount",
)


class RightsAssessmentRecord(models.Model):
    """One estimate of the household's rights for the month of one budget version.

    ``results`` keeps OpenFisca-France's amounts as strings (``{"ppa": "370.21", …,
    "cmu_c": false, "cheque_energie_year": 2026}``) and ``caveats`` the sentences to show with
    them; both are written once, when the computation ends.
    """

    dossier = models.ForeignKey(
        Dossier,
        verbose_name="dossier",
        on_delete=models.CASCADE,
        related_name="rights_assessments",
    )
    # A budget an estimate read cannot be deleted on its own (RESTRICT, like PROTECT), but the
    # dossier's deletion takes both (PROTECT would refuse it).
    budget = models.ForeignKey(
        Budget, verbose_name="budget", on_delete=models.RESTRICT, related_name="rights_assessments"
    )
    status = models.CharField(
        "état", max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.PENDING
    )
    month = models.DateField("mois estimé")
    openfisca_france_version = models.CharField("version d'OpenFisca-France", max_length=30)
    results = models.JSONField("résultats", default=dict, blank=True)
    caveats = models.JSONField("limites de l'estimation", default=list, blank=True)
    rsa_base_amount = models.DecimalField(
        "montant forfaitaire du RSA (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    error_message = models.TextField("erreur", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="demandée par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("demandée le", auto_now_add=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)

    class Meta:
        verbose_name = "estimation des droits"
        verbose_name_plural = "estimations des droits"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AssessmentStatus.values),
                name="rights_assessment_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["dossier", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.dossier_id} {format_month(self.month)} : {self.get_status_display()}"

    @property
    def is_unfinished(self) -> bool:
        return self.status in (AssessmentStatus.PENDING, AssessmentStatus.RUNNING)

    def store(self, assessment: RightsAssessment) -> None:
        """Copy the engine's estimate into the record (not saved)."""
        results: dict[str, Any] = {name: str(getattr(assessment, name)) for name in AMOUNT_FIELDS}
        for name in OPTIONAL_AMOUNT_FIELDS:
            value = getattr(assessment, name)
            results[name] = None if value is None else str(value)
        if assessment.scales is not None:
            results["scales"] = {
                name: str(getattr(assessment.scales, name)) for name in SCALE_FIELDS
            }
        results["cmu_c"] = assessment.cmu_c
        results["cmu_c_without_housing_aid"] = assessment.cmu_c_without_housing_aid
        results["cheque_energie_year"] = assessment.cheque_energie_year
        self.results = results
        self.caveats = list(assessment.caveats)
        self.month = assessment.month
        self.openfisca_france_version = assessment.openfisca_france_version
        self.rsa_base_amount = assessment.rsa_base_amount

    def assessment(self) -> RightsAssessment | None:
        """The stored estimate as the pure rules' object (None until the computation is done)."""
        if self.status != AssessmentStatus.DONE or not self.results:
            return None
        # Estimates stored before a field existed lack it: 0 (ASPA not screened then), None.
        amounts = {name: Decimal(self.results.get(name, "0.00")) for name in AMOUNT_FIELDS}
        optional = {
            name: None if self.results.get(name) is None else Decimal(self.results[name])
            for name in OPTIONAL_AMOUNT_FIELDS
        }
        stored_scales = self.results.get("scales")
        scales = (
            Scales(**{name: Decimal(stored_scales[name]) for name in SCALE_FIELDS})
            if stored_scales
            else None
        )
        return RightsAssessment(
            month=self.month,
            openfisca_france_version=self.openfisca_france_version,
            cmu_c=bool(self.results["cmu_c"]),
            cheque_energie_year=int(self.results["cheque_energie_year"]),
            rsa_base_amount=self.rsa_base_amount or Decimal(0),
            caveats=tuple(self.caveats) or COVERAGE_CAVEATS,
            scales=scales,
            rsa_without_housing_aid=optional["rsa_without_housing_aid"],
            ppa_without_housing_aid=optional["ppa_without_housing_aid"],
            css_participation_without_housing_aid=optional["css_participation_without_housing_aid"],
            cmu_c_without_housing_aid=self.results.get("cmu_c_without_housing_aid"),
            **amounts,
        )


class RightOutcomeRecord(models.Model):
    """What became of one right to check (counted by the statistics)."""

    assessment = models.ForeignKey(
        RightsAssessmentRecord,
        verbose_name="estimation",
        on_delete=models.CASCADE,
        related_name="outcomes",
    )
    right = models.CharField("droit", max_length=20, choices=RightCode.choices)
    estimated_monthly_amount = models.DecimalField(
        "montant mensuel estimé (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )
    outcome = models.CharField("suite donnée", max_length=20, choices=RightOutcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistrée par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("enregistrée le", auto_now=True)

    class Meta:
        verbose_name = "suite donnée à un droit"
        verbose_name_plural = "suites données aux droits"
        ordering = ["assessment", "right"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "right"], name="right_outcome_unique_per_assessment"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=RightOutcome.values),
                name="right_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.right} : {self.get_outcome_display()}"


class RsaBaseAmount(models.Model):
    """The RSA montant forfaitaire for one person in force in ``month``, as read from
    OpenFisca-France's parameters by the rights task or the ``rsa_base_amounts`` command, so
    that the web process never loads OpenFisca to show a budget's floor."""

    month = models.DateField("mois", unique=True)
    amount = models.DecimalField("montant forfaitaire (€)", max_digits=10, decimal_places=2)
    openfisca_france_version = models.CharField("version d'OpenFisca-France", max_length=30)
    updated_at = models.DateTimeField("relevé le", auto_now=True)

    class Meta:
        verbose_name = "montant forfaitaire du RSA"
        verbose_name_plural = "montants forfaitaires du RSA"
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{format_month(self.month)} : {self.amount} €"

    @classmethod
    def remember(cls, *, month: date, amount: Decimal, version: str) -> RsaBaseAmount:
        """Store (or refresh) the amount of ``month`` read from OpenFisca-France."""
        row, _ = cls.objects.update_or_create(
            month=date(month.year, month.month, 1),
            defaults={"amount": amount, "openfisca_france_version": version},
        )
        return row
