"""Bonification (bonus refund), net cost and guarantee claim."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .errors import InvalidParameterError
from .money import ZERO, round_cents, to_decimal, to_money
from .payments import Payment, allocate_payments
from .schedule import KIND_EARLY_REPAYMENT, KIND_INSTALLMENT, KIND_PLAN, Schedule

__all__ = ["bonification_amount", "guarantee_claim", "net_cost_after_bonification"]


def net_cost_after_bonification(schedule: Schedule, bonification: Decimal) -> Decimal:
    """Borrower's net cost: total interest − bonification (may be negative)."""
    return schedule.total_interest - to_money(bonification)


def guarantee_claim(
    outstanding_principal: Decimal,
    accrued_interest: Decimal = ZERO,
    rate: Decimal = Decimal("0.50"),
    include_interest: bool = False,
) -> Decimal:
    """Guarantee claim: (outstanding principal [+ accrued interest]) × rate, half-up to the cent.

    Raises:
        InvalidAmountError: negative or malformed amounts.
        InvalidParameterError: ``rate`` outside [0, 1].
    """
    principal = to_money(outstanding_principal)
    interest = to_money(accrued_interest)
    r = to_decimal(rate, what="taux de garantie")
    if principal < 0 or interest < 0:
        raise InvalidParameterError(
            "negative_amount", "Le capital et les intérêts ne peuvent pas être négatifs."
        )
    if not Decimal(0) <= r <= Decimal(1):
        raise InvalidParameterError(
            "guarantee_rate_out_of_range", "Le taux de garantie doit être compris entre 0 et 100 %."
        )
    base = principal + (interest if include_interest else ZERO)
    return round_cents(base * r)


def bonification_amount(
    schedule: Schedule,
    payments: Sequence[Payment],
    fully_repaid: bool,
    project_proven: bool,
    guarantee_called: bool,
    enabled: bool = True,
    cap: Decimal | None = None,
) -> Decimal:
    """Bonification refunded by the CCAS once the loan is fully repaid.

    * zero when switched off, when the loan is not fully repaid, without the project proof,
      or after a guarantee claim;
    * after a total early repayment (the schedule ends with an ``"early-repayment"`` row that
      brings the balance to 0): the regular installment in force before it
      (``schedule.installment``), never the lump sum;
    * otherwise: the amount actually paid on the last installment the borrower paid;
    * limited to ``cap`` when given.
    """
    if not enabled or not fully_repaid or not project_proven or guarantee_called:
        return ZERO
    rows = schedule.rows
    if rows[-1].kind == KIND_EARLY_REPAYMENT and rows[-1].balance == 0:
        amount = schedule.installment
    else:
        pays = tuple(payments)
        as_of = max([rows[-1].due_date] + [p.date for p in pays])
        pos = allocate_payments(schedule, pays, as_of)
        amount = ZERO
        for st in reversed(pos.installments):
            paid = st.interest_paid + st.principal_paid
            if st.kind in (KIND_INSTALLMENT, KIND_PLAN) and paid > 0:
                amount = paid
                break
    if cap is not None:
        limit = to_money(cap)
        if limit < 0:
            raise InvalidParameterError(
                "negative_amount", "Le plafond de bonification ne peut pas être négatif."
            )
        amount = min(amount, limit)
    return amount
