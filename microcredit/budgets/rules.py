"""Pure rules of the budget diagnostic: consumption units, reste à vivre, debt ratio, repayment
capacity, the RSA floor, the suitability verdict and the table of loan options.

No Django here (an import-linter contract checks it) and no clock: the budget's month is part of
the budget, every threshold is a parameter. Money is ``Decimal`` everywhere; each rounding point
is stated where it happens (half-up to the cent unless said otherwise). Installments come from
the loan engine (``loan_engine.build_schedule``), never from a formula of their own.

Conventions (a référent can read them on the page):

* a month counts ``DAYS_PER_MONTH`` = 30 days for the "per day" figures;
* ages are taken on the first day of the budget's month;
* the rent is the full rent (charges included); housing aid paid to the landlord is counted as a
  resource, so the reste à vivre does not depend on who receives the aid;
* every declared resource counts in the debt ratio's denominator;
* existing credit installments (a mortgage included) are a charge of their own type: they count
  in the debt ratio and in the floor's "all credits".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from loan_engine import DeferralKind, LoanTerms, build_schedule
from loan_engine.money import format_eur, format_percent
from microcredit.applicants.rules import age_on

__all__ = [
    "ADULT_AGE",
    "CHARGE_LABELS",
    "DAYS_PER_MONTH",
    "HOUSING_STATUS_LABELS",
    "MEMBER_ROLE_LABELS",
    "OPTION_DURATIONS",
    "RESOURCE_LABELS",
    "VERDICT_LABELS",
    "Budget",
    "BudgetAssessment",
    "BudgetError",
    "Capacity",
    "CapacityLimit",
    "Charge",
    "ChargeType",
    "HousingStatus",
    "LoanOption",
    "LoanRequest",
    "Member",
    "MemberRole",
    "Resource",
    "ResourceType",
    "Scheme",
    "Thresholds",
    "Verdict",
    "age_on",
    "assess_budget",
    "consumption_units",
    "debt_ratio_percent",
    "loan_options",
    "recommend_option",
    "remaining_income",
    "remaining_per_uc_per_day",
    "repayment_capacity",
    "rsa_floor",
    "rsa_scale_rate",
    "validate_budget",
    "validate_request",
]

DAYS_PER_MONTH = 30
"""Days in a month for the "per consumption unit per day" figures (a convention, not a calendar)."""

ADULT_AGE = 18
TEEN_AGE = 14
"""INSEE/OECD modified scale: a person aged 14 or more weighs 0.5, a younger child 0.3."""
RSA_CHILD_AGE_LIMIT = 25
"""R262-1 CASF: the 40 % majoration is for children or persons under 25 at charge."""

OPTION_DURATIONS = (6, 12, 18, 24, 30, 36)
"""Durations (months) offered in the options table, filtered by the scheme's bounds."""

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


# --- Enumerations ------------------------------------------------------------------------------


class MemberRole(enum.StrEnum):
    APPLICANT = "applicant"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER_ADULT = "other_adult"


MEMBER_ROLE_LABELS: Mapping[MemberRole, str] = {
    MemberRole.APPLICANT: "Demandeur",
    MemberRole.SPOUSE: "Conjoint",
    MemberRole.CHILD: "Enfant à charge",
    MemberRole.OTHER_ADULT: "Autre adulte",
}


class ResourceType(enum.StrEnum):
    SALARIES = "salaries"
    UNEMPLOYMENT_BENEFITS = "unemployment_benefits"
    PENSIONS = "pensions"
    AAH = "aah"
    RSA = "rsa"
    PRIME_ACTIVITE = "prime_activite"
    FAMILY_BENEFITS = "family_benefits"
    HOUSING_AID = "housing_aid"
    ALIMONY_RECEIVED = "alimony_received"
    OTHER = "other"


RESOURCE_LABELS: Mapping[ResourceType, str] = {
    ResourceType.SALARIES: "Salaires",
    ResourceType.UNEMPLOYMENT_BENEFITS: "Allocations chômage",
    ResourceType.PENSIONS: "Pensions de retraite ou d'invalidité",
    ResourceType.AAH: "Allocation aux adultes handicapés (AAH)",
    ResourceType.RSA: "Revenu de solidarité active (RSA)",
    ResourceType.PRIME_ACTIVITE: "Prime d'activité",
    ResourceType.FAMILY_BENEFITS: "Prestations familiales",
    ResourceType.HOUSING_AID: "Aide au logement",
    ResourceType.ALIMONY_RECEIVED: "Pension alimentaire reçue",
    ResourceType.OTHER: "Autres ressources",
}


