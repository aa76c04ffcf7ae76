"""Payoff quote from the payments received (a row partly paid, an advance on the next rows), and
the partial repayment of that amount on that date closing the schedule.

The loan: 3 000 € at 1.75 % over 36 months from 15 Jan 2024, installment 85.60 €
(test_operations.py derives it). By hand from LOAN_CONVENTIONS:
- row 5 (15 Jun 2024): balance before it 2 674.40 €, interest 2 674.40 × 0.0175 / 12 = 3.9001…
  → 3.90, principal 85.60 − 3.90 = 81.70, balance after it 2 592.70;
- on 1 Jul 2024, 16 of the 30 days from 15 Jun to 15 Jul have passed: accrued interest
  2 592.70 × 0.0175 / 12 × 16 / 30 = 2.0165… → 2.02.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loan_engine import (
    InvalidParameterError,
    InvalidPaymentError,
    Keep,
    LoanTerms,
    Payment,
    allocate_payments,
    build_schedule,
    partial_repayment,
    payoff_quote,
)

D = Decimal
S = build_schedule(LoanTerms(D("3000"), D("0.0175"), 36, date(2024, 1, 15)))
ON = date(2024, 7, 1)
JUNE = date(2024, 6, 15)
FOUR = [Payment(r.due_date, r.payment) for r in S.rows[:4]]
FIVE = [*FOUR, Payment(JUNE, D("85.60"))]


def test_the_schedule_is_the_one_derived_by_hand() -> None:
    row = S.rows[4]
    assert (row.due_date, row.payment, row.interest, row.principal, row.balance) == (
        JUNE,
        D("85.60"),
        D("3.90"),
        D("81.70"),
        D("2592.70"),
    )


def closes(amount: Decimal, payments: list[Payment]) -> None:
    """A total early repayment of `amount` on ON ends the schedule: every row paid, nothing
    left over, nothing pending."""
    new = partial_repayment(S, ON, amount, Keep.INSTALLMENT, payments=payments)
    assert new.rows[-1].kind == "early-repayment" and new.rows[-1].balance == 0
    pos = allocate_payments(new, [*payments, Payment(ON, amount, True)], ON)
    assert pos.fully_repaid
    assert (pos.excess, pos.pending_early_repayment, pos.credit) == (0, 0, 0)


def test_with_every_due_row_paid_the_quote_is_the_paid_through_one() -> None:
    # 2 592.70 + 2.02 = 2 594.72.
    q = payoff_quote(S, ON, payments=FIVE)
    assert (q.principal, q.accrued_interest, q.overdue, q.credit, q.total) == (
        D("2592.70"),
        D("2.02"),
        D("0.00"),
        D("0.00"),
        D("2594.72"),
    )
    assert q == payoff_quote(S, ON, 5)
    closes(q.total, FIVE)


def test_a_row_partly_paid_is_overdue_for_what_remains() -> None:
    # 50 € on row 5: its interest 3.90 first, then 46.10 of its 81.70 principal; overdue
    # 85.60 − 50 = 35.60, all principal. Total 2 592.70 + 35.60 + 2.02 = 2 630.32.
    payments = [*FOUR, Payment(JUNE, D("50.00"))]
    q = payoff_quote(S, ON, payments=payments)
    assert (q.overdue_principal, q.overdue_interest, q.overdue) == (
        D("35.60"),
        D("0.00"),
        D("35.60"),
    )
    assert (q.principal_not_due, q.principal) == (D("2592.70"), D("2628.30"))
    assert q.total == D("2630.32")
    closes(q.total, payments)


def test_an_unpaid_row_is_overdue_with_its_interest() -> None:
    # Row 5 not paid at all: 3.90 interest and 81.70 principal overdue; total 2 594.72 + 85.60.
    q = payoff_quote(S, ON, payments=FOUR)
    assert (q.overdue_interest, q.overdue_principal) == (D("3.90"), D("81.70"))
    assert q.total == D("2680.32")
    closes(q.total, FOUR)


def test_an_advance_is_deducted_and_the_payoff_still_closes() -> None:
    # 115.60 on 15 Jun: row 5 and 30 € in advance on row 6. Total 2 594.72 − 30 = 2 564.72.
    payments = [*FOUR, Payment(JUNE, D("115.60"))]
    q = payoff_quote(S, ON, payments=payments)
    assert (q.credit, q.overdue, q.total) == (D("30.00"), D("0.00"), D("2564.72"))
    closes(q.total, payments)
    with pytest.raises(InvalidPaymentError) as caught:
        partial_repayment(S, ON, D("2564.73"), Keep.INSTALLMENT, payments=payments)
    assert caught.value.code == "amount_exceeds_payoff"


def test_a_partial_early_repayment_takes_the_advance_with_it() -> None:
    # 1 000 € on 1 Jul with 30 € in advance: the lump is 1 030 = 2.02 accrued + 1 027.98
    # principal; balance 2 592.70 − 1 027.98 = 1 564.72. The advance is not left pending.
    payments = [*FOUR, Payment(JUNE, D("115.60"))]
    new = partial_repayment(S, ON, D("1000.00"), Keep.END_DATE, payments=payments)
    lump = new.rows[5]
    assert (lump.payment, lump.interest, lump.principal, lump.balance) == (
        D("1030.00"),
        D("2.02"),
        D("1027.98"),
        D("1564.72"),
    )
    pos = allocate_payments(new, [*payments, Payment(ON, D("1000.00"), True)], ON)
    assert (pos.pending_early_repayment, pos.credit, pos.overdue_amount) == (0, 0, 0)
    assert pos.outstanding_principal == D("1564.72")


def test_an_advance_beyond_the_payoff_gives_a_zero_total() -> None:
    # Every row paid on 15 Jun: the credit (rows 6 to 36) exceeds 2 594.72; nothing is owed.
    payments = [Payment(JUNE, sum((r.payment for r in S.rows), D(0)))]
    q = payoff_quote(S, ON, payments=payments)
    assert q.total == 0 and q.credit > D("2594.72")


def test_paid_through_and_payments_are_not_both_given() -> None:
    with pytest.raises(InvalidParameterError):
        payoff_quote(S, ON, 5, payments=FIVE)
    with pytest.raises(InvalidParameterError):
        payoff_quote(S, ON)
