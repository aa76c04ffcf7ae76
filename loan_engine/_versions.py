"""Internal helpers shared by schedule versions (early repayment, repayment plans)."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from decimal import Decimal

from .money import CENT, ZERO
from .schedule import (
    KIND_DEFERRAL,
    KIND_EARLY_REPAYMENT,
    Schedule,
    ScheduleRow,
    grid_dates,
    installment_cents,
    monthly_interest,
    prorata_interest,
    rate_ratio,
)
from .terms import DeferralKind

__all__ = [
    "Accrual",
    "accrual",
    "amortise",
    "c",
    "finish",
    "m",
]


def c(value: Decimal) -> int:
    """Cents of a 2-decimal amount."""
    return int(value.scaleb(2))


def m(cents: int) -> Decimal:
    """2-decimal amount of a number of cents."""
    return CENT * cents


class Accrual:
    """Where ``on_date`` falls in a schedule and the interest accrued since the last due date."""

    __slots__ = ("balance", "elapsed", "interest", "k0", "next_due", "period_days")

    def __init__(self, schedule: Schedule, on_date: dt.date) -> None:
        rows = schedule.rows
        terms = schedule.terms
        k0 = bisect_right([r.due_date for r in rows], on_date)
        self.k0 = k0
        self.balance = c(schedule.balance_after(k0))
        last = rows[k0 - 1].due_date if k0 else terms.disbursement_date
        regular = terms.disbursement_date
        for j in range(k0 - 1, -1, -1):
            if rows[j].kind != KIND_EARLY_REPAYMENT:
                regular = rows[j].due_date
                break
        self.next_due: dt.date | None = rows[k0].due_date if k0 < len(rows) else None
        self.elapsed = (on_date - last).days
        self.period_days = (self.next_due - regular).days if self.next_due is not None else 0
        p, q = rate_ratio(terms.annual_rate)
        if self.next_due is None or self.balance == 0 or self.elapsed == 0:
            self.interest = 0
        else:
            self.interest = prorata_interest(self.balance, p, q, self.elapsed, self.period_days)


def accrual(schedule: Schedule, on_date: dt.date) -> Accrual:
    """The :class:`Accrual` of ``schedule`` on ``on_date``."""
    return Accrual(schedule, on_date)


def amortise(
    schedule: Schedule,
    balance: int,
    dates: list[dt.date],
    first_number: int,
    *,
    deferral_rows: int,
    installment: int | None,
    first_fraction: tuple[int, int] | None,
    kind: str,
) -> tuple[list[ScheduleRow], int]:
    """Rows amortising ``balance`` on ``dates`` (deferral rows first).

    ``installment`` None → recompute the constant installment over the amortising rows
    (keep the end date); otherwise keep it (fewer rows, the last adjusted; never more rows than
    dates). ``first_fraction`` = (days, period_days) pro-rates the first row's interest.
    Returns the rows and the installment used.
    """
    terms = schedule.terms
    p, q = rate_ratio(terms.annual_rate)
    rows: list[ScheduleRow] = []
    number = first_number
    bal = balance

    def interest(idx: int) -> int:
        if idx == 0 and first_fraction is not None:
            return prorata_interest(bal, p, q, first_fraction[0], first_fraction[1])
        return monthly_interest(bal, p, q)

    capitalised = terms.deferral_kind is DeferralKind.CAPITALISED
    for idx in range(deferral_rows):
        it = interest(idx)
        if capitalised:
            bal += it
            rows.append(
                ScheduleRow(number, dates[idx], ZERO, m(it), ZERO, m(bal), KIND_DEFERRAL, m(it))
            )
        else:
            rows.append(ScheduleRow(number, dates[idx], m(it), m(it), ZERO, m(bal), KIND_DEFERRAL))
        number += 1
    count = len(dates) - deferral_rows
    a = installment_cents(bal, count, p, q) if installment is None else installment
    for pos in range(count):
        idx = deferral_rows + pos
        it = interest(idx)
        last = pos == count - 1 or (installment is not None and bal + it <= a)
        pr = bal if last or a - it > bal else a - it
        bal -= pr
        rows.append(ScheduleRow(number, dates[idx], m(it + pr), m(it), m(pr), m(bal), kind))
        number += 1
        if last:
            break
    return rows, a


def extend_grid(schedule: Schedule, after: dt.date, count: int) -> list[dt.date]:
    """``count`` grid due dates (anchor + k months) strictly after ``after``."""
    terms = schedule.terms
    anchor = terms.anchor
    k = (after.year - anchor.year) * 12 + after.month - anchor.month
    k = max(k, 1)
    first = grid_dates(anchor, terms.due_day, k, 1)[0]
    while first <= after:
        k += 1
        first = grid_dates(anchor, terms.due_day, k, 1)[0]
    return grid_dates(anchor, terms.due_day, k, count)


def finish(schedule: Schedule, rows: list[ScheduleRow], installment: Decimal) -> Schedule:
    """A new version from full rows (renumbered in order), totals recomputed."""
    numbered = tuple(r._replace(number=i + 1) for i, r in enumerate(rows))
    total_interest = sum((r.interest for r in numbered), ZERO)
    total_due = sum((r.payment for r in numbered), ZERO)
    return Schedule(
        schedule.terms, numbered, installment, total_interest, total_due, schedule.version + 1
    )