class ChargeType(enum.StrEnum):
    RENT = "rent"
    ENERGY = "energy"
    WATER = "water"
    INSURANCE = "insurance"
    TELECOM = "telecom"
    TRANSPORT = "transport"
    HEALTH_COVER = "health_cover"
    TAXES = "taxes"
    ALIMONY_PAID = "alimony_paid"
    CREDIT_INSTALLMENTS = "credit_installments"
    OTHER = "other"


CHARGE_LABELS: Mapping[ChargeType, str] = {
    ChargeType.RENT: "Loyer (charges comprises)",
    ChargeType.ENERGY: "Énergie (électricité, gaz, chauffage)",
    ChargeType.WATER: "Eau",
    ChargeType.INSURANCE: "Assurances",
    ChargeType.TELECOM: "Téléphone et internet",
    ChargeType.TRANSPORT: "Transports",
    ChargeType.HEALTH_COVER: "Mutuelle ou complémentaire santé",
    ChargeType.TAXES: "Impôts et taxes",
    ChargeType.ALIMONY_PAID: "Pension alimentaire versée",
    ChargeType.CREDIT_INSTALLMENTS: "Mensualités de crédits en cours",
    ChargeType.OTHER: "Autres charges",
}


class HousingStatus(enum.StrEnum):
    TENANT_PRIVATE = "tenant_private"
    TENANT_SOCIAL = "tenant_social"
    TENANT_FURNISHED = "tenant_furnished"
    TENANT_RESIDENCE = "tenant_residence"
    OWNER = "owner"
    OWNER_REPAYING = "owner_repaying"
    HOSTED_FREE = "hosted_free"
    HOMELESS = "homeless"

    @property
    def is_tenant(self) -> bool:
        return self in _TENANT_STATUSES


_TENANT_STATUSES = frozenset(
    {
        HousingStatus.TENANT_PRIVATE,
        HousingStatus.TENANT_SOCIAL,
        HousingStatus.TENANT_FURNISHED,
        HousingStatus.TENANT_RESIDENCE,
    }
)

HOUSING_STATUS_LABELS: Mapping[HousingStatus, str] = {
    HousingStatus.TENANT_PRIVATE: "Locataire (parc privé)",
    HousingStatus.TENANT_SOCIAL: "Locataire (logement social HLM)",
    HousingStatus.TENANT_FURNISHED: "Locataire d'un meublé ou d'une chambre",
    HousingStatus.TENANT_RESIDENCE: "Résident d'un foyer ou d'une résidence sociale",
    HousingStatus.OWNER: "Propriétaire",
    HousingStatus.OWNER_REPAYING: "Propriétaire accédant (prêt immobilier en cours)",
    HousingStatus.HOSTED_FREE: "Hébergé gratuitement",
    HousingStatus.HOMELESS: "Sans domicile stable",
}


class Verdict(enum.StrEnum):
    SUITABLE = "suitable"
    FRAGILE = "fragile"
    NOT_SUITABLE = "not_suitable"


VERDICT_LABELS: Mapping[Verdict, str] = {
    Verdict.SUITABLE: "Adapté",
    Verdict.FRAGILE: "Fragile",
    Verdict.NOT_SUITABLE: "Non adapté",
}


class CapacityLimit(enum.StrEnum):
    """Which threshold sets the repayment capacity."""

    DEBT_RATIO = "debt_ratio"
    REMAINING_INCOME = "remaining_income"
    RSA_FLOOR = "rsa_floor"


# --- Data ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """A household member. ``name`` is only used in French messages (may be empty)."""

    role: MemberRole
    birth_date: date
    name: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    """A monthly resource in euros. ``paid_to_landlord`` only makes sense for housing aid."""

    type: ResourceType
    amount: Decimal
    paid_to_landlord: bool = False


