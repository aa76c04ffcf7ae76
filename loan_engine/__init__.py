"""loan_engine: exact (Decimal, to the cent) loan computations for social micro-credit.

Pure standard library. See ``README.md`` in this package for the rules it implements.
"""

from .apr import annual_percentage_rate, apr_from_cash_flows, nominal_equivalent_percent
from .bonus import bonification_amount, guarantee_claim, net_cost_after_bonification
from .dates import add_months, year_fraction
from .early import Keep, PayoffQuote, partial_repayment, payoff_quote
from .errors import (
    CalculationError,
    InvalidAmountError,
    InvalidDateError,
    InvalidDeferralError,
    InvalidDurationError,
    InvalidParameterError,
    InvalidPaymentError,
    InvalidRateError,
    LoanEngineError,
)
from .money import round_cents, to_money
from .payments import (
    DEFAULT_BUCKETS,
    ArrearsState,
    InstallmentStatus,
    LoanPosition,
    Payment,
    allocate_payments,
    arrears_state,
    bucket_label,
    par30,
    portfolio_at_risk_ratio,
)
from .plans import repayment_plan
from .schedule import (
    KIND_DEFERRAL,
    KIND_EARLY_REPAYMENT,
    KIND_INSTALLMENT,
    KIND_PLAN,
    Schedule,
    ScheduleRow,
    build_schedule,
)
from .terms import (
    SAINT_ETIENNE_LIMITS,
    Bounds,
    DeferralKind,
    Limits,
    LoanTerms,
    loan_terms,
    validate_terms,
)
from .usury import UsuryCheck, UsuryThreshold, check_usury

__all__ = [
    "DEFAULT_BUCKETS",
    "KIND_DEFERRAL",
    "KIND_EARLY_REPAYMENT",
    "KIND_INSTALLMENT",
    "KIND_PLAN",
    "SAINT_ETIENNE_LIMITS",
    "ArrearsState",
    "Bounds",
    "CalculationError",
    "DeferralKind",
    "InstallmentStatus",
    "InvalidAmountError",
    "InvalidDateError",
    "InvalidDeferralError",
    "InvalidDurationError",
    "InvalidParameterError",
    "InvalidPaymentError",
    "InvalidRateError",
    "Keep",
    "Limits",
    "LoanEngineError",
    "LoanPosition",
    "LoanTerms",
    "Payment",
    "PayoffQuote",
    "Schedule",
    "ScheduleRow",
    "UsuryCheck",
    "UsuryThreshold",
    "add_months",
    "allocate_payments",
    "annual_percentage_rate",
    "apr_from_cash_flows",
    "arrears_state",
    "bonification_amount",
    "bucket_label",
    "build_schedule",
    "check_usury",
    "guarantee_claim",
    "loan_terms",
    "net_cost_after_bonification",
    "nominal_equivalent_percent",
    "par30",
    "partial_repayment",
    "payoff_quote",
    "portfolio_at_risk_ratio",
    "repayment_plan",
    "round_cents",
    "to_money",
    "validate_terms",
    "year_fraction",
]
