"""Hypothesis property tests of the invariants listed in LOAN_CONVENTIONS.md."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from loan_engine import (
    DeferralKind,
    Keep,
    LoanTerms,
    Payment,
    Schedule,
    allocate_payments,
    annual_percentage_rate,
    build_schedule,
    partial_repayment,
    payoff_quote,
    repayment_plan,
)

from .reference import due_date, reference_schedule

SPECIAL_DATES = [
    date(2024, 1, 31),
    date(2023, 1, 31),
    date(2024, 2, 29),
    date(2023, 12, 31),
    date(2024, 12, 31),
    date(2024, 8, 31),
    date(2025, 3, 30),
]
dates = st.one_of(st.sampled_from(SPECIAL_DATES), st.dates(date(2000, 1, 1), date(2060, 12, 31)))
amounts = st.integers(100, 10_000_000).map(lambda c: Decimal(c).scaleb(-2))
rates = st.integers(0, 2500).map(lambda r: Decimal(r).scaleb(-4))


@st.composite
def loan_terms(draw: st.DrawFn, max_months: int = 120) -> LoanTerms:
    deferral = draw(st.integers(0, 24))
    kind = (
        DeferralKind.NONE
        if deferral == 0
        else draw(st.sampled_from([DeferralKind.INTEREST_ONLY, DeferralKind.CAPITALISED]))
    )
    anchor = draw(st.one_of(st.none(), st.integers(1, 31)))
    return LoanTerms(
        draw(amounts),
        draw(rates),
        draw(st.integers(1, max_months)),
        draw(dates),
        deferral,
        kind,
        anchor,
    )


# The assume() calls keep valid loans only; on a busy machine Hypothesis may judge that too
# much filtering (HealthCheck.filter_too_much), which says nothing about the engine.
SETTINGS = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check_row_invariants(s: Schedule) -> None:
    principal = s.terms.principal
    capitalised = sum((r.capitalised for r in s.rows), Decimal(0))
    # Principals sum to the amount lent plus capitalised interest.
    assert sum((r.principal for r in s.rows), Decimal(0)) == principal + capitalised
    # Total paid = principal + interest; totals are the sums of the rows.
    assert s.total_due == sum((r.payment for r in s.rows), Decimal(0))
    assert s.total_interest == sum((r.interest for r in s.rows), Decimal(0))
    assert s.total_due == principal + s.total_interest
    prev = principal
    for k, r in enumerate(s.rows, 1):
        assert r.number == k
        for v in (r.payment, r.interest, r.principal, r.balance, r.capitalised, r.arrears_interest):
            assert v >= 0  # no negative amount anywhere
            assert v.as_tuple().exponent == -2  # two decimals
        assert r.payment == r.interest - r.capitalised + r.principal
        assert r.balance == prev - r.principal + r.capitalised
        # Balances never increase outside capitalised deferral.
        if r.capitalised == 0:
            assert r.balance <= prev
        prev = r.balance
    assert s.rows[-1].balance == 0  # final balance 0
    assert all(a.due_date <= b.due_date for a, b in zip(s.rows, s.rows[1:], strict=False))


@SETTINGS
@given(loan_terms())
def test_schedule_invariants_and_reference(t: LoanTerms) -> None:
    s = build_schedule(t)
    check_row_invariants(s)
    assert len(s.rows) == t.months + t.deferral_months
    assert build_schedule(t) == s  # same inputs, same schedule
    ref = reference_schedule(
        Fraction(t.principal),
        Fraction(t.annual_rate),
        t.months,
        t.disbursement_date,
        t.deferral_months,
        t.deferral_kind.value,
        t.anchor_day,
    )
    for row, (due, pay, interest, princ, bal, cap) in zip(s.rows, ref, strict=True):
        assert (row.due_date, Fraction(row.payment), Fraction(row.interest)) == (due, pay, interest)
        assert (Fraction(row.principal), Fraction(row.balance)) == (princ, bal)
        assert Fraction(row.capitalised) == cap
    kinds = [r.kind for r in s.rows]
    assert kinds == ["deferral"] * t.deferral_months + ["installment"] * t.months


@SETTINGS
@given(dates, st.integers(0, 400), st.integers(1, 31))
def test_due_dates_are_computed_from_the_anchor(start: date, k: int, day: int) -> None:
    from loan_engine import add_months

    got = add_months(start, k, day)
    assert got == due_date(start, day, k)
    # Never chained: the day is restored after a short month.
    assert add_months(start, k) == due_date(start, start.day, k)


def exact_apr(s: Schedule) -> Decimal:
    """Independent APR: bisection with 60-digit Decimal, rounded half-up to 2 decimals."""
    t = s.terms
    flows = [(Fraction(0), -Fraction(t.principal))]
    for r in s.rows:
        if r.payment:
            flows.append((Fraction(r.number, 12), Fraction(r.payment)))
    with localcontext() as ctx:
        ctx.prec = 60

        def npv(x: Decimal) -> Decimal:
            ln = (1 + x).ln()
            total = Decimal(0)
            for tt, a in flows:
                total += (
                    Decimal(a.numerator)
                    / Decimal(a.denominator)
                    * (-ln * Decimal(tt.numerator) / Decimal(tt.denominator)).exp()
                )
            return total

        lo, hi = Decimal("-0.5"), Decimal("2")
        for _ in range(120):
            mid = (lo + hi) / 2
            if npv(mid) > 0:
                lo = mid
            else:
                hi = mid
        return (lo * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=150, deadline=None)
@given(loan_terms(max_months=60))
def test_apr_exact_rounding_and_sanity(t: LoanTerms) -> None:
    t = replace(t, anchor_day=None)
    s = build_schedule(t)
    apr = annual_percentage_rate(s)
    assert apr == exact_apr(s)
    if t.annual_rate == 0:
        assert apr == 0
    if t.principal >= 1000 and t.deferral_months == 0:
        # Fee-free: the APR is the nominal-equivalent rate (1 + r/12)^12 − 1, up to the cent
        # roundings of the installments (a few thousandths of a point on ≥ 1000 €).
        eq = ((1 + Fraction(t.annual_rate) / 12) ** 12 - 1) * 100
        assert abs(Fraction(apr) - eq) <= Fraction(2, 100)
        assert apr >= t.annual_rate * 100 - Decimal("0.02")


@st.composite
def loan_and_date(draw: st.DrawFn) -> tuple[LoanTerms, date]:
    t = draw(loan_terms(max_months=60))
    s_end = due_date(t.disbursement_date, t.disbursement_date.day, t.months + t.deferral_months)
    span = (s_end - t.disbursement_date).days
    on = t.disbursement_date + timedelta(days=draw(st.integers(0, span)))
    return t, on


@SETTINGS
@given(loan_and_date(), st.integers(1, 10_000), st.sampled_from([Keep.INSTALLMENT, Keep.END_DATE]))
def test_partial_repayment_reconciles(case: tuple[LoanTerms, date], frac: int, keep: Keep) -> None:
    t, on = case
    s = build_schedule(t)
    k0 = sum(1 for r in s.rows if r.due_date <= on)
    quote = payoff_quote(s, on, k0)
    assume(quote.principal > 0)
    settle = quote.accrued_interest + quote.overdue_interest
    amount = settle + max(
        Decimal("0.01"), (quote.principal * frac / 10_000).quantize(Decimal("0.01"))
    )
    amount = min(amount, quote.total)
    new = partial_repayment(s, on, amount, keep)
    assert new.version == s.version + 1
    assert new.rows[:k0] == s.rows[:k0]  # already-due rows unchanged
    check_row_invariants(new)
    # Reconciliation: the scheduled payments made before, plus the lump, settle the new
    # version exactly up to that date and leave its balance outstanding.
    pays = [Payment(r.due_date, r.payment) for r in s.rows[:k0] if r.payment > 0]
    pays.append(Payment(on, amount, early_repayment=True))
    pos = allocate_payments(new, pays, on)
    assert pos.overdue_amount == 0 and pos.pending_early_repayment == 0 and pos.excess == 0
    assert pos.outstanding_principal == new.rows[k0].balance
    assert all(st.remaining == 0 for st in pos.installments[: k0 + 1])
    if amount == quote.total:
        assert new.rows[-1].balance == 0 and len(new.rows) == k0 + 1
    if keep is Keep.END_DATE and new.rows[-1].balance == 0 and len(new.rows) > k0 + 1:
        assert new.rows[-1].due_date == s.rows[-1].due_date


@SETTINGS
@given(
    loan_terms(max_months=48),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 500_000), st.booleans()), max_size=12),
    st.integers(0, 2500),
)
def test_payment_allocation_conserves_money(
    t: LoanTerms, raw: list[tuple[int, int, bool]], as_of_days: int
) -> None:
    s = build_schedule(t)
    start = t.disbursement_date
    pays = [Payment(start + timedelta(days=d), Decimal(c).scaleb(-2), e) for d, c, e in raw]
    as_of = start + timedelta(days=as_of_days)
    pos = allocate_payments(s, pays, as_of)
    applied = sum((st.interest_paid + st.principal_paid for st in pos.installments), Decimal(0))
    counted = sum((p.amount for p in pays if p.date <= as_of), Decimal(0))
    assert pos.total_paid == counted == applied + pos.pending_early_repayment + pos.excess
    paid_principal = sum((st.principal_paid for st in pos.installments), Decimal(0))
    capitalised = sum((r.capitalised for r in s.rows if r.due_date <= as_of), Decimal(0))
    assert pos.outstanding_principal == t.principal + capitalised - paid_principal
    for st_ in pos.installments:
        assert 0 <= st_.interest_paid <= st_.interest_due
        assert 0 <= st_.principal_paid <= st_.principal_due
    assert pos.overdue_amount >= 0 and pos.days_past_due >= 0
    assert (pos.days_past_due == 0) == (pos.overdue_amount == 0)


@SETTINGS
@given(
    loan_terms(max_months=48),
    st.integers(0, 40),
    st.integers(0, 1500),
    st.integers(1, 24),
    st.sampled_from(["on_top", "instead"]),
)
def test_repayment_plan_reconciles(
    t: LoanTerms, paid_rows: int, as_of_days: int, months: int, mode: str
) -> None:
    s = build_schedule(t)
    as_of = t.disbursement_date + timedelta(days=as_of_days)
    pays = [Payment(r.due_date, r.payment) for r in s.rows[:paid_rows] if r.payment > 0]
    pays = [p for p in pays if p.date <= as_of]
    pos = allocate_payments(s, pays, as_of)
    due_unpaid = sum((st.remaining for st in pos.installments if st.due_date <= as_of), Decimal(0))
    assume(due_unpaid > 0)
    plan = repayment_plan(s, pays, as_of, months, mode)  # type: ignore[arg-type]
    assert plan.version == 2
    check_row_invariants(plan)
    after = allocate_payments(plan, pays, as_of)
    assert after.overdue_amount == 0
    assert all(st.remaining == 0 for st in after.installments if st.due_date <= as_of)
    assert after.outstanding_principal == pos.outstanding_principal
    unpaid_interest = sum(
        (st.interest_due - st.interest_paid for st in pos.installments if st.due_date <= as_of),
        Decimal(0),
    )
    assert sum((r.arrears_interest for r in plan.rows), Decimal(0)) == unpaid_interest
