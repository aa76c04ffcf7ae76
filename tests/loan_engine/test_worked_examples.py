"""Worked examples derived by hand from LOAN_CONVENTIONS.md (never from the engine's output)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from loan_engine import (
    DeferralKind,
    LoanTerms,
    add_months,
    annual_percentage_rate,
    build_schedule,
    round_cents,
    to_money,
)

from .reference import half_up_cents, reference_schedule

D = Decimal


def terms_3000(start: date = date(2024, 1, 31), **kw: object) -> LoanTerms:
    return LoanTerms(D("3000.00"), D("0.0175"), 36, start, **kw)  # type: ignore[arg-type]


def test_installment_3000_at_175_over_36_by_hand() -> None:
    # i = 0.0175 / 12 = 0.00145833...
    # (1 + i)^36 = exp(36 × ln 1.00145833) = exp(36 × 0.00145727) = exp(0.0524618) ≈ 1.0538624
    # 1 − (1 + i)^−36 = 1 − 0.9488913 = 0.0511087
    # P·i = 3000 × 0.00145833 = 4.375
    # A = 4.375 / 0.0511087 ≈ 85.6015 → 85.60 (half-up to the cent)
    s = build_schedule(terms_3000())
    assert s.installment == D("85.60")
    assert str(s.installment) == "85.60"


def test_first_rows_by_hand() -> None:
    s = build_schedule(terms_3000())
    r1, r2 = s.rows[0], s.rows[1]
    # Row 1: 3000 × 1.75 % / 12 = 52.5 / 12 = 4.375 → 4.38 (multiply before dividing, round once)
    assert (r1.interest, r1.principal, r1.balance) == (D("4.38"), D("81.22"), D("2918.78"))
    # Row 2: 2918.78 × 0.0175 = 51.07865; / 12 = 4.25655 → 4.26; principal 85.60 − 4.26 = 81.34
    assert (r2.interest, r2.principal, r2.balance) == (D("4.26"), D("81.34"), D("2837.44"))
    assert r1.payment == r2.payment == D("85.60")
    assert r1.kind == "installment"


def test_pre_rounded_monthly_rate_would_give_the_wrong_cent() -> None:
    # The spec's warning: a monthly rate pre-rounded to 0.0015 gives 3000 × 0.0015 = 4.50, the
    # rule gives 4.38. Our first interest must be 4.38.
    assert build_schedule(terms_3000()).rows[0].interest == D("4.38")
    assert round_cents(D("3000") * D("0.0175") / 12) == D("4.38")


def test_full_table_matches_the_fraction_reference() -> None:
    s = build_schedule(terms_3000())
    ref = reference_schedule(Fraction(3000), Fraction(175, 10000), 36, date(2024, 1, 31))
    assert len(s.rows) == 36
    for row, (due, pay, interest, princ, bal, _cap) in zip(s.rows, ref, strict=True):
        assert row.due_date == due
        assert Fraction(row.payment) == pay
        assert Fraction(row.interest) == interest
        assert Fraction(row.principal) == princ
        assert Fraction(row.balance) == bal
    # Last installment takes the remaining principal: principals sum to the amount lent.
    assert sum(r.principal for r in s.rows) == D("3000.00")
    assert s.total_due == D("3000.00") + s.total_interest


def test_due_dates_month_end_clamping_from_the_anchor() -> None:
    s = build_schedule(terms_3000(date(2024, 1, 31)))
    got = [r.due_date for r in s.rows[:4]]
    # 31 Jan → 29 Feb (leap year) → 31 Mar → 30 Apr, computed from the anchor, not chained.
    assert got == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 1, 31), 2) == date(2023, 3, 31)
    assert add_months(date(2023, 12, 31), 2) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2024, 1, 10), 1, day=31) == date(2024, 2, 29)


def test_anchor_day() -> None:
    s = build_schedule(terms_3000(date(2024, 3, 20), anchor_day=5))
    # Anchor = 5 March 2024 (same month), first due date one month later.
    assert s.rows[0].due_date == date(2024, 4, 5)
    assert s.rows[35].due_date == date(2027, 3, 5)
    s31 = build_schedule(terms_3000(date(2024, 2, 10), anchor_day=31))
    assert [r.due_date for r in s31.rows[:3]] == [
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]


def test_zero_rate() -> None:
    # 1000 / 3 = 333.333 → 333.33 twice, the last takes the residue 333.34.
    s = build_schedule(LoanTerms(D("1000"), D("0"), 3, date(2024, 5, 1)))
    assert [r.payment for r in s.rows] == [D("333.33"), D("333.33"), D("333.34")]
    assert s.total_interest == D("0.00")
    assert annual_percentage_rate(s) == D("0.00")


def test_interest_only_deferral_by_hand() -> None:
    t = LoanTerms(D("3000"), D("0.0175"), 36, date(2024, 1, 15), 3, DeferralKind.INTEREST_ONLY)
    s = build_schedule(t)
    assert len(s.rows) == 39
    for r in s.rows[:3]:  # each deferral month pays its interest 4.375 → 4.38
        assert (r.kind, r.payment, r.interest, r.principal, r.balance) == (
            "deferral",
            D("4.38"),
            D("4.38"),
            D("0.00"),
            D("3000.00"),
        )
    assert s.rows[3].due_date == date(2024, 5, 15)
    assert s.installment == D("85.60")  # then the same 36 installments as without deferral
    assert s.total_interest == D("81.62") + 3 * D("4.38")


def test_capitalised_deferral_by_hand() -> None:
    t = LoanTerms(D("3000"), D("0.0175"), 36, date(2024, 1, 15), 2, DeferralKind.CAPITALISED)
    s = build_schedule(t)
    r1, r2 = s.rows[0], s.rows[1]
    # Month 1: 4.375 → 4.38 capitalised, balance 3004.38.
    assert (r1.payment, r1.interest, r1.capitalised, r1.balance) == (
        D("0.00"),
        D("4.38"),
        D("4.38"),
        D("3004.38"),
    )
    # Month 2: 3004.38 × 0.0175 / 12 = 52.57665 / 12 = 4.3813875 → 4.38; balance 3008.76.
    assert (r2.capitalised, r2.balance) == (D("4.38"), D("3008.76"))
    # The 36 installments amortise 3008.76: A = 3008.76 × i / (1 − (1+i)^−36)
    i = Fraction(175, 10000) / 12
    expected = half_up_cents(Fraction(300876, 100) * i / (1 - (1 + i) ** -36))
    assert Fraction(s.installment) == expected
    assert sum(r.principal for r in s.rows) == D("3000.00") + D("8.76")
    assert s.total_due == D("3000.00") + s.total_interest


def test_apr_3000_175_36_is_176() -> None:
    # Spec: with no fees the APR is not the nominal rate: (1 + i)^12 − 1 with i = 0.0175/12
    # = 12·i + 66·i² + 220·i³ + … = 0.0175 + 0.00014036 + 0.00000068 + … ≈ 1.7641 % → 1.76.
    assert annual_percentage_rate(build_schedule(terms_3000())) == D("1.76")
    eq = (1 + Fraction(175, 10000) / 12) ** 12 - 1
    assert Fraction(17641, 1000000) < eq < Fraction(17642, 1000000)


def test_money_helpers() -> None:
    assert to_money("3000") == D("3000.00")
    assert str(to_money(12)) == "12.00"
    assert round_cents(D("4.375")) == D("4.38")
    assert round_cents(D("4.3749")) == D("4.37")
    assert round_cents(D("-4.375")) == D("-4.38")
