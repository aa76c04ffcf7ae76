"""Calendar helpers: month arithmetic with month-end clamping and APR year fractions."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction

from .errors import InvalidDateError, InvalidDurationError

__all__ = ["add_months", "check_date", "days_in_month", "months_between", "year_fraction"]

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """Number of days of ``month`` (1-12) in ``year``."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def check_date(value: object, what: str = "date") -> date:
    """Return ``value`` if it is a plain ``datetime.date`` (not a ``datetime``), else raise."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidDateError("invalid_date", f"La {what} doit être une date (sans heure).")
    return value


def add_months(anchor: date, k: int, day: int | None = None) -> date:
    """The date ``k`` months after ``anchor``, on ``day`` (default: the anchor's day).

    A day the target month lacks becomes that month's last day. Always computed from the anchor,
    never chained: 31 Jan + 1 → 28/29 Feb, 31 Jan + 2 → 31 Mar, 31 Jan + 3 → 30 Apr.

    Raises:
        InvalidDurationError: ``date_out_of_range`` if the result is outside years 1-9999.
    """
    if day is None:
        day = anchor.day
    total = anchor.year * 12 + anchor.month - 1 + k
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise InvalidDurationError("date_out_of_range", "La durée dépasse le calendrier.")
    month = month0 + 1
    last = days_in_month(year, month)
    return date(year, month, day if day <= last else last)


def months_between(start: date, end: date) -> int:
    """Calendar-month difference ``end`` − ``start`` ignoring days (month index of a due date)."""
    return (end.year - start.year) * 12 + end.month - start.month


def year_fraction(start: date, end: date) -> Fraction:
    """Interval from ``start`` to ``end`` in years for the APR (EU annex I, remark (c)/(d)).

    Whole months count 1/12 year each (a month is counted from ``start``'s day with month-end
    clamping, so 31 Jan → 28 Feb is one month); remaining days count 1/365 year each.
    """
    if end < start:
        raise InvalidDateError(
            "date_before_disbursement", "La date est antérieure au décaissement."
        )
    months = months_between(start, end)
    if months > 0 and add_months(start, months) > end:
        months -= 1
    rest = (end - add_months(start, months)).days
    return Fraction(months, 12) + Fraction(rest, 365)
