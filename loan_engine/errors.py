"""Typed errors raised by the loan engine.

Every invalid input raises a subclass of :class:`LoanEngineError` (itself a ``ValueError``) that
carries a stable machine ``code`` and a French, human-readable message (``str(err)``).
"""

from __future__ import annotations

__all__ = [
    "CalculationError",
    "InvalidAmountError",
    "InvalidDateError",
    "InvalidDeferralError",
    "InvalidDurationError",
    "InvalidParameterError",
    "InvalidPaymentError",
    "InvalidRateError",
    "LoanEngineError",
]


class LoanEngineError(ValueError):
    """Base class of every error raised by the engine.

    Attributes:
        code: stable machine-readable identifier (e.g. ``"amount_out_of_range"``).
        message: French message shown to users; also what ``str(err)`` returns.
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InvalidAmountError(LoanEngineError):
    """An amount is malformed (float, more than two decimals, not a number) or out of range."""


class InvalidRateError(LoanEngineError):
    """A rate is out of range or malformed."""


class InvalidDurationError(LoanEngineError):
    """A number of months is out of range or malformed."""


class InvalidDeferralError(LoanEngineError):
    """A deferral (différé) is out of range or inconsistent."""


class InvalidDateError(LoanEngineError):
    """A date is malformed or falls before the disbursement."""


class InvalidPaymentError(LoanEngineError):
    """A payment or an early repayment is invalid."""


class InvalidParameterError(LoanEngineError):
    """Any other invalid parameter (buckets, plan mode, guarantee rate, ...)."""


class CalculationError(LoanEngineError):
    """The requested figure does not exist for these inputs (e.g. no APR solves the equation)."""
