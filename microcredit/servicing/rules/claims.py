"""Pure rules of the guarantee claim: what was outstanding on the day of the *déchéance du
terme*, which installment was the first unpaid one, the amount called and the loss ledger.

No Django here: the loan engine and plain values. Every amount comes out of the engine
(`allocate_payments`, `payoff_quote`, `guarantee_claim`); these rules only choose what to ask it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import (
    KIND_EARLY_REPAYMENT,
    Payment,
    Schedule,
    allocate_payments,
    guarantee_claim,
    payoff_quote,
)
from microcredit.core.formatting import format_date

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClaimBasis:
    """The loan on the day of the déchéance du terme (the payments made up to that day).

    Attributes:
        outstanding_principal: the principal still owed, that of the unpaid installments
            included (the payoff's principal, less what was paid on the rows it counts).
        accrued_interest: the interest of the unpaid installments plus the interest accrued
            since the last due date, pro rata in days (the payoff's), less what was paid on them.
        first_unpaid_date: the due date of the oldest installment overdue on that day (None
            when none is).
        due_dates: the due dates of the installments of the schedule (early repayments aside).
    """

    outstanding_principal: Decimal
    accrued_interest: Decimal
    first_unpaid_date: date | None
    due_dates: frozenset[date]


def claim_basis(schedule: Schedule, payments: Sequence[Payment], on: date) -> ClaimBasis:
    """What was owed on `on`, by the engine's allocation of the payments and its payoff quote.

    The payoff quote takes the rows 1..k as paid; the allocation says how many leading rows
    were settled on `on`, and what was paid on the next ones (a partly paid installment), which
    is taken off the payoff's principal and interest. With an installment overdue, no payment
    reaches a row due after `on` (the oldest row is settled first), so nothing else is paid.

    Raises:
        loan_engine.LoanEngineError: `on` before the disbursement or before the last early
            repayment of the schedule (French message).
    """
    position = allocate_payments(schedule, [p for p in payments if p.date <= on], on)
    paid_through = 0
    for status in position.installments:
        if status.due_date > on or status.remaining > 0:
            break
        paid_through += 1
    quote = payoff_quote(schedule, on, paid_through)
    later = position.installments[paid_through:]
    principal = quote.principal - sum((s.principal_paid for s in later), ZERO)
    interest = (
        quote.overdue_interest
        + quote.accrued_interest
        - sum((s.interest_paid for s in later), ZERO)
    )
    first_unpaid = next(
        (s.due_date for s in position.installments if s.due_date < on and s.remaining > 0), None
    )
    return ClaimBasis(
        outstanding_principal=principal,
        accrued_interest=max(interest, ZERO),
        first_unpaid_date=first_unpaid,
        due_dates=frozenset(r.due_date for r in schedule.rows if r.kind != KIND_EARLY_REPAYMENT),
    )


def first_unpaid_problem(
    basis: ClaimBasis, first_unpaid_date: date, acceleration_date: date
) -> str | None:
    """Why `first_unpaid_date` is not the first installment unpaid on the day of the déchéance
    du terme (a French sentence), or None when it is."""
    if basis.first_unpaid_date is None:
        return (
            f"Aucune échéance n'était impayée le {format_date(acceleration_date)} d'après les "
            "remboursements enregistrés : la garantie ne peut pas être appelée."
        )
    if first_unpaid_date not in basis.due_dates:
        return (
            f"Le {format_date(first_unpaid_date)} n'est pas une date d'échéance de "
            f"l'échéancier en vigueur : la première échéance impayée est celle du "
            f"{format_date(basis.first_unpaid_date)}."
        )
    if first_unpaid_date < basis.first_unpaid_date:
        return (
            f"L'échéance du {format_date(first_unpaid_date)} est payée d'après les "
            f"remboursements enregistrés : la première échéance impayée est celle du "
            f"{format_date(basis.first_unpaid_date)}."
        )
    if first_unpaid_date != basis.first_unpaid_date:
        return (
            f"L'échéance du {format_date(basis.first_unpaid_date)} était déjà impayée : "
            "c'est elle, la première échéance impayée."
        )
    return None


def claim_amount(basis: ClaimBasis, rate_percent: Decimal, includes_interest: bool) -> Decimal:
    """The amount called (loan_engine.guarantee_claim): the outstanding principal, plus the
    accrued interest when the programme says so, times the guarantee rate."""
    return guarantee_claim(
        basis.outstanding_principal,
        basis.accrued_interest,
        rate_percent / Decimal(100),
        includes_interest,
    )


@dataclass(frozen=True)
class LossLedger:
    """Who bears the loss of a loan whose guarantee was called.

    Attributes:
        exposure: what was outstanding on the day of the déchéance du terme (the principal,
            plus the accrued interest when the guarantee covers it).
        guarantor_share: what the guarantor paid, or, until it pays, the amount called.
        guarantor_paid: whether `guarantor_share` is a payment received (else it is expected).
        bank_share: the rest, borne by the bank.
    """

    exposure: Decimal
    guarantor_share: Decimal
    guarantor_paid: bool
    bank_share: Decimal


def loss_ledger(
    *,
    outstanding_principal: Decimal,
    accrued_interest: Decimal,
    includes_interest: bool,
    amount: Decimal,
    paid_amount: Decimal | None,
) -> LossLedger:
    exposure = outstanding_principal + (accrued_interest if includes_interest else ZERO)
    share = paid_amount if paid_amount is not None else amount
    return LossLedger(
        exposure=exposure,
        guarantor_share=share,
        guarantor_paid=paid_amount is not None,
        bank_share=exposure - share,
    )
