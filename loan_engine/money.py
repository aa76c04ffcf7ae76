"""Money helpers: exact conversion and half-up rounding to the cent.

Displaying an amount is not the engine's job: ``microcredit.core.formatting`` writes it in French.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidAmountError

__all__ = [
    "CENT",
    "ZERO",
    "cents_to_money",
    "money_to_cents",
    "round_cents",
    "to_decimal",
    "to_money",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_NNBSP = "\u202f"  # narrow no-break space: a thousands separator accepted in input


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
