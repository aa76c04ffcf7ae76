"""French display of money, percents and dates: the one place the project writes them.

« 3 000,00 € », « 1,76 % », « 05/03/2024 ». The thousands separator is a narrow no-break space
(U+202F) and a no-break space (U+00A0) precedes ``€`` and ``%``, as French typography wants.

Pure Python (no Django): the business rules (``rules.py``, under the no-Django contract) write
their French messages with it, and the template filters of ``core/templatetags/formatting.py``
show the same text in pages, PDFs and e-mails. Babel is not a dependency of the project, and
Django's ``numberformat`` cannot be imported by the rules: the few lines below are enough. In
templates, dates use the locale's formats (``|date:"SHORT_DATE_FORMAT"``, ``d/m/Y`` in French);
:func:`format_date` writes the same French short date from Python, :func:`format_datetime` the
same date followed by the time of day.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "format_date",
    "format_datetime",
    "format_eur",
    "format_installment",
    "format_month",
    "format_percent",
]

_CENT = Decimal("0.01")
_NNBSP = "\u202f"  # narrow no-break space: thousands separator
_NBSP = "\u00a0"  # no-break space: before the currency / percent sign


def _group(digits: str) -> str:
    """``"1234567"`` → ``"1 234 567"`` (narrow no-break spaces between groups of three)."""
    parts = []
    while len(digits) > 3:
        parts.append(digits[-3:])
        digits = digits[:-3]
    parts.append(digits)
    return _NNBSP.join(reversed(parts))


def format_count(value: int) -> str:
    """A count in French: ``1234`` → ``"1 234"`` (narrow no-break spaces between thousands)."""
    sign = "-" if value < 0 else ""
    return sign + _group(str(abs(value)))


def format_eur(value: Decimal) -> str:
    """French euro formatting: ``Decimal("3000")`` → ``"3 000,00 €"``.

    The value is rounded half-up to the cent for display.
    """
    cents = int(value.quantize(_CENT, rounding=ROUND_HALF_UP).scaleb(2))
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{_group(str(units))},{rest:02d}{_NBSP}€"


def format_installment(
    installment: Decimal, last: Decimal | None = None, *, last_word: str = "dernière"
) -> str:
    """A loan's monthly installment, and its last one where it differs.

    ``format_installment(Decimal("85.60"), Decimal("85.62"))`` → ``"85,60 € (dernière 85,62 €)"``;
    ``"85,60 €"`` when ``last`` is None or shows the same amount. The engine's schedules end with
    a last row that takes the remaining principal, a few cents above or below the others: every
    page and message that states an installment writes both this way. ``last_word`` is the
    translated word when a page shows it (the ``installment`` template filter).
    """
    text = format_eur(installment)
    if last is not None:
        last_text = format_eur(last)
        if last_text != text:
            text += f" ({last_word} {last_text})"
    return text


def format_percent(value: Decimal, places: int = 2) -> str:
    """French percent formatting of a value in percent: ``Decimal("1.76")`` → ``"1,76 %"``.

    The value is rounded half-up to ``places`` decimals for display.
    """
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(q):f}"
    units, _, frac = text.partition(".")
    sign = "-" if q < 0 else ""
    body = _group(units) + ("," + frac if frac else "")
    return f"{sign}{body}{_NBSP}%"


def format_date(value: date) -> str:
    """French short date, as ``|date:"SHORT_DATE_FORMAT"`` shows it in French: ``05/03/2024``."""
    return f"{value:%d/%m/%Y}"


def format_month(value: date) -> str:
    """A month as French pages write it (a budget's, a rights estimate's): ``03/2024``."""
    return f"{value:%m/%Y}"


def format_datetime(value: datetime) -> str:
    """French short date and time of day: ``05/03/2024 14:07``.

    The value is written as given: no time-zone conversion (the caller localises it if needed).
    """
    return f"{value:%d/%m/%Y %H:%M}"
