"""loan_engine.loan_terms: the one builder of terms from stored values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loan_engine import DeferralKind, InvalidDeferralError, LoanTerms, loan_terms

START = date(2026, 1, 15)


def test_the_rate_in_percent_becomes_a_fraction() -> None:
    terms = loan_terms(
        principal=Decimal("1000"), rate_percent=Decimal("1.750"), months=12, disbursement_date=START
    )
    assert terms == LoanTerms(Decimal("1000.00"), Decimal("0.0175"), 12, START)


def test_a_fraction_is_taken_as_it_is() -> None:
    terms = loan_terms(
        principal=Decimal("1000"), annual_rate=Decimal("0.0175"), months=12, disbursement_date=START
    )
    assert terms.annual_rate == Decimal("0.0175")


@pytest.mark.parametrize("rates", [{}, {"rate_percent": Decimal(1), "annual_rate": Decimal(0)}])
def test_exactly_one_rate(rates: dict[str, Decimal]) -> None:
    with pytest.raises(TypeError):
        loan_terms(principal=Decimal("1000"), months=12, disbursement_date=START, **rates)


def test_the_stored_kind_is_the_engine_value() -> None:
    terms = loan_terms(
        principal=Decimal("1000"),
        rate_percent=Decimal("1.75"),
        months=12,
        disbursement_date=START,
        deferral_months=2,
        deferral_kind="interest_only",
    )
    assert terms.deferral_kind is DeferralKind.INTEREST_ONLY
    assert terms.deferral_months == 2
    assert [kind.value for kind in DeferralKind] == ["none", "interest_only", "capitalised"]


@pytest.mark.parametrize(("months", "kind"), [(0, "capitalised"), (3, "none")])
def test_a_deferral_without_months_or_kind_is_none(months: int, kind: str) -> None:
    terms = loan_terms(
        principal=Decimal("1000"),
        rate_percent=Decimal("1.75"),
        months=12,
        disbursement_date=START,
        deferral_months=months,
        deferral_kind=kind,
    )
    assert (terms.deferral_months, terms.deferral_kind) == (0, DeferralKind.NONE)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidDeferralError) as error:
        loan_terms(
            principal=Decimal("1000"),
            rate_percent=Decimal("1.75"),
            months=12,
            disbursement_date=START,
            deferral_months=2,
            deferral_kind="interest-only",
        )
    assert error.value.code == "invalid_deferral_kind"
