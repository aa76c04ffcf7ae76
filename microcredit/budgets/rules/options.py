"""The table of loan options within the scheme's bounds, and the option recommended."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal

from loan_engine import DeferralKind, build_schedule, loan_terms
from microcredit.budgets.rules.data import (
    CENT,
    HUNDRED,
    OPTION_DURATIONS,
    Budget,
    Capacity,
    LoanOption,
    LoanRequest,
    Scheme,
    Thresholds,
)
from microcredit.budgets.rules.figures import (
    consumption_units,
    debt_ratio_percent,
    remaining_income,
    remaining_per_uc_per_day,
    repayment_capacity,
)
from microcredit.budgets.rules.validation import require_valid


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
        loan_terms(
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
        last_payment=schedule.rows[-1].payment,
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
    require_valid(budget)
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
