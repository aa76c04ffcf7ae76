"""Money helpers: exact conversion, half-up rounding to the cent and French formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidAmountError

__all__ = [
    "CENT",
    "ZERO",
    "cents_to_money",
    "format_eur",
    "format_percent",
    "money_to_cents",
    "round_cents",
    "to_decimal",
    "to_money",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_NNBSP = "\u202f"  # narrow no-break space: thousands separator
_NBSP = "\u00a0"  # no-break space: before the currency / percent sign


def to_decimal(value: object, *, what: str = "montant") -> Decimal:
    """Convert ``value`` (``Decimal``, ``int`` or ``str``) to a finite ``Decimal``.

    Floats (and bools) are refused: they cannot represent cents exactly.

    Raises:
        InvalidAmountError: code ``float_not_allowed`` or ``invalid_amount``.
    """
    if isinstance(value, bool):
        raise InvalidAmountError("invalid_amount", f"Valeur invalide pour le {what} : {value!r}.")
    if isinstance(value, float):
        raise InvalidAmountError(
            "float_not_allowed",
            "Les montants et taux doivent être exacts (Decimal, entier ou texte), "
            "jamais des nombres à virgule flottante.",
        )
    if isinstance(value, Decimal):
        dec = value
    elif isinstance(value, int):
        dec = Decimal(value)
    elif isinstance(value, str):
        try:
            dec = Decimal(value.strip().replace(",", ".").replace(_NNBSP, "").replace(" ", ""))
        except InvalidOperation:
            raise InvalidAmountError(
                "invalid_amount", f"Valeur invalide pour le {what} : « {value} »."
            ) from None
    else:
        raise InvalidAmountError("invalid_amount", f"Valeur invalide pour le {what} : {value!r}.")
    if not dec.is_finite():
        raise InvalidAmountError("invalid_amount", f"Valeur invalide pour le {what} : {value!r}.")
    return dec


def to_money(value: object) -> Decimal:
    """Return ``value`` as an exact 2-decimal ``Decimal`` amount in euros.

    Accepts ``Decimal``, ``int`` or ``str`` (``"1234.5"``, ``"1 234,50"``); refuses ``float``.
    No rounding happens here: a value with a non-zero third decimal is an error.

    Raises:
        InvalidAmountError: codes ``float_not_allowed``, ``invalid_amount``, ``amount_not_cents``.
    """
    dec = to_decimal(value)
    quantized = dec.quantize(CENT, rounding=ROUND_HALF_UP)
    if quantized != dec:
        raise InvalidAmountError(
            "amount_not_cents", "Un montant ne peut pas avoir plus de deux décimales."
        )
    return quantized


def round_cents(value: Decimal) -> Decimal:
    """Round ``value`` half-up to the cent (``ROUND_HALF_UP``), e.g. 4.375 → 4.38."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money_to_cents(value: Decimal) -> int:
    """Exact integer number of cents of a 2-decimal amount (internal helper)."""
    return int(value.scaleb(2))


def cents_to_money(cents: int) -> Decimal:
    """``Decimal`` with exactly two decimals from an integer number of cents."""
    return Decimal(cents).scaleb(-2)


def _group(digits: str) -> str:
    parts = []
    while len(digits) > 3:
        parts.append(digits[-3:])
        digits = digits[:-3]
    parts.append(digits)
    return _NNBSP.join(reversed(parts))


def format_eur(value: Decimal) -> str:
    """French euro formatting: ``Decimal("3000")`` → ``"3 000,00 €"``.

    The thousands separator is a narrow no-break space (U+202F); a no-break space (U+00A0)
    separates the amount from ``€``. The value is rounded half-up to the cent for display.
    """
    cents = money_to_cents(round_cents(value))
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{_group(str(units))},{rest:02d}{_NBSP}€"


def format_percent(value: Decimal, places: int = 2) -> str:
    """French percent formatting of a value in percent: ``Decimal("1.76")`` → ``"1,76 %"``."""
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(q):f}"
    units, _, frac = text.partition(".")
    sign = "-" if q < 0 else ""
    body = _group(units) + ("," + frac if frac else "")
    return f"{sign}{body}{_NBSP}%"
