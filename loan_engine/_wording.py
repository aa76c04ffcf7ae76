"""French amounts and percents inside the engine's own error and check messages (private).

The engine speaks French in its messages (``str(err)``, ``UsuryCheck.message``) but imports
nothing of the project, so it writes its few figures itself. The project's display of money and
percents is ``microcredit.core.formatting``; ``tests/core/test_formatting.py`` checks that the
two write every amount and percent the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_NNBSP = "\u202f"  # narrow no-break space: thousands separator
_NBSP = "\u00a0"  # no-break space: before the currency / percent sign


def _french_number(value: Decimal, places: int) -> str:
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    units, _, frac = f"{abs(q):f}".partition(".")
    groups = []
    while len(units) > 3:
        groups.append(units[-3:])
        units = units[:-3]
    groups.append(units)
    sign = "-" if q < 0 else ""
    return sign + _NNBSP.join(reversed(groups)) + ("," + frac if frac else "")


def eur(value: Decimal) -> str:
    """``Decimal("3000")`` → ``"3 000,00 €"`` (rounded half-up to the cent)."""
    return f"{_french_number(value, 2)}{_NBSP}€"


def percent(value: Decimal) -> str:
    """``Decimal("1.76")`` → ``"1,76 %"`` (rounded half-up to two decimals)."""
    return f"{_french_number(value, 2)}{_NBSP}%"
