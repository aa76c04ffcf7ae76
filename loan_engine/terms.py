"""Loan terms, scheme limits and their validation."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ._wording import eur, percent
from .dates import check_date, days_in_month
from .errors import (
    InvalidAmountError,
    InvalidDateError,
    InvalidDeferralError,
    InvalidDurationError,
    InvalidRateError,
)
from .money import to_decimal, to_money

__all__ = [
    "SAINT_ETIENNE_LIMITS",
    "Bounds",
    "DeferralKind",
    "Limits",
    "LoanTerms",
    "loan_terms",
    "validate_terms",
]


class DeferralKind(enum.Enum):
    """Kind of deferral (différé) before the amortising installments.

    Its values are the ones stored (the Django choices take them from here)."""

    NONE = "none"
    INTEREST_ONLY = "interest_only"  # différé partiel: each deferral month pays its interest
    CAPITALISED = "capitalised"  # différé total: each month's interest is added to the balance


def _check_int(value: object, code: str, message: str, error: type[Exception]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(code, message)
    return value


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """The terms of one loan.

    Attributes:
        principal: amount lent, in euros, 2 decimals (``Decimal``, ``int`` or ``str`` accepted).
        annual_rate: nominal annual rate as a fraction (``Decimal("0.0175")`` for 1.75 %).
        months: number *n* of amortising installments (the deferral is in addition).
        disbursement_date: date of the drawdown.
        deferral_months: number *d* of deferral months before the installments.
        deferral_kind: interest only or capitalised (must not be ``NONE`` when *d* > 0).
        anchor_day: optional day of month for due dates; the anchor is then that day in the
            disbursement month (clamped), otherwise the disbursement date itself.

    Construction checks mathematical validity only (amount > 0, months ≥ 1, 0 ≤ rate < 1,
    deferral ≥ 0, anchor day 1-31); scheme bounds are checked by :func:`validate_terms`.
    """

    principal: Decimal
    annual_rate: Decimal
    months: int
    disbursement_date: date
    deferral_months: int = 0
    deferral_kind: DeferralKind = DeferralKind.NONE
    anchor_day: int | None = None

    def __post_init__(self) -> None:
        principal = to_money(self.principal)
        if principal <= 0:
            raise InvalidAmountError(
                "amount_out_of_range", "Le montant doit être strictement positif."
            )
        rate = to_decimal(self.annual_rate, what="taux")
        if not Decimal(0) <= rate < Decimal(1):
            raise InvalidRateError(
                "rate_out_of_range",
                "Le taux annuel doit être compris entre 0 % (inclus) et 100 % (exclu).",
            )
        _check_int(
            self.months,
            "invalid_duration",
            "La durée doit être un nombre entier de mois.",
            InvalidDurationError,
        )
        if self.months < 1:
            raise InvalidDurationError(
                "duration_out_of_range", "La durée doit être d'au moins 1 mois."
            )
        check_date(self.disbursement_date, "date de décaissement")
        _check_int(
            self.deferral_months,
            "invalid_deferral",
            "Le différé doit être un nombre entier de mois.",
            InvalidDeferralError,
        )
        if self.deferral_months < 0:
            raise InvalidDeferralError(
                "deferral_out_of_range", "Le différé ne peut pas être négatif."
            )
        try:
            kind = DeferralKind(self.deferral_kind)
        except ValueError:
            raise InvalidDeferralError(
                "invalid_deferral_kind", "Type de différé inconnu (partiel ou total)."
            ) from None
        if self.deferral_months > 0 and kind is DeferralKind.NONE:
            raise InvalidDeferralError(
                "deferral_kind_missing",
                "Un différé exige d'en préciser le type : partiel (intérêts seuls) ou total.",
            )
        if self.anchor_day is not None:
            _check_int(
                self.anchor_day,
                "anchor_day_out_of_range",
                "Le jour d'échéance doit être compris entre 1 et 31.",
                InvalidDateError,
            )
            if not 1 <= self.anchor_day <= 31:
                raise InvalidDateError(
                    "anchor_day_out_of_range", "Le jour d'échéance doit être compris entre 1 et 31."
                )
        if self.months + self.deferral_months > 1200:
            raise InvalidDurationError(
                "duration_out_of_range", "La durée totale ne peut pas dépasser 1 200 mois."
            )
        object.__setattr__(self, "principal", principal)
        object.__setattr__(self, "annual_rate", rate)
        object.__setattr__(self, "deferral_kind", kind)

    @property
    def anchor(self) -> date:
        """The due-date anchor: the disbursement date, or ``anchor_day`` in its month."""
        d = self.disbursement_date
        if self.anchor_day is None:
            return d
        return d.replace(day=min(self.anchor_day, days_in_month(d.year, d.month)))

    @property
    def due_day(self) -> int:
        """Day of month the due dates aim at (clamped to each month's length)."""
        return self.disbursement_date.day if self.anchor_day is None else self.anchor_day

    @property
    def total_periods(self) -> int:
        """Deferral months plus amortising installments."""
        return self.deferral_months + self.months


def loan_terms(
    *,
    principal: Decimal,
    months: int,
    disbursement_date: date,
    rate_percent: Decimal | None = None,
    annual_rate: Decimal | None = None,
    deferral_months: int = 0,
    deferral_kind: DeferralKind | str = DeferralKind.NONE,
) -> LoanTerms:
    """The one builder of terms from stored values (a dossier's request, a bank's decision, a
    loan) or a form's: the rate in percent (``rate_percent=Decimal("1.750")`` → 0.0175) or as a
    fraction (``annual_rate``), exactly one of them; the deferral kind as stored
    (``"interest_only"``) or as a :class:`DeferralKind`.

    A deferral of 0 months has no kind, and a deferral whose kind is ``NONE`` has no months:
    both become "no deferral". An unknown kind raises ``InvalidDeferralError``.
    """
    if rate_percent is not None and annual_rate is None:
        rate = rate_percent / Decimal(100)
    elif annual_rate is not None and rate_percent is None:
        rate = annual_rate
    else:
        raise TypeError("loan_terms takes either rate_percent or annual_rate")
    try:
        kind = DeferralKind(deferral_kind)
    except ValueError:
        raise InvalidDeferralError(
            "invalid_deferral_kind", "Type de différé inconnu (partiel ou total)."
        ) from None
    if not deferral_months or kind is DeferralKind.NONE:
        deferral_months, kind = 0, DeferralKind.NONE
    return LoanTerms(
        principal=principal,
        annual_rate=rate,
        months=months,
        disbursement_date=disbursement_date,
        deferral_months=deferral_months,
        deferral_kind=kind,
    )


@dataclass(frozen=True, slots=True)
class Limits:
    """A scheme's bounds (all optional), e.g. Saint-Étienne: 300-3000 €, 3-36 months, 12 months
    of deferral. Passed to :func:`validate_terms`; the engine itself never assumes them."""

    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_months: int | None = None
    max_months: int | None = None
    max_deferral_months: int | None = None
    max_rate: Decimal | None = None
    allowed_deferral_kinds: frozenset[DeferralKind] | None = None


Bounds = Limits
"""Alias of :class:`Limits`."""

SAINT_ETIENNE_LIMITS = Limits(
    min_amount=Decimal("300.00"),
    max_amount=Decimal("3000.00"),
    min_months=3,
    max_months=36,
    max_deferral_months=12,
)
"""Saint-Étienne's default scheme bounds (parameters are data: callers pass their own)."""


def validate_terms(terms: LoanTerms, limits: Limits | None = None) -> LoanTerms:
    """Check ``terms`` against a scheme's ``limits`` and return them unchanged.

    Raises the same typed errors as the engine, with the scheme's bounds in the message, e.g.
    ``InvalidAmountError("amount_out_of_range", "Le montant doit être compris entre 300,00 € et
    3 000,00 €.")``.
    """
    if limits is None:
        return terms
    lo, hi = limits.min_amount, limits.max_amount
    if (lo is not None and terms.principal < lo) or (hi is not None and terms.principal > hi):
        if lo is not None and hi is not None:
            msg = f"Le montant doit être compris entre {eur(lo)} et {eur(hi)}."
        elif lo is not None:
            msg = f"Le montant doit être d'au moins {eur(lo)}."
        else:
            msg = f"Le montant ne peut pas dépasser {eur(hi or Decimal(0))}."
        raise InvalidAmountError("amount_out_of_range", msg)
    mlo, mhi = limits.min_months, limits.max_months
    if (mlo is not None and terms.months < mlo) or (mhi is not None and terms.months > mhi):
        if mlo is not None and mhi is not None:
            msg = f"La durée de remboursement doit être comprise entre {mlo} et {mhi} mois."
        elif mlo is not None:
            msg = f"La durée de remboursement doit être d'au moins {mlo} mois."
        else:
            msg = f"La durée de remboursement ne peut pas dépasser {mhi} mois."
        raise InvalidDurationError("duration_out_of_range", msg)
    dmax = limits.max_deferral_months
    if dmax is not None and terms.deferral_months > dmax:
        raise InvalidDeferralError(
            "deferral_out_of_range", f"Le différé ne peut pas dépasser {dmax} mois."
        )
    kinds = limits.allowed_deferral_kinds
    if kinds is not None and terms.deferral_months > 0 and terms.deferral_kind not in kinds:
        raise InvalidDeferralError(
            "deferral_kind_not_allowed", "Ce type de différé n'est pas proposé par le dispositif."
        )
    if limits.max_rate is not None and terms.annual_rate > limits.max_rate:
        raise InvalidRateError(
            "rate_out_of_range",
            f"Le taux annuel ne peut pas dépasser {percent(limits.max_rate * 100)}.",
        )
    return terms
