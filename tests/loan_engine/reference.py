"""Independent reference implementation of the schedule rules with ``fractions.Fraction``.

Written from LOAN_CONVENTIONS.md only (no engine code), used to cross-check the engine.
"""

from __future__ import annotations

import calendar
from datetime import date
from fractions import Fraction


def half_up_cents(x: Fraction) -> Fraction:
    """Round a non-negative amount in euros half-up to the cent."""
    cents = x * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


def due_date(anchor: date, day: int, k: int) -> date:
    """k months after the anchor, on ``day`` clamped to the month's last day."""
    month_index = anchor.month - 1 + k
    year = anchor.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last))


def reference_schedule(
    principal: Fraction,
    rate: Fraction,
    months: int,
    start: date,
    deferral: int = 0,
    kind: str = "none",
    anchor_day: int | None = None,
) -> list[tuple[date, Fraction, Fraction, Fraction, Fraction, Fraction]]:
    """Rows (due, payment, interest, principal, balance, capitalised)."""
    if anchor_day is None:
        anchor, day = start, start.day
    else:
        anchor = date(
            start.year,
            start.month,
            min(anchor_day, calendar.monthrange(start.year, start.month)[1]),
        )
        day = anchor_day
    i = rate / 12
    rows = []
    balance = principal
    k = 0
    for _ in range(deferral):
        k += 1
        interest = half_up_cents(balance * rate / 12)
        if kind == "capitalised":
            balance += interest
            rows.append(
                (due_date(anchor, day, k), Fraction(0), interest, Fraction(0), balance, interest)
            )
        else:
            rows.append(
                (due_date(anchor, day, k), interest, interest, Fraction(0), balance, Fraction(0))
            )
    if rate == 0:
        a = half_up_cents(balance / months)
    else:
        a = half_up_cents(balance * i / (1 - (1 + i) ** -months))
    for j in range(months):
        k += 1
        interest = half_up_cents(balance * rate / 12)
        princ = balance if j == months - 1 else min(a - interest, balance)
        balance -= princ
        rows.append(
            (due_date(anchor, day, k), interest + princ, interest, princ, balance, Fraction(0))
        )
    return rows
