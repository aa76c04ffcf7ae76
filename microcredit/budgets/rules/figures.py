"""The figures of the diagnostic: consumption units, the RSA floor, the reste à vivre, the debt
ratio and the repayment capacity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from microcredit.applicants.rules import age_on
from microcredit.budgets.rules.data import (
    CENT,
    DAYS_PER_MONTH,
    HUNDRED,
    RSA_CHILD_AGE_LIMIT,
    TEEN_AGE,
    ZERO,
    Budget,
    BudgetError,
    Capacity,
    CapacityLimit,
    Member,
    Thresholds,
)
from microcredit.budgets.rules.validation import require_valid
from microcredit.budgets.vocabulary import MemberRole


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


def debt_ratio_percent(installments: Decimal, resources: Decimal) -> Decimal | None:
    """Credit installments / resources × 100, rounded half-up to 2 decimals.

    ``None`` when there is no resource (``resources`` is 0): the ratio has no meaning then
    (« sans objet »), whatever the installments; the capacity says what the budget carries.

    Raises:
        BudgetError: resources are negative.
    """
    if resources < 0:
        raise BudgetError(["Les ressources du foyer ne peuvent pas être négatives."])
    if resources == 0:
        return None
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

    Each limit is rounded down to the cent; the capacity is their minimum, never below 0. A
    household without any resource carries no installment: capacity 0, limited by
    ``CapacityLimit.NO_RESOURCES`` (the three limits, all negative or zero, are still given).

    Raises:
        BudgetError: the budget is invalid (see :func:`validate_budget`).
    """
    require_valid(budget)
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
    if resources == 0:
        return Capacity(
            amount=ZERO,
            limit=CapacityLimit.NO_RESOURCES,
            by_debt_ratio=by_ratio,
            by_remaining_income=by_remaining,
            by_rsa_floor=by_floor,
        )
    return Capacity(
        amount=max(limits[limit], ZERO),
        limit=limit,
        by_debt_ratio=by_ratio,
        by_remaining_income=by_remaining,
        by_rsa_floor=by_floor,
    )
