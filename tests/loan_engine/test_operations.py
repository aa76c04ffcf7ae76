"""Early repayment, payments, arrears, plans, bonification, guarantee and usury examples.

Expected figures are derived by hand from LOAN_CONVENTIONS.md in the comments; the schedule
itself is cross-checked against the independent Fraction reference.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from loan_engine import (
    ArrearsState,
    Keep,
    LoanTerms,
    Payment,
    UsuryThreshold,
    allocate_payments,
    arrears_state,
    bonification_amount,
    build_schedule,
    check_usury,
    guarantee_claim,
    net_cost_after_bonification,
    par30,
    partial_repayment,
    payoff_quote,
    repayment_plan,
)

from .reference import half_up_cents, reference_schedule

D = Decimal
START = date(2024, 1, 15)
TERMS = LoanTerms(D("3000"), D("0.0175"), 36, START)
S = build_schedule(TERMS)
REF = reference_schedule(Fraction(3000), Fraction(175, 10000), 36, START)
PAID5 = [Payment(r.due_date, r.payment) for r in S.rows[:5]]


def test_reference_balance_after_five() -> None:
    assert Fraction(S.rows[4].balance) == REF[4][4] == Fraction(259270, 100)


def test_payoff_quote_by_hand() -> None:
    # Five installments paid (last due 15 Jun 2024); payoff on 1 Jul 2024.
    # Period 15 Jun → 15 Jul = 30 days, 16 days elapsed.
    # Accrued = 2592.70 × 0.0175 / 12 × 16 / 30 = 3.7810208… × 0.5333… = 2.0165… → 2.02.
    q = payoff_quote(S, date(2024, 7, 1), 5)
    assert q.principal == D("2592.70")
    assert q.accrued_interest == D("2.02")
    assert q.total == D("2594.72")
    # On a due date nothing has accrued yet.
    q2 = payoff_quote(S, date(2024, 6, 15), 5)
    assert (q2.accrued_interest, q2.total) == (D("0.00"), D("2592.70"))


def test_payoff_quote_with_unpaid_rows() -> None:
    # Only 4 paid on 1 Jul: row 5 (interest 3.90? from the reference) is unpaid.
    q = payoff_quote(S, date(2024, 7, 1), 4)
    assert Fraction(q.overdue_interest) == REF[4][2]
    assert Fraction(q.principal) == REF[3][4]
    assert q.total == q.principal + q.overdue_interest + q.accrued_interest


def test_partial_repayment_keep_end_date() -> None:
    new = partial_repayment(S, date(2024, 7, 1), D("1000"), Keep.END_DATE)
    assert new.version == 2 and S.version == 1
    assert new.rows[:5] == S.rows[:5]  # already-due rows unchanged
    lump = new.rows[5]
    # 1000 = accrued 2.02 + principal 997.98; balance 2592.70 − 997.98 = 1594.72.
    assert (lump.kind, lump.payment, lump.interest, lump.principal, lump.balance) == (
        "early-repayment",
        D("1000.00"),
        D("2.02"),
        D("997.98"),
        D("1594.72"),
    )
    # Same end date, 31 remaining installments; A = 1594.72·i / (1 − (1+i)^−31).
    i = Fraction(175, 10000) / 12
    assert Fraction(new.installment) == half_up_cents(
        Fraction(159472, 100) * i / (1 - (1 + i) ** -31)
    )
    assert new.rows[-1].due_date == S.rows[-1].due_date
    # First row after the lump: interest for the 14 remaining days of the 30-day period:
    # 1594.72 × 0.0175 / 12 × 14 / 30 = 1.0852… → 1.09.
    assert new.rows[6].interest == D("1.09")
    assert new.total_due == TERMS.principal + new.total_interest
    assert new.rows[-1].balance == 0


def test_partial_repayment_keep_installment() -> None:
    new = partial_repayment(S, date(2024, 7, 1), D("1000"), Keep.INSTALLMENT)
    assert new.installment == D("85.60")
    tail = new.rows[6:]
    assert all(r.payment == D("85.60") for r in tail[:-1])
    assert tail[-1].payment <= D("85.60")
    assert len(tail) < 31
    assert sum(r.principal for r in new.rows) == D("3000.00")


def test_partial_repayment_settles_overdue_first() -> None:
    # Rows 1-4 paid, row 5 (due 15 Jun) unpaid: 1000 on 1 Jul first settles 85.60 overdue,
    # then the accrued 2.02, the rest (912.38) reduces principal.
    pays = PAID5[:4]
    new = partial_repayment(S, date(2024, 7, 1), D("1000"), Keep.END_DATE, payments=pays)
    lump = new.rows[5]
    assert (lump.interest, lump.principal) == (D("2.02"), D("912.38"))
    pos = allocate_payments(
        new, [*pays, Payment(date(2024, 7, 1), D("1000"), True)], date(2024, 7, 1)
    )
    assert pos.overdue_amount == 0 and pos.pending_early_repayment == 0
    assert pos.outstanding_principal == lump.balance


def test_total_early_repayment_and_bonification() -> None:
    q = payoff_quote(S, date(2024, 7, 1), 5)
    new = partial_repayment(S, date(2024, 7, 1), q.total, Keep.END_DATE)
    assert new.rows[-1].kind == "early-repayment" and new.rows[-1].balance == 0
    pays = [*PAID5, Payment(date(2024, 7, 1), q.total, True)]
    # The bonification is the last regular installment in force (85.60), never the lump sum.
    assert bonification_amount(new, pays, True, True, False) == D("85.60")
    assert bonification_amount(new, pays, True, True, True) == D("0.00")  # guarantee called
    assert bonification_amount(new, pays, True, False, False) == D("0.00")  # no proof
    assert bonification_amount(new, pays, False, True, False) == D("0.00")  # not repaid
    assert bonification_amount(new, pays, True, True, False, enabled=False) == D("0.00")
    assert bonification_amount(new, pays, True, True, False, cap=D("50")) == D("50.00")


def test_bonification_last_installment_actually_paid() -> None:
    pays = [Payment(r.due_date, r.payment) for r in S.rows]
    # The last installment takes the residue: its amount is what the borrower paid last.
    assert bonification_amount(S, pays, True, True, False) == S.rows[-1].payment
    assert S.rows[-1].payment == D("85.62")  # 85.60 + rounding residue (reference table)
    assert Fraction(S.rows[-1].payment) == REF[-1][1]
    assert net_cost_after_bonification(S, D("85.62")) == S.total_interest - D("85.62")
    assert net_cost_after_bonification(S, D("100.00")) < 0


def test_allocation_oldest_first_interest_before_principal() -> None:
    # 100 € on 20 Feb: row 1 (85.60 = 4.38 + 81.22) then 14.40 credit on row 2
    # (interest 4.26 first, then 10.14 of principal).
    pos = allocate_payments(S, [Payment(date(2024, 2, 20), D("100"))], date(2024, 2, 20))
    r1, r2 = pos.installments[0], pos.installments[1]
    assert (r1.interest_paid, r1.principal_paid, r1.settled_on) == (
        D("4.38"),
        D("81.22"),
        date(2024, 2, 20),
    )
    assert (r2.interest_paid, r2.principal_paid) == (D("4.26"), D("10.14"))
    assert pos.credit == D("14.40")
    assert pos.days_past_due == 0  # row 1 (due 15 Feb) is settled by the payment itself
    pos2 = allocate_payments(S, [Payment(date(2024, 2, 20), D("100"))], date(2024, 2, 21))
    assert pos2.overdue_amount == 0


def test_days_past_due_and_buckets() -> None:
    assert arrears_state(S, date(2024, 2, 15)).days_past_due == 0  # due date: not overdue
    st = arrears_state(S, date(2024, 2, 16))  # the day after
    assert (st.days_past_due, st.bucket, st.overdue_amount) == (1, "late", D("85.60"))
    assert arrears_state(S, date(2024, 3, 16)).bucket == "30+"  # 15 Feb + 30 days
    assert arrears_state(S, date(2024, 3, 15)).days_past_due == 29
    # 5 paid, on 20 Sep: 15 Jul, 15 Aug, 15 Sep unpaid → 16 + 31 + 20 = 67 days, 3 × 85.60.
    st = arrears_state(S, date(2024, 9, 20), payments=PAID5)
    assert (st.days_past_due, st.bucket, st.overdue_amount) == (67, "60+", D("256.80"))
    assert st.outstanding_principal == D("2592.70")
    pos = allocate_payments(S, PAID5, date(2024, 9, 20))
    assert arrears_state(pos, date(2024, 12, 1)).bucket == "90+"


def test_par30() -> None:
    states = [
        ArrearsState(45, D("1"), D("0"), D("1"), D("1000.00"), "30+"),
        ArrearsState(0, D("0"), D("0"), D("0"), D("3000.00"), "current"),
        ArrearsState(10, D("1"), D("0"), D("1"), D("2000.00"), "late"),
    ]
    assert par30(states) == D("0.1667")  # 1000 / 6000 = 0.16666… → 0.1667
    assert par30([]) == D("0")


def test_repayment_plan_on_top_reconciles() -> None:
    as_of = date(2024, 9, 20)
    plan = repayment_plan(S, PAID5, as_of, 6, "on_top")
    assert plan.version == 2
    pos = allocate_payments(plan, PAID5, as_of)
    assert pos.overdue_amount == 0
    assert plan.total_due == TERMS.principal + plan.total_interest
    assert sum(r.principal for r in plan.rows) == D("3000.00")
    # Unpaid interest of rows 6-8 is spread over 6 months without bearing interest.
    unpaid_interest = sum((Fraction(REF[k][2]) for k in (5, 6, 7)), Fraction(0))
    assert sum(Fraction(r.arrears_interest) for r in plan.rows) == unpaid_interest
    assert plan.rows[-1].due_date == S.rows[-1].due_date
    assert [r.kind for r in plan.rows].count("plan") == 6


def test_repayment_plan_instead() -> None:
    as_of = date(2024, 9, 20)
    plan = repayment_plan(S, PAID5, as_of, 12, "instead")
    assert len(plan.rows) == 8 + 12
    assert plan.rows[-1].balance == 0
    assert plan.total_due == TERMS.principal + plan.total_interest


def test_guarantee_claim() -> None:
    # 1234.57 × 50 % = 617.285 → 617.29 (half-up); with 3.33 of interest: 1237.90 / 2 = 618.95.
    assert guarantee_claim(D("1234.57"), D("3.33")) == D("617.29")
    assert guarantee_claim(D("1234.57"), D("3.33"), include_interest=True) == D("618.95")
    assert guarantee_claim(D("1234.57"), D("3.33"), D("0.8"), True) == D("990.32")


def test_usury() -> None:
    table = [
        UsuryThreshold(date(2024, 1, 1), D("3000"), D("22.00")),
        UsuryThreshold(date(2024, 1, 1), D("6000"), D("15.00")),
        UsuryThreshold(date(2024, 1, 1), None, D("8.00")),
        UsuryThreshold(date(2025, 1, 1), D("3000"), D("20.00")),
        UsuryThreshold(date(2025, 1, 1), None, D("7.00")),
    ]
    ok = check_usury(D("1.76"), D("3000"), date(2024, 6, 1), table)
    assert ok.ok and ok.threshold == D("22.00")
    assert "conforme" in ok.message
    assert check_usury(D("9.00"), D("7000"), date(2024, 6, 1), table).ok is False
    assert check_usury(D("9.00"), D("5000"), date(2024, 6, 1), table).threshold == D("15.00")
    assert check_usury(D("19.00"), D("3000"), date(2025, 2, 1), table).threshold == D("20.00")
    none = check_usury(D("1.76"), D("3000"), date(2023, 6, 1), table)
    assert (none.ok, none.threshold) == (False, None)
    assert "Aucun seuil d'usure" in none.message
