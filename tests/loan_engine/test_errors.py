"""Every invalid input raises a typed LoanEngineError with a stable code and a French message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from loan_engine import (
    SAINT_ETIENNE_LIMITS,
    DeferralKind,
    InvalidAmountError,
    InvalidDateError,
    InvalidDeferralError,
    InvalidDurationError,
    InvalidParameterError,
    InvalidPaymentError,
    InvalidRateError,
    Keep,
    Limits,
    LoanEngineError,
    LoanTerms,
    Payment,
    allocate_payments,
    arrears_state,
    build_schedule,
    guarantee_claim,
    partial_repayment,
    payoff_quote,
    repayment_plan,
    to_money,
    validate_terms,
)

D = Decimal
START = date(2024, 1, 15)


def terms(**kw: object) -> LoanTerms:
    base: dict[str, object] = {
        "principal": D("3000"),
        "annual_rate": D("0.0175"),
        "months": 36,
        "disbursement_date": START,
    }
    base.update(kw)
    return LoanTerms(**base)  # type: ignore[arg-type]


SCHEDULE = build_schedule(terms())

CASES: list[tuple[str, Callable[[], object], type[LoanEngineError], str, str]] = [
    (
        "zero amount",
        lambda: terms(principal=D("0")),
        InvalidAmountError,
        "amount_out_of_range",
        "Le montant doit être strictement positif.",
    ),
    (
        "negative amount",
        lambda: terms(principal=D("-5")),
        InvalidAmountError,
        "amount_out_of_range",
        "Le montant doit être strictement positif.",
    ),
    (
        "float amount",
        lambda: terms(principal=3000.0),
        InvalidAmountError,
        "float_not_allowed",
        "jamais des nombres à virgule flottante",
    ),
    (
        "three decimals",
        lambda: terms(principal=D("10.001")),
        InvalidAmountError,
        "amount_not_cents",
        "Un montant ne peut pas avoir plus de deux décimales.",
    ),
    ("garbage", lambda: to_money("abc"), InvalidAmountError, "invalid_amount", "Valeur invalide"),
    ("nan", lambda: to_money(D("NaN")), InvalidAmountError, "invalid_amount", "Valeur invalide"),
    (
        "months 0",
        lambda: terms(months=0),
        InvalidDurationError,
        "duration_out_of_range",
        "La durée doit être d'au moins 1 mois.",
    ),
    (
        "months str",
        lambda: terms(months="12"),
        InvalidDurationError,
        "invalid_duration",
        "nombre entier de mois",
    ),
    (
        "rate negative",
        lambda: terms(annual_rate=D("-0.01")),
        InvalidRateError,
        "rate_out_of_range",
        "Le taux annuel doit être compris entre 0 %",
    ),
    (
        "rate 100 %",
        lambda: terms(annual_rate=D("1")),
        InvalidRateError,
        "rate_out_of_range",
        "100 % (exclu)",
    ),
    (
        "rate float",
        lambda: terms(annual_rate=0.0175),
        InvalidAmountError,
        "float_not_allowed",
        "virgule flottante",
    ),
    (
        "deferral negative",
        lambda: terms(deferral_months=-1),
        InvalidDeferralError,
        "deferral_out_of_range",
        "Le différé ne peut pas être négatif.",
    ),
    (
        "deferral without kind",
        lambda: terms(deferral_months=2),
        InvalidDeferralError,
        "deferral_kind_missing",
        "Un différé exige d'en préciser le type",
    ),
    (
        "anchor day 32",
        lambda: terms(anchor_day=32),
        InvalidDateError,
        "anchor_day_out_of_range",
        "Le jour d'échéance doit être compris entre 1 et 31.",
    ),
    (
        "datetime",
        lambda: terms(disbursement_date=datetime(2024, 1, 1, 12, tzinfo=UTC)),
        InvalidDateError,
        "invalid_date",
        "doit être une date",
    ),
    (
        "scheme amount",
        lambda: validate_terms(terms(principal=D("200")), SAINT_ETIENNE_LIMITS),
        InvalidAmountError,
        "amount_out_of_range",
        "Le montant doit être compris entre 300,00\u00a0€ et 3\u202f000,00\u00a0€.",
    ),
    (
        "scheme amount high",
        lambda: validate_terms(terms(principal=D("3000.01")), SAINT_ETIENNE_LIMITS),
        InvalidAmountError,
        "amount_out_of_range",
        "entre 300,00\u00a0€ et 3\u202f000,00\u00a0€",
    ),
    (
        "engine-wide bounds",
        lambda: validate_terms(terms(principal=D("100000.01")), Limits(D("1"), D("100000"))),
        InvalidAmountError,
        "amount_out_of_range",
        "Le montant doit être compris entre 1,00\u00a0€ et 100\u202f000,00\u00a0€.",
    ),
    (
        "scheme months",
        lambda: validate_terms(terms(months=48), SAINT_ETIENNE_LIMITS),
        InvalidDurationError,
        "duration_out_of_range",
        "La durée de remboursement doit être comprise entre 3 et 36 mois.",
    ),
    (
        "scheme deferral",
        lambda: validate_terms(
            terms(deferral_months=13, deferral_kind=DeferralKind.CAPITALISED), SAINT_ETIENNE_LIMITS
        ),
        InvalidDeferralError,
        "deferral_out_of_range",
        "Le différé ne peut pas dépasser 12 mois.",
    ),
    (
        "negative payment",
        lambda: Payment(START, D("-1")),
        InvalidPaymentError,
        "negative_payment",
        "Un paiement ne peut pas être négatif.",
    ),
    (
        "zero payment",
        lambda: Payment(START, D("0")),
        InvalidPaymentError,
        "zero_payment",
        "Un paiement doit être strictement positif.",
    ),
    (
        "payment before disbursement",
        lambda: allocate_payments(SCHEDULE, [Payment(date(2023, 12, 1), D("10"))], START),
        InvalidDateError,
        "date_before_disbursement",
        "La date de paiement est antérieure au décaissement.",
    ),
    (
        "as_of before disbursement",
        lambda: allocate_payments(SCHEDULE, [], date(2023, 1, 1)),
        InvalidDateError,
        "date_before_disbursement",
        "antérieure au décaissement",
    ),
    (
        "payoff before disbursement",
        lambda: payoff_quote(SCHEDULE, date(2023, 1, 1), 0),
        InvalidDateError,
        "date_before_disbursement",
        "antérieure au décaissement",
    ),
    (
        "payoff paid_through too high",
        lambda: payoff_quote(SCHEDULE, date(2024, 3, 1), 3),
        InvalidParameterError,
        "paid_through_out_of_range",
        "compris entre 0 et 1",
    ),
    (
        "partial negative",
        lambda: partial_repayment(SCHEDULE, date(2024, 3, 1), D("-10"), Keep.END_DATE),
        InvalidPaymentError,
        "negative_payment",
        "Un paiement ne peut pas être négatif.",
    ),
    (
        "partial too big",
        lambda: partial_repayment(SCHEDULE, date(2024, 3, 1), D("5000"), Keep.END_DATE),
        InvalidPaymentError,
        "amount_exceeds_payoff",
        "Le montant dépasse le solde à rembourser",
    ),
    (
        "partial below accrued",
        lambda: partial_repayment(SCHEDULE, date(2024, 3, 1), D("0.01"), Keep.END_DATE),
        InvalidPaymentError,
        "amount_too_small",
        "impayés et les intérêts courus",
    ),
    (
        "plan without arrears",
        lambda: repayment_plan(SCHEDULE, [], date(2024, 1, 20), 6),
        InvalidParameterError,
        "no_arrears",
        "Aucun impayé à rééchelonner",
    ),
    (
        "plan months 0",
        lambda: repayment_plan(SCHEDULE, [], date(2024, 5, 20), 0),
        InvalidDurationError,
        "duration_out_of_range",
        "au moins 1 mois",
    ),
    (
        "plan mode",
        lambda: repayment_plan(SCHEDULE, [], date(2024, 5, 20), 3, "both"),  # type: ignore[arg-type]
        InvalidParameterError,
        "invalid_plan_mode",
        "Le plan s'ajoute",
    ),
    (
        "buckets",
        lambda: arrears_state(SCHEDULE, date(2024, 5, 1), (30, 10)),
        InvalidParameterError,
        "invalid_buckets",
        "croissants",
    ),
    (
        "guarantee rate",
        lambda: guarantee_claim(D("100"), D("0"), D("1.5")),
        InvalidParameterError,
        "guarantee_rate_out_of_range",
        "Le taux de garantie",
    ),
]


@pytest.mark.parametrize(
    ("label", "call", "error", "code", "message"), CASES, ids=[c[0] for c in CASES]
)
def test_typed_french_errors(
    label: str,
    call: Callable[[], object],
    error: type[LoanEngineError],
    code: str,
    message: str,
) -> None:
    with pytest.raises(error) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == code
    assert message in str(err)
    assert str(err) == err.message


def test_valid_terms_pass_the_scheme_limits() -> None:
    t = terms(deferral_months=12, deferral_kind=DeferralKind.INTEREST_ONLY)
    assert validate_terms(t, SAINT_ETIENNE_LIMITS) is t
    assert validate_terms(t) is t
