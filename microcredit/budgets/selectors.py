"""Reads of budgets: the latest version of a dossier's budget, the pure rules' ``Budget`` built
from it, and the diagnostic the dossier page shows.

The diagnostic reads its thresholds from the parameter version in force on the dossier's
application date, and the RSA base amount from the rights app's ``RsaBaseAmount`` cache (filled
by the rights task and the ``rsa_base_amounts`` command, asked through ``budgets.hooks``): the
web process never loads OpenFisca-France. When no amount is known for the budget's month or
before, the figures that need it (floor, capacity, verdict, options) are not computed, and the
page says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch

from loan_engine import DeferralKind
from microcredit.budgets import hooks, rules
from microcredit.budgets.enums import PERSONAL_RESOURCES, LineKind, MemberRole, ResourceType
from microcredit.budgets.hooks import RsaBase
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson, ReferentOpinion
from microcredit.dossiers.models import Dossier
from microcredit.programmes.models import ProgrammeVersion

NO_RSA_BASE = (
    "Le montant forfaitaire du RSA de ce mois n'est pas encore connu : le plancher, la capacité "
    "de remboursement, l'avis et les options ne sont pas calculés. Lancez l'estimation des "
    "droits pour obtenir le montant forfaitaire du RSA."
)

CAPACITY_LIMIT_LABELS = {
    rules.CapacityLimit.DEBT_RATIO: "limitée par le taux d'endettement maximal",
    rules.CapacityLimit.REMAINING_INCOME: "limitée par le reste à vivre minimal par UC",
    rules.CapacityLimit.RSA_FLOOR: "limitée par le plancher du RSA",
    rules.CapacityLimit.NO_RESOURCES: "le foyer n'a aucune ressource",
}


def latest_budget(dossier: Dossier) -> Budget | None:
    """The dossier's latest budget version with its persons and lines (three queries)."""
    return (
        Budget.objects.filter(dossier=dossier)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("persons", queryset=BudgetPerson.objects.order_by("position")),
            Prefetch("lines", queryset=BudgetLine.objects.order_by("kind", "id")),
        )
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class BudgetData:
    """A stored version as the pure rules see it, with each member's personal resources.

    ``personal`` and ``gross_salaries`` are aligned with ``budget.members`` (same order):
    ``personal[k]`` is member k's personal resources by type (the salaries net, as paid),
    ``gross_salaries[k]`` their gross monthly salary from the pay slip, or None when not given.
    The gross is for the rights estimate only; the budget's figures use the net salary lines.
    Left empty, ``gross_salaries`` is filled with None for every member.
    """

    budget: rules.Budget
    personal: tuple[dict[rules.ResourceType, Decimal], ...]
    gross_salaries: tuple[Decimal | None, ...] = ()

    def __post_init__(self) -> None:
        gross = tuple(self.gross_salaries)
        if not gross:
            gross = (None,) * len(self.budget.members)
        if len(gross) != len(self.budget.members):
            raise ValueError("one gross salary (or None) per member is expected")
        object.__setattr__(self, "gross_salaries", gross)


def budget_data(budget: Budget) -> BudgetData:
    """The pure ``rules.Budget`` of a stored version (persons and lines prefetched or not)."""
    persons = sorted(budget.persons.all(), key=lambda p: p.position)
    index = {p.pk: k for k, p in enumerate(persons)}
    applicant = next((k for k, p in enumerate(persons) if p.role == MemberRole.APPLICANT), 0)
    personal: list[dict[rules.ResourceType, Decimal]] = [{} for _ in persons]
    resources: list[rules.Resource] = []
    charges: list[rules.Charge] = []
    for line in budget.lines.all():
        if line.kind == LineKind.RESOURCE:
            kind = rules.ResourceType(line.type)
            resources.append(rules.Resource(kind, line.amount, line.paid_to_landlord))
            if persons and line.type in PERSONAL_RESOURCES:
                position = applicant if line.person_id is None else index[line.person_id]
                owner = personal[position]
                owner[kind] = owner.get(kind, Decimal("0.00")) + line.amount
        else:
            charges.append(rules.Charge(rules.ChargeType(line.type), line.amount))
    return BudgetData(
        budget=rules.Budget(
            month=budget.month,
            members=tuple(
                rules.Member(rules.MemberRole(p.role), p.birth_date, p.first_name) for p in persons
            ),
            resources=tuple(resources),
            charges=tuple(charges),
            housing=rules.HousingStatus(budget.housing_status),
            no_resources=budget.no_resources,
        ),
        personal=tuple(personal),
        gross_salaries=tuple(p.gross_salary for p in persons),
    )


def rsa_base_amount_for(month: date) -> RsaBase | None:
    """The cached RSA base amount of ``month``, or of the latest month before it."""
    return hooks.rsa_base_amount_for(month)


def thresholds_for(version: ProgrammeVersion, rsa_base_amount: Decimal) -> rules.Thresholds:
    return rules.Thresholds(
        max_debt_ratio_percent=version.max_debt_ratio_percent,
        min_remaining_income_per_uc_day=version.min_remaining_income_per_uc_day,
        rsa_base_amount=rsa_base_amount,
    )


