"""The data of the budget diagnostic: the household's budget, the scheme's thresholds and
bounds, a loan request, and the figures, options and assessment the rules compute from them.

Constants of the rules' conventions live here too: a month of ``DAYS_PER_MONTH`` days, ages and
the amounts' rounding steps.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from loan_engine import DeferralKind
from microcredit.applicants.vocabulary import HousingStatus
from microcredit.budgets.vocabulary import (
    VERDICT_LABELS,
    ChargeType,
    MemberRole,
    ResourceType,
    Verdict,
)

DAYS_PER_MONTH = 30
"""Days in a month for the "per consumption unit per day" figures (a convention, not a calendar)."""

ADULT_AGE = 18
TEEN_AGE = 14
"""INSEE/OECD modified scale: a person aged 14 or more weighs 0.5, a younger child 0.3."""
RSA_CHILD_AGE_LIMIT = 25
"""R262-1 CASF: the 40 % majoration is for children or persons under 25 at charge."""

OPTION_DURATIONS = (6, 12, 18, 24, 30, 36)
"""Durations (months) offered in the options table, filtered by the scheme's bounds."""

DEBT_RATIO_NOT_APPLICABLE = "sans objet (aucune ressource)"
"""What the debt ratio is for a household without any resource (there is no ratio)."""

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class CapacityLimit(enum.StrEnum):
    """Which threshold sets the repayment capacity."""

    DEBT_RATIO = "debt_ratio"
    REMAINING_INCOME = "remaining_income"
    RSA_FLOOR = "rsa_floor"
    NO_RESOURCES = "no_resources"
    """The household has no resource: no installment at all, whatever the thresholds."""


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

    ``no_resources`` records that the household has no resource at all this month: zero is then
    the answer, not a missing one (without it, a budget without any positive resource is
    refused as incomplete). Salaries are net (the amount paid to the person).

    Construction never refuses data (the page must be able to say what is missing): call
    :func:`validate_budget` for the French list of problems; the computations refuse an invalid
    budget with :class:`BudgetError`.
    """

    month: date
    members: tuple[Member, ...]
    resources: tuple[Resource, ...]
    charges: tuple[Charge, ...]
    housing: HousingStatus
    no_resources: bool = False

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
    smallest of them, never below 0. A household without any resource carries nothing:
    ``amount`` is 0 and ``limit`` is ``NO_RESOURCES`` (the three limits are still given).
    """

    amount: Decimal
    limit: CapacityLimit
    by_debt_ratio: Decimal
    by_remaining_income: Decimal
    by_rsa_floor: Decimal


@dataclass(frozen=True, slots=True)
class LoanOption:
    """One row of the options table.

    ``installment`` is the constant amortising installment (the engine's ``A``), the one every
    page states; ``last_payment`` is the schedule's last payment (a few cents above or below);
    ``max_payment`` is the largest payment of the schedule, and the budget carries the option
    when ``max_payment`` ≤ the repayment capacity (the safe rule: every payment is carried).
    ``debt_ratio_after_percent`` is None when the household has no resource (no ratio: « sans
    objet »).
    """

    amount: Decimal
    months: int
    deferral_months: int
    deferral_kind: DeferralKind
    installment: Decimal
    last_payment: Decimal
    max_payment: Decimal
    total_interest: Decimal
    total_due: Decimal
    carried: bool
    comfortable: bool
    debt_ratio_after_percent: Decimal | None
    remaining_per_uc_per_day_after: Decimal
    requested: bool = False


@dataclass(frozen=True, slots=True)
class BudgetAssessment:
    """Every figure of the diagnostic, the verdict with its French reasons, and the options.

    The debt ratios are None when the household has no resource (« sans objet »)."""

    month: date
    consumption_units: Decimal
    total_resources: Decimal
    total_charges: Decimal
    remaining_income: Decimal
    remaining_per_uc_per_day: Decimal
    rsa_floor: Decimal
    debt_ratio_before_percent: Decimal | None
    capacity: Capacity
    requested: LoanOption
    debt_ratio_after_percent: Decimal | None
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
