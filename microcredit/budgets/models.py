"""The budget of a dossier's household: append-only versions, each with its lines and the
household as it was when the version was written, and the référent's opinions on it.

A version is never modified: a change is a new version (``budget_create_version``), so the one a
decision read stays as it was. The household is copied into the version (``BudgetPerson``) for
the same reason: removing a member from the applicant's file later does not change the
consumption units of a budget already studied.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from microcredit.applicants.models import HouseholdMember
from microcredit.budgets.enums import (
    ChargeType,
    HousingStatus,
    LineKind,
    MemberRole,
    ResourceType,
    Verdict,
)
from microcredit.core.formatting import format_month
from microcredit.dossiers.models import Dossier


class Budget(models.Model):
    """One version of the household's monthly budget for ``month`` (first day of the month)."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.CASCADE, related_name="budgets"
    )
    version = models.PositiveIntegerField("version")
    month = models.DateField("mois décrit (premier jour du mois)")
    housing_status = models.CharField("logement", max_length=30, choices=HousingStatus.choices)
    separation_recent = models.BooleanField(
        "séparation ou veuvage depuis moins de 18 mois", default=False
    )
    # The household declared it has no resource at all this month: zero is its answer, not a
    # missing one (a version with no positive resource is only accepted with it).
    no_resources = models.BooleanField("aucune ressource", default=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "budget du ménage"
        verbose_name_plural = "budgets des ménages"
        ordering = ["dossier", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "version"], name="budget_version_unique"),
            models.CheckConstraint(
                condition=models.Q(housing_status__in=HousingStatus.values),
                name="budget_housing_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} v{self.version} ({format_month(self.month)})"


class BudgetPerson(models.Model):
    """A person of the household as the version describes it (the applicant included)."""

    budget = models.ForeignKey(
        Budget, verbose_name="budget", on_delete=models.CASCADE, related_name="persons"
    )
    position = models.PositiveSmallIntegerField("rang")
    role = models.CharField("place dans le foyer", max_length=20, choices=MemberRole.choices)
    first_name = models.CharField("prénom", max_length=100)
    birth_date = models.DateField("date de naissance")
    # The member of the applicant's file this person was copied from (None: the applicant, or
    # a member removed since).
    household_member = models.ForeignKey(
        HouseholdMember,
        verbose_name="membre du ménage",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    # The gross monthly salary from the pay slip, when given: only for the rights estimate (the
    # budget counts the net salary, its salary lines). Given only with a net salary, never
    # below it.
    gross_salary = models.DecimalField(
        "salaire brut mensuel (€)",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = "personne du budget"
        verbose_name_plural = "personnes du budget"
        ordering = ["budget", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "position"], name="budget_person_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(gross_salary__isnull=True) | models.Q(gross_salary__gte=0),
                name="budget_person_gross_salary_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} ({self.get_role_display()})"


class BudgetLine(models.Model):
    """A monthly resource or charge of one type. A personal resource (salary, unemployment
    benefit, pension, AAH) names its person; ``person`` empty means the applicant's."""

    budget = models.ForeignKey(
        Budget, verbose_name="budget", on_delete=models.CASCADE, related_name="lines"
    )
    kind = models.CharField("nature", max_length=10, choices=LineKind.choices)
    type = models.CharField("type", max_length=30)
    amount = models.DecimalField(
        "montant mensuel (€)",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    paid_to_landlord = models.BooleanField("versée au bailleur", default=False)
    person = models.ForeignKey(
        BudgetPerson,
        verbose_name="personne",
        on_delete=models.CASCADE,
        related_name="lines",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "ligne du budget"
        verbose_name_plural = "lignes du budget"
        ordering = ["budget", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_line_positive"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=LineKind.RESOURCE, type__in=ResourceType.values)
                    | models.Q(kind=LineKind.CHARGE, type__in=ChargeType.values)
                ),
                name="budget_line_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_label} : {self.amount} €"

    @property
    def type_label(self) -> str:
        choices = ResourceType if self.kind == LineKind.RESOURCE else ChargeType
        return str(choices(self.type).label)


class ReferentOpinion(models.Model):
    """The référent's own opinion on a budget version, with its reason (append-only)."""

    budget = models.ForeignKey(
        Budget, verbose_name="budget", on_delete=models.CASCADE, related_name="opinions"
    )
    verdict = models.CharField("avis", max_length=20, choices=Verdict.choices)
    reason = models.TextField("motif")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "avis du référent sur le budget"
        verbose_name_plural = "avis du référent sur les budgets"
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict__in=Verdict.values), name="opinion_verdict_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget} : {self.get_verdict_display()}"