@dataclass(frozen=True, slots=True)
class Charge:
    """A monthly charge in euros."""

    type: ChargeType
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Budget:
    """A household's monthly budget for ``month`` (the first day of the month described).

    Construction never refuses data (the page must be able to say what is missing): call
    :func:`validate_budget` for the French list of problems; the computations refuse an invalid
    budget with :class:`BudgetError`.
    """

    month: date
    members: tuple[Member, ...]
    resources: tuple[Resource, ...]
    charges: tuple[Charge, ...]
    housing: HousingStatus

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "resources", tuple(self.resources))
        object.__setattr__(self, "charges", tuple(self.charges))

    @property
    def total_resources(self) -> Decimal:
        return sum((r.amount for r in self.resources), ZERO)

    @property
    def total_charges(self) -> Decimal:
        return sum((c.amount for c in self.charges), ZERO)

    @property
    def credit_installments(self) -> Decimal:
        """Existing credit installments (a part of the charges)."""
        return self.charge(ChargeType.CREDIT_INSTALLMENTS)

    def resource(self, kind: ResourceType) -> Decimal:
        return sum((r.amount for r in self.resources if r.type is kind), ZERO)

    def charge(self, kind: ChargeType) -> Decimal:
        return sum((c.amount for c in self.charges if c.type is kind), ZERO)

    def resources_by_type(self) -> dict[ResourceType, Decimal]:
        """Declared monthly resources summed by type (types not declared are absent)."""
        out: dict[ResourceType, Decimal] = {}
        for r in self.resources:
            out[r.type] = out.get(r.type, ZERO) + r.amount
        return out

    @property
    def housing_aid_paid_to_landlord(self) -> bool:
        return any(
            r.type is ResourceType.HOUSING_AID and r.paid_to_landlord and r.amount > 0
            for r in self.resources
        )


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The scheme's budget thresholds and the legislation's amount for the floor.

    Attributes:
        max_debt_ratio_percent: maximum debt ratio after the loan, in percent (``35``).
        min_remaining_income_per_uc_day: minimum reste à vivre per consumption unit per day after
            the loan, in euros (``10``).
        rsa_base_amount: RSA monthly base amount for one person at the budget's month (the
            caller reads it from OpenFisca-France's parameters: ``rights.engine.rsa_base_amount``).
        fragile_share_percent: an installment above this share of the repayment capacity leaves
            too thin a margin: the verdict is then "fragile" (default 80 %).
    """

    max_debt_ratio_percent: Decimal
    min_remaining_income_per_uc_day: Decimal
    rsa_base_amount: Decimal
    fragile_share_percent: Decimal = Decimal(80)


@dataclass(frozen=True, slots=True)
class Scheme:
    """The scheme's bounds for the options table. ``annual_rate`` is a fraction (0.0175).

    ``amount_step`` spaces the amounts of the table; ``deferral_kind`` is the kind of deferral
    the table shows for its "maximum deferral" rows.
    """

    min_amount: Decimal
    max_amount: Decimal
    min_months: int
    max_months: int
    max_deferral_months: int
    annual_rate: Decimal
    amount_step: Decimal = Decimal(500)
    deferral_kind: DeferralKind = DeferralKind.INTEREST_ONLY


@dataclass(frozen=True, slots=True)
class LoanRequest:
    amount: Decimal
    months: int
    deferral_months: int = 0
    deferral_kind: DeferralKind = DeferralKind.NONE


@dataclass(frozen=True, slots=True)
class Capacity:
    """The monthly installment the budget can carry and the three limits it is the minimum of.

    Each limit is rounded down to the cent (a ceiling must not be rounded up); ``amount`` is the
    smallest of them, never below 0.
    """

    amount: Decimal
    limit: CapacityLimit
    by_debt_ratio: Decimal
    by_remaining_income: Decimal
    by_rsa_floor: Decimal


@dataclass(frozen=True, slots=True)
class LoanOption:
    """One row of the options table.

    ``installment`` is the constant amortising installment (the engine's ``A``); ``max_payment``
    is the largest payment of the schedule (the last one may be a few cents higher), and the
    budget carries the option when ``max_payment`` ≤ the repayment capacity.
    """

    amount: Decimal
    months: int
    deferral_months: int
    deferral_kind: DeferralKind
    installment: Decimal
    max_payment: Decimal
    total_interest: Decimal
    total_due: Decimal
    carried: bool
    comfortable: bool
    debt_ratio_after_percent: Decimal
    remaining_per_uc_per_day_after: Decimal
    requested: bool = False


@dataclass(frozen=True, slots=True)
class BudgetAssessment:
    """Every figure of the diagnostic, the verdict with its French reasons, and the options."""

    month: date
    consumption_units: Decimal
    total_resources: Decimal
    total_charges: Decimal
    remaining_income: Decimal
    remaining_per_uc_per_day: Decimal
    rsa_floor: Decimal
    debt_ratio_before_percent: Decimal
    capacity: Capacity
    requested: LoanOption
    debt_ratio_after_percent: Decimal
    remaining_per_uc_per_day_after: Decimal
    verdict: Verdict
    reasons: tuple[str, ...]
    options: tuple[LoanOption, ...]
    recommended: LoanOption | None
    recommendation: str
    notices: tuple[str, ...] = field(default=())

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


class BudgetError(ValueError):
    """Invalid or incomplete budget data; ``messages`` are French sentences for the page."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages: tuple[str, ...] = tuple(messages)
        super().__init__(" ".join(self.messages))


# --- Validation -----------------------------------------------------------------------------------


def _amount_problem(value: object, what: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        return f"Le montant « {what} » n'est pas un nombre valide."
    if value < 0:
        return f"Le montant « {what} » ne peut pas être négatif."
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        return f"Le montant « {what} » ne peut pas avoir plus de deux décimales."
    return None


def validate_budget(budget: Budget) -> list[str]:
    """French sentences describing what is missing or wrong; an empty list means valid.

    Checked: the month is a first of month; at least one member, exactly one applicant (adult),
    at most one spouse, no birth date after the month; amounts are non-negative ``Decimal`` with
    at most two decimals; a tenant declares a rent; at least one resource is positive.
    """
    problems: list[str] = []
    month: date | None = budget.month
    if not isinstance(month, date) or month.day != 1:
        problems.append("Le mois du budget doit être indiqué par le premier jour du mois.")
        month = None
    if not budget.members:
        problems.append("Aucun membre du foyer n'est renseigné : ajoutez au moins le demandeur.")
    else:
        applicants = [m for m in budget.members if m.role is MemberRole.APPLICANT]
        if not applicants:
            problems.append("Le foyer doit comporter un demandeur.")
        elif len(applicants) > 1:
            problems.append("Le foyer ne peut comporter qu'un seul demandeur.")
        if sum(1 for m in budget.members if m.role is MemberRole.SPOUSE) > 1:
            problems.append("Le foyer ne peut comporter qu'un seul conjoint.")
        for number, member in enumerate(budget.members, 1):
            who = member.name or f"la personne n° {number}"
            if not isinstance(member.birth_date, date):
                problems.append(f"La date de naissance de {who} manque.")
            elif month is not None and member.birth_date > month:
                problems.append(f"La date de naissance de {who} est postérieure au mois du budget.")
        if (
            month is not None
            and len(applicants) == 1
            and isinstance(applicants[0].birth_date, date)
            and age_on(applicants[0].birth_date, month) < ADULT_AGE
        ):
            problems.append("Le demandeur doit être majeur au mois du budget.")
    amount_problems = [
        _amount_problem(r.amount, RESOURCE_LABELS[r.type]) for r in budget.resources
    ] + [_amount_problem(c.amount, CHARGE_LABELS[c.type]) for c in budget.charges]
    problems.extend(p for p in amount_problems if p)
    amounts_ok = not any(amount_problems)
    if budget.housing.is_tenant and not any(
        c.type is ChargeType.RENT and isinstance(c.amount, Decimal) and c.amount > 0
        for c in budget.charges
    ):
        problems.append("Le foyer est locataire mais aucun loyer n'est renseigné.")
    if amounts_ok and budget.total_resources <= 0:
        problems.append("Aucune ressource n'est renseignée : le budget ne peut pas être étudié.")
    return problems


def validate_request(request: LoanRequest, scheme: Scheme) -> list[str]:
    """French sentences for a request outside the scheme's bounds (empty list: valid)."""
    problems: list[str] = []
    problem = _amount_problem(request.amount, "montant demandé")
    if problem:
        problems.append(problem)
    elif not scheme.min_amount <= request.amount <= scheme.max_amount:
        problems.append(
            f"Le montant demandé doit être compris entre {format_eur(scheme.min_amount)} "
            f"et {format_eur(scheme.max_amount)}."
        )
    if not scheme.min_months <= request.months <= scheme.max_months:
        problems.append(
            f"La durée demandée doit être comprise entre {scheme.min_months} "
            f"et {scheme.max_months} mois."
        )
    if not 0 <= request.deferral_months <= scheme.max_deferral_months:
        problems.append(f"Le différé ne peut pas dépasser {scheme.max_deferral_months} mois.")
    elif request.deferral_months > 0 and request.deferral_kind is DeferralKind.NONE:
        problems.append("Précisez le type de différé : partiel (intérêts seuls) ou total.")
    return problems


def _require_valid(budget: Budget) -> None:
    problems = validate_budget(budget)
    if problems:
        raise BudgetError(problems)


# --- Figures ----------------------------------------------------------------------------------


def consumption_units(members: Iterable[Member], on_date: date) -> Decimal:
    """Consumption units on the INSEE / OECD modified scale.

    1 for the first adult (the applicant), 0.5 for every other person aged 14 or more, 0.3 for
    every child under 14; ages on ``on_date`` (the first day of the budget's month). Exact
    ``Decimal`` (one decimal), no rounding needed.

    Raises:
        BudgetError: no member, or no applicant.
    """
    people = list(members)
    if not any(m.role is MemberRole.APPLICANT for m in people):
        raise BudgetError(["Le foyer doit comporter un demandeur."])
    units = Decimal(0)
    first_adult_counted = False
    for member in people:
        if member.role is MemberRole.APPLICANT and not first_adult_counted:
            units += Decimal(1)
            first_adult_counted = True
        elif age_on(member.birth_date, on_date) >= TEEN_AGE:
            units += Decimal("0.5")
        else:
            units += Decimal("0.3")
    return units


def rsa_scale_rate(members: Iterable[Member], on_date: date) -> Decimal:
    """The RSA composition multiplier of the household (Code de l'action sociale et des
    familles, art. R262-1, first paragraph).

    The base amount for one person is increased by 50 % when the household has two persons, then
    by 30 % for each further person (spouse or person at charge); when the household has more
    than two children or persons under 25 at charge (the spouse excepted), each of them from the
    third one opens 40 % instead. For a lone parent the first child is the second person and
    opens 50 %. Examples: single 1; couple 1.5; lone parent + 1 child 1.5; lone parent +
    2 children 1.8; lone parent + 3 children 2.2; couple + 2 children 2.1; couple + 3 children 2.5.

    Choices of this platform (not in the article): the applicant's spouse comes first, then
    other adults, then children, oldest first; an "other adult", and a child aged 25 or more,
    count as a person at charge at 30 % (50 % if second person), never at the children's 40 %.
    The temporary majoration for isolated parents (R262-1, second paragraph, "RSA majoré") is
    not applied: the floor stays at the general scale.
    """
    spouses = 0
    adults = 0
    children: list[date] = []
    for member in members:
        if member.role is MemberRole.APPLICANT:
            continue
        if member.role is MemberRole.SPOUSE:
            spouses += 1
        elif (
            member.role is MemberRole.CHILD
            and age_on(member.birth_date, on_date) < RSA_CHILD_AGE_LIMIT
        ):
            children.append(member.birth_date)
        else:
            adults += 1
    # Order: spouse, other adults, then children oldest first (only the count matters here).
    additional = [False] * (spouses + adults) + [True] * len(children)
    rate = Decimal(1)
    young_dependants = 0
    for persons, is_child in enumerate(additional, start=2):
        if is_child:
            young_dependants += 1
        if persons == 2:
            rate += Decimal("0.5")
        elif is_child and young_dependants >= 3:
            rate += Decimal("0.4")
        else:
            rate += Decimal("0.3")
    return rate


def rsa_floor(members: Iterable[Member], on_date: date, rsa_base_amount: Decimal) -> Decimal:
    """The household's RSA amount for its composition: ``rsa_base_amount`` ×
    :func:`rsa_scale_rate`, rounded half-up to the cent once (Code de l'action sociale et des
    familles, art. R262-1). ``rsa_base_amount`` is the montant forfaitaire for one person at
    the budget's month (651.69 € from 1 April 2026, décret n° 2026-220 du 30 mars 2026)."""
    return (rsa_base_amount * rsa_scale_rate(members, on_date)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def remaining_income(budget: Budget) -> Decimal:
    """Reste à vivre per month: total resources − total charges (exact, may be negative)."""
    return budget.total_resources - budget.total_charges


def remaining_per_uc_per_day(monthly_amount: Decimal, units: Decimal) -> Decimal:
    """``monthly_amount`` / ``units`` / ``DAYS_PER_MONTH`` (30), rounded half-up to the cent."""
    return (monthly_amount / units / DAYS_PER_MONTH).quantize(CENT, rounding=ROUND_HALF_UP)


def debt_ratio_percent(installments: Decimal, resources: Decimal) -> Decimal:
    """Credit installments / resources × 100, rounded half-up to 2 decimals.

    Raises:
        BudgetError: resources are not positive.
    """
    if resources <= 0:
        raise BudgetError(
            ["Aucune ressource n'est renseignée : le budget ne peut pas être étudié."]
        )
    return (installments * HUNDRED / resources).quantize(CENT, rounding=ROUND_HALF_UP)


def _floor_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def repayment_capacity(budget: Budget, thresholds: Thresholds) -> Capacity:
    """The monthly installment the budget can carry: the smallest of three limits.

    1. Debt ratio: ``resources × max % / 100 − existing installments``.
    2. Reste à vivre: ``resources − charges − min per UC per day × UC × 30``.
    3. RSA floor: ``resources − existing installments − floor``: what is left of the resources
       once all credits (existing and new) are repaid never falls below the household's RSA
       amount (:func:`rsa_floor`), as for the "reste à vivre" of over-indebtedness plans (Code
       de la consommation, art. L731-2).

    Each limit is rounded down to the cent; the capacity is their minimum, never below 0.

    Raises:
        BudgetError: the budget is invalid (see :func:`validate_budget`).
    """
    _require_valid(budget)
    resources = budget.total_resources
    existing = budget.credit_installments
    units = consumption_units(budget.members, budget.month)
    floor = rsa_floor(budget.members, budget.month, thresholds.rsa_base_amount)
    by_ratio = _floor_cents(resources * thresholds.max_debt_ratio_percent / HUNDRED - existing)
    by_remaining = _floor_cents(
        remaining_income(budget)
        - thresholds.min_remaining_income_per_uc_day * units * DAYS_PER_MONTH
    )
    by_floor = _floor_cents(resources - existing - floor)
    limits = {
        CapacityLimit.DEBT_RATIO: by_ratio,
        CapacityLimit.REMAINING_INCOME: by_remaining,
        CapacityLimit.RSA_FLOOR: by_floor,
    }
    limit = min(limits, key=lambda k: limits[k])  # first of equal minima, in this order
    return Capacity(
        amount=max(limits[limit], ZERO),
        limit=limit,
        by_debt_ratio=by_ratio,
        by_remaining_income=by_remaining,
        by_rsa_floor=by_floor,
    )


# --- Options ------------------------------------------------------------------------------------


def _option(
    budget: Budget,
    thresholds: Thresholds,
    capacity: Capacity,
    units: Decimal,
    *,
    amount: Decimal,
    months: int,
    annual_rate: Decimal,
    deferral_months: int,
    deferral_kind: DeferralKind,
    requested: bool = False,
) -> LoanOption:
    kind = deferral_kind if deferral_months else DeferralKind.NONE
    schedule = build_schedule(
        LoanTerms(
            principal=amount,
            annual_rate=annual_rate,
            months=months,
            disbursement_date=budget.month,
            deferral_months=deferral_months,
            deferral_kind=kind,
        )
    )
    max_payment = max(row.payment for row in schedule.rows)
    comfortable_limit = capacity.amount * thresholds.fragile_share_percent / HUNDRED
    return LoanOption(
        amount=schedule.terms.principal,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=kind,
        installment=schedule.installment,
        max_payment=max_payment,
        total_interest=schedule.total_interest,
        total_due=schedule.total_due,
        carried=max_payment <= capacity.amount,
        comfortable=max_payment <= comfortable_limit,
        debt_ratio_after_percent=debt_ratio_percent(
            budget.credit_installments + max_payment, budget.total_resources
        ),
        remaining_per_uc_per_day_after=remaining_per_uc_per_day(
            remaining_income(budget) - max_payment, units
        ),
        requested=requested,
    )


def _amounts(scheme: Scheme, requested: Decimal | None) -> list[Decimal]:
    amounts = {scheme.min_amount, scheme.max_amount}
    step = scheme.amount_step
    if step > 0:
        k = (scheme.min_amount / step).to_integral_value(rounding=ROUND_DOWN) + 1
        while k * step < scheme.max_amount:
            amounts.add((k * step).quantize(CENT))
            k += 1
    if requested is not None and scheme.min_amount <= requested <= scheme.max_amount:
        amounts.add(requested)
    return sorted(a.quantize(CENT) for a in amounts)


def loan_options(
    budget: Budget,
    thresholds: Thresholds,
    scheme: Scheme,
    request: LoanRequest | None = None,
) -> tuple[LoanOption, ...]:
    """The options table: amount × duration × deferral within the scheme's bounds.

    * amounts: the scheme's minimum and maximum, every multiple of ``amount_step`` between
      them, and the requested amount (300-3000 € with a 500 € step: 300, 500, 1000, …, 3000);
    * durations: 6, 12, 18, 24, 30, 36 months kept within the scheme's bounds, plus the
      requested duration;
    * deferral: none and the scheme's maximum (of the scheme's ``deferral_kind``), plus the
      requested deferral.

    So at most (amounts) × 7 × 3 rows, 84 for Saint-Étienne's scheme without a request. Rows are
    sorted by amount, duration, deferral. Each installment comes from ``build_schedule`` with
    the budget's month as disbursement date (the date moves the due dates, not the amounts).
    """
    _require_valid(budget)
    capacity = repayment_capacity(budget, thresholds)
    units = consumption_units(budget.members, budget.month)
    durations = {d for d in OPTION_DURATIONS if scheme.min_months <= d <= scheme.max_months}
    deferrals: dict[int, DeferralKind] = {0: DeferralKind.NONE}
    if scheme.max_deferral_months > 0:
        deferrals[scheme.max_deferral_months] = scheme.deferral_kind
    if request is not None:
        if scheme.min_months <= request.months <= scheme.max_months:
            durations.add(request.months)
        if 0 < request.deferral_months <= scheme.max_deferral_months:
            deferrals.setdefault(request.deferral_months, request.deferral_kind)
    options: list[LoanOption] = []
    for amount in _amounts(scheme, request.amount if request else None):
        for months in sorted(durations):
            for deferral in sorted(deferrals):
                kind = deferrals[deferral]
                is_requested = (
                    request is not None
                    and amount == request.amount
                    and months == request.months
                    and deferral == request.deferral_months
                )
                if is_requested and request is not None and deferral:
                    kind = request.deferral_kind
                options.append(
                    _option(
                        budget,
                        thresholds,
                        capacity,
                        units,
                        amount=amount,
                        months=months,
                        annual_rate=scheme.annual_rate,
                        deferral_months=deferral,
                        deferral_kind=kind,
                        requested=is_requested,
                    )
                )
    return tuple(options)


def recommend_option(
    options: Sequence[LoanOption], request: LoanRequest | None = None
) -> LoanOption | None:
    """The recommended option, or ``None`` when the budget carries none.

    Rule: the request itself when the budget carries it with a margin (``comfortable``).
    Otherwise the amount is the requested one if some option of that amount is carried, otherwise
    the largest carried amount (never more than requested: installments grow with the amount).
    Among that amount's carried options, prefer those that leave a margin (``comfortable``:
    installment within the fragile share of the capacity), then the shortest duration (the
    least interest), then the requested deferral, then no deferral, then the shortest deferral.
    A deferral never lowers the amortising installment, so it is only kept when asked for.
    """
    carried = [o for o in options if o.carried]
    if not carried:
        return None
    asked = [o for o in carried if o.requested and o.comfortable]
    if asked:
        return asked[0]
    amounts = {o.amount for o in carried}
    if request is not None and request.amount in amounts:
        target = request.amount
    elif request is not None and any(a <= request.amount for a in amounts):
        target = max(a for a in amounts if a <= request.amount)
    else:
        target = max(amounts)
    wanted_deferral = request.deferral_months if request is not None else 0

    def key(option: LoanOption) -> tuple[int, int, int, int, int]:
        return (
            0 if option.comfortable else 1,
            option.months,
            0 if option.deferral_months == wanted_deferral else 1,
            0 if option.deferral_months == 0 else 1,
            option.deferral_months,
        )

    return min((o for o in carried if o.amount == target), key=key)


# --- Verdict -------------------------------------------------------------------------------------


def _eur(value: Decimal) -> str:
    return format_eur(value)


def _units(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",")


def _pct(value: Decimal) -> str:
    return format_percent(value)


def _describe(option: LoanOption) -> str:
    text = f"{_eur(option.amount)} sur {option.months} mois"
    if option.deferral_months:
        kind = "partiel" if option.deferral_kind is DeferralKind.INTEREST_ONLY else "total"
        text += f" avec un différé {kind} de {option.deferral_months} mois"
    return text + f" (échéance de {_eur(option.max_payment)})"


_LIMIT_SENTENCES: Mapping[CapacityLimit, str] = {
    CapacityLimit.DEBT_RATIO: "le taux d'endettement maximal",
    CapacityLimit.REMAINING_INCOME: "le reste à vivre minimal par unité de consommation",
    CapacityLimit.RSA_FLOOR: "le plancher du RSA du foyer",
}


def assess_budget(
    budget: Budget,
    thresholds: Thresholds,
    scheme: Scheme,
    request: LoanRequest,
) -> BudgetAssessment:
    """The full diagnostic of ``budget`` for the requested loan.

    Verdict (the reasons say which rule applies, in French):

    * not suitable: the budget is already in deficit (reste à vivre < 0), or it carries no
      installment at all (capacity 0), or the requested installment exceeds the capacity;
    * fragile: the requested installment is carried but takes more than
      ``fragile_share_percent`` of the capacity;
    * suitable: otherwise.

    The reasons always restate the reste à vivre per UC per day, the debt ratio and the floor
    against their thresholds after the requested loan, and end with the recommendation.

    Raises:
        BudgetError: invalid budget or a request outside the scheme's bounds (French messages).
    """
    problems = validate_budget(budget) + validate_request(request, scheme)
    if problems:
        raise BudgetError(problems)
    units = consumption_units(budget.members, budget.month)
    resources = budget.total_resources
    charges = budget.total_charges
    remaining = remaining_income(budget)
    floor = rsa_floor(budget.members, budget.month, thresholds.rsa_base_amount)
    capacity = repayment_capacity(budget, thresholds)
    options = loan_options(budget, thresholds, scheme, request)
    requested = next(o for o in options if o.requested)
    recommended = recommend_option(options, request)
    existing = budget.credit_installments
    ratio_before = debt_ratio_percent(existing, resources)
    ratio_after = requested.debt_ratio_after_percent
    per_day = remaining_per_uc_per_day(remaining, units)
    per_day_after = requested.remaining_per_uc_per_day_after
    left_after_credits = resources - existing - requested.max_payment

    reasons: list[str] = []
    if remaining < 0:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            f"Le budget est déjà déficitaire de {_eur(-remaining)} par mois avant tout nouveau "
            "crédit : un prêt l'aggraverait."
        )
    elif capacity.amount <= 0:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            "Le budget ne dégage aucune capacité de remboursement : "
            f"{_LIMIT_SENTENCES[capacity.limit]} serait dépassé dès le premier euro d'échéance."
        )
    elif not requested.carried:
        verdict = Verdict.NOT_SUITABLE
        reasons.append(
            f"L'échéance demandée ({_eur(requested.max_payment)}) dépasse la capacité de "
            f"remboursement du budget ({_eur(capacity.amount)} par mois, limitée par "
            f"{_LIMIT_SENTENCES[capacity.limit]})."
        )
    elif not requested.comfortable:
        verdict = Verdict.FRAGILE
        share = requested.max_payment * HUNDRED / capacity.amount
        reasons.append(
            f"L'échéance demandée ({_eur(requested.max_payment)}) est supportable mais absorbe "
            f"{format_percent(share, places=0)} de la capacité de remboursement "
            f"({_eur(capacity.amount)} par mois) : la marge est faible face à un imprévu."
        )
    else:
        verdict = Verdict.SUITABLE
        reasons.append(
            f"L'échéance demandée ({_eur(requested.max_payment)}) reste dans la capacité de "
            f"remboursement du budget ({_eur(capacity.amount)} par mois)."
        )
    minimum = thresholds.min_remaining_income_per_uc_day
    reasons.append(
        f"Reste à vivre : {_eur(remaining)} par mois, soit {_eur(per_day)} par jour et par unité "
        f"de consommation ({_units(units)} UC) ; {_eur(per_day_after)} après l'échéance demandée "
        f"(minimum du dispositif : {_eur(minimum)})."
    )
    reasons.append(
        f"Taux d'endettement : {_pct(ratio_before)} avant le prêt, {_pct(ratio_after)} après "
        f"(maximum du dispositif : {_pct(thresholds.max_debt_ratio_percent)})."
    )
    floor_side = "au-dessus du" if left_after_credits >= floor else "en dessous du"
    reasons.append(
        f"Ressources après remboursement de tous les crédits : {_eur(left_after_credits)}, "
        f"{floor_side} plancher du RSA pour la composition du foyer ({_eur(floor)})."
    )
    if recommended is None:
        recommendation = (
            "Aucune option du dispositif n'est supportable par ce budget : "
            "le micro-crédit ne paraît pas adapté en l'état."
        )
    elif recommended.requested:
        recommendation = f"Option recommandée : la demande telle quelle, {_describe(recommended)}."
    else:
        recommendation = f"Option recommandée : {_describe(recommended)}."
        if not recommended.comfortable:
            recommendation += " La marge resterait faible."
    reasons.append(recommendation)
    return BudgetAssessment(
        month=budget.month,
        consumption_units=units,
        total_resources=resources,
        total_charges=charges,
        remaining_income=remaining,
        remaining_per_uc_per_day=per_day,
        rsa_floor=floor,
        debt_ratio_before_percent=ratio_before,
        capacity=capacity,
        requested=requested,
        debt_ratio_after_percent=ratio_after,
        remaining_per_uc_per_day_after=per_day_after,
        verdict=verdict,
        reasons=tuple(reasons),
        options=options,
        recommended=recommended,
        recommendation=recommendation,
        notices=_notices(budget),
    )


def _notices(budget: Budget) -> tuple[str, ...]:
    notices = [
        f"Calculs sur un mois de {DAYS_PER_MONTH} jours ; âges au premier jour du mois du budget."
    ]
    if budget.housing_aid_paid_to_landlord:
        notices.append(
            "L'aide au logement versée au bailleur est comptée dans les ressources et le loyer "
            "est compté en entier dans les charges."
        )
    return tuple(notices)