def scheme_for(version: ProgrammeVersion) -> rules.Scheme:
    if version.allow_interest_only_deferral:
        kind, deferral = DeferralKind.INTEREST_ONLY, version.max_deferral_months
    elif version.allow_capitalised_deferral:
        kind, deferral = DeferralKind.CAPITALISED, version.max_deferral_months
    else:
        kind, deferral = DeferralKind.INTEREST_ONLY, 0
    return rules.Scheme(
        min_amount=version.min_amount,
        max_amount=version.max_amount,
        min_months=version.min_months,
        max_months=version.max_months,
        max_deferral_months=deferral,
        annual_rate=version.nominal_rate,
        deferral_kind=kind,
    )


def loan_request_for(dossier: Dossier) -> rules.LoanRequest | None:
    """The loan the dossier asks for, or None while the amount or the duration is missing."""
    if dossier.requested_amount is None or not dossier.requested_months:
        return None
    return rules.LoanRequest(
        amount=dossier.requested_amount,
        months=dossier.requested_months,
        deferral_months=dossier.requested_deferral_months,
        deferral_kind=DeferralKind(dossier.requested_deferral_kind),
    )


@dataclass(frozen=True)
class LineRow:
    """A declared line; ``gross`` is the person's gross salary next to their net salary."""

    label: str
    amount: Decimal
    person: str = ""
    paid_to_landlord: bool = False
    gross: Decimal | None = None


@dataclass(frozen=True)
class Figures:
    """What the page shows whatever the RSA base amount: they do not depend on it.

    ``debt_ratio_before_percent`` is None when the household has no resource (« sans objet »).
    """

    consumption_units: Decimal
    total_resources: Decimal
    total_charges: Decimal
    remaining_income: Decimal
    remaining_per_uc_per_day: Decimal
    debt_ratio_before_percent: Decimal | None


@dataclass(frozen=True)
class BudgetPanel:
    """The « Budget » section of the dossier page."""

    budget: Budget | None
    resources: list[LineRow] = field(default_factory=list)
    charges: list[LineRow] = field(default_factory=list)
    figures: Figures | None = None
    assessment: rules.BudgetAssessment | None = None
    problems: list[str] = field(default_factory=list)
    rsa_base: RsaBase | None = None
    rsa_base_is_older: bool = False
    opinions: list[ReferentOpinion] = field(default_factory=list)

    @property
    def capacity_limit_label(self) -> str:
        if self.assessment is None:
            return ""
        return CAPACITY_LIMIT_LABELS[self.assessment.capacity.limit]


def _rows(budget: Budget) -> tuple[list[LineRow], list[LineRow]]:
    persons = {p.pk: p for p in budget.persons.all()}
    several = len(persons) > 1
    resources: list[LineRow] = []
    charges: list[LineRow] = []
    gross_shown: set[int] = set()
    for line in budget.lines.all():
        person = persons.get(line.person_id) if line.person_id else None
        gross = None
        if (
            person is not None
            and line.type == ResourceType.SALARIES
            and person.gross_salary is not None
            and person.pk not in gross_shown
        ):
            gross = person.gross_salary
            gross_shown.add(person.pk)
        row = LineRow(
            label=line.type_label,
            amount=line.amount,
            person=person.first_name if person is not None and several else "",
            paid_to_landlord=line.paid_to_landlord,
            gross=gross,
        )
        (resources if line.kind == LineKind.RESOURCE else charges).append(row)
    return resources, charges


def _figures(budget: rules.Budget) -> Figures:
    units = rules.consumption_units(budget.members, budget.month)
    remaining = rules.remaining_income(budget)
    return Figures(
        consumption_units=units,
        total_resources=budget.total_resources,
        total_charges=budget.total_charges,
        remaining_income=remaining,
        remaining_per_uc_per_day=rules.remaining_per_uc_per_day(remaining, units),
        debt_ratio_before_percent=rules.debt_ratio_percent(
            budget.credit_installments, budget.total_resources
        ),
    )


def budget_panel(dossier: Dossier, version: ProgrammeVersion | None) -> BudgetPanel:
    """The latest budget of ``dossier`` and its diagnostic, in a fixed number of queries
    (one without a budget; five with one)."""
    budget = latest_budget(dossier)
    if budget is None:
        return BudgetPanel(budget=None)
    resources, charges = _rows(budget)
    opinions = list(
        ReferentOpinion.objects.filter(budget=budget).select_related("by").order_by("-at", "-id")
    )
    data = budget_data(budget).budget
    problems = rules.validate_budget(data)
    if problems:  # a stored version was valid when written; say so rather than fail
        return BudgetPanel(budget, resources, charges, problems=problems, opinions=opinions)
    figures = _figures(data)
    rsa_base = rsa_base_amount_for(data.month)
    panel_problems: list[str] = []
    request = loan_request_for(dossier)
    if version is None:
        panel_problems.append(
            "Aucune version des paramètres n'était en vigueur à la date de la demande : "
            "les seuils du diagnostic sont inconnus."
        )
    if request is None:
        panel_problems.append(
            "Le montant ou la durée du prêt demandé manque : complétez la demande pour obtenir "
            "l'avis et les options."
        )
    if rsa_base is None:
        panel_problems.append(NO_RSA_BASE)
    assessment = None
    if version is not None and request is not None and rsa_base is not None:
        try:
            assessment = rules.assess_budget(
                data, thresholds_for(version, rsa_base.amount), scheme_for(version), request
            )
        except rules.BudgetError as error:
            panel_problems.extend(error.messages)
    return BudgetPanel(
        budget=budget,
        resources=resources,
        charges=charges,
        figures=figures,
        assessment=assessment,
        problems=panel_problems,
        rsa_base=rsa_base,
        rsa_base_is_older=rsa_base is not None and rsa_base.month != data.month,
        opinions=opinions,
    )
