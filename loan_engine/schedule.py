"""Amortisation schedule (échéancier): constant installments, deferral, due dates.

Rounding points (half-up to the cent, nowhere else):

* a period's interest ``balance × annual_rate / 12`` (multiplied before dividing, rounded once);
* the constant installment ``A = P·i / (1 − (1+i)^−n)`` with ``i = annual_rate / 12``;
* with a zero rate, ``A = P / n``.

Internally everything is exact integer arithmetic on cents and on the rate as a fraction
``p/q``; the public values are ``Decimal`` with two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .dates import days_in_month
from .errors import InvalidDurationError
from .money import CENT, ZERO
from .terms import DeferralKind, LoanTerms

__all__ = [
    "KIND_DEFERRAL",
    "KIND_EARLY_REPAYMENT",
    "KIND_INSTALLMENT",
    "KIND_PLAN",
    "Schedule",
    "ScheduleRow",
    "build_schedule",
]

KIND_DEFERRAL = "deferral"
KIND_INSTALLMENT = "installment"
KIND_EARLY_REPAYMENT = "early-repayment"
KIND_PLAN = "plan"


class ScheduleRow(NamedTuple):
    """One row of a schedule. All amounts are ``Decimal`` with 2 decimals, never negative.

    Identity on every row: ``payment = interest − capitalised + principal`` and
    ``balance = previous balance − principal + capitalised``.

    Attributes:
        number: 1-based row number (deferral months are numbered too).
        due_date: date the row falls due.
        payment: amount the borrower pays on that date.
        interest: interest of the period (rounded once, half-up).
        principal: principal repaid by the row.
        balance: outstanding principal after the row.
        kind: ``"deferral"``, ``"installment"``, ``"early-repayment"`` (a lump sum of a
            partial or total early repayment) or ``"plan"`` (a row carrying a repayment plan).
        capitalised: interest added to the balance instead of being paid (capitalised
            deferral); 0 elsewhere.
        arrears_interest: part of ``interest`` that is overdue interest rescheduled by a
            repayment plan (it bears no interest itself); 0 elsewhere.
    """

    number: int
    due_date: date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal
    kind: str
    capitalised: Decimal = ZERO
    arrears_interest: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule version.

    Attributes:
        terms: the loan terms it was built from.
        rows: the rows, in due-date order.
        installment: the regular constant installment in force (the formula's ``A``).
        total_interest: sum of all rows' interest, capitalised interest included.
        total_due: sum of all payments. Identity: ``total_due = principal + total_interest``
            (capitalised interest is interest that the installments repay as principal).
        version: 1 for the initial schedule, +1 for each partial repayment or repayment plan.
    """

    terms: LoanTerms
    rows: tuple[ScheduleRow, ...]
    installment: Decimal
    total_interest: Decimal
    total_due: Decimal
    version: int = 1

    @property
    def total_capitalised(self) -> Decimal:
        """Sum of the interest capitalised during a capitalised deferral."""
        return sum((r.capitalised for r in self.rows), ZERO)

    @property
    def end_date(self) -> date:
        """Due date of the last row."""
        return self.rows[-1].due_date

    def balance_after(self, number: int) -> Decimal:
        """Outstanding principal after row ``number`` (0 → before the first row)."""
        return self.terms.principal if number == 0 else self.rows[number - 1].balance


def rate_ratio(rate: Decimal) -> tuple[int, int]:
    """The annual rate as an exact reduced fraction ``(p, q)``."""
    num, den = rate.as_integer_ratio()
    return num, den


def monthly_interest(balance: int, p: int, q: int) -> int:
    """``balance × p/q / 12`` in cents, rounded half-up (balance ≥ 0)."""
    return (2 * balance * p + 12 * q) // (24 * q)


def prorata_interest(balance: int, p: int, q: int, days: int, period_days: int) -> int:
    """Monthly interest pro rata ``days / period_days``, rounded half-up once."""
    den = 12 * q * period_days
    return (2 * balance * p * days + den) // (2 * den)


def installment_cents(balance: int, n: int, p: int, q: int) -> int:
    """Constant installment ``A = B·i / (1 − (1+i)^−n)``, ``i = p/(12q)``, half-up, in cents.

    With a zero rate, ``A = B / n`` half-up. Computed exactly with integers.
    """
    if n < 1:
        return balance
    if p == 0:
        return (2 * balance + n) // (2 * n)
    b = 12 * q
    gn: int = pow(b + p, n)
    bn: int = pow(b, n)
    num = balance * p * gn
    den = b * (gn - bn)
    return (2 * num + den) // (2 * den)


def grid_dates(anchor: date, day: int, first: int, count: int) -> list[date]:
    """Due dates for month indices ``first .. first+count-1`` after ``anchor`` on ``day``."""
    total = anchor.year * 12 + anchor.month - 1 + first
    if count and not 1 <= (total + count - 1) // 12 <= 9999:
        raise InvalidDurationError("date_out_of_range", "La durée dépasse le calendrier.")
    year, month0 = divmod(total, 12)
    month = month0 + 1
    out: list[date] = []
    append = out.append
    for _ in range(count):
        if day <= 28:
            append(date(year, month, day))
        else:
            last = days_in_month(year, month)
            append(date(year, month, day if day <= last else last))
        month += 1
        if month == 13:
            month = 1
            year += 1
    return out


def build_schedule(terms: LoanTerms) -> Schedule:
    """Build the initial schedule (version 1) of ``terms``.

    Deferral rows come first (interest-only: pay the month's interest; capitalised: pay
    nothing, the rounded interest is added to the balance), then ``terms.months`` constant
    installments amortising the (possibly grown) balance; the last installment takes whatever
    principal remains so that principals sum exactly to the amount lent plus capitalised
    interest. If an amount is so small that the rounded installment would repay it early,
    principal is capped at the balance (rows of 0,00 € may then follow).
    """
    p, q = rate_ratio(terms.annual_rate)
    qq = 12 * q
    den2 = 2 * qq
    p2 = 2 * p
    d = terms.deferral_months
    n = terms.months
    dates = grid_dates(terms.anchor, terms.due_day, 1, d + n)
    mk = CENT.__mul__
    zero = ZERO
    new = tuple.__new__
    row_t = ScheduleRow
    rows: list[ScheduleRow] = []
    append = rows.append
    bal = int(terms.principal.scaleb(2))
    total_int = 0
    total_pay = 0
    if d:
        capitalised = terms.deferral_kind is DeferralKind.CAPITALISED
        for k in range(d):
            it = (bal * p2 + qq) // den2
            total_int += it
            itd = mk(it)
            if capitalised:
                bal += it
                append(
                    new(
                        row_t, (k + 1, dates[k], zero, itd, zero, mk(bal), KIND_DEFERRAL, itd, zero)
                    )
                )
            else:
                total_pay += it
                append(
                    new(
                        row_t, (k + 1, dates[k], itd, itd, zero, mk(bal), KIND_DEFERRAL, zero, zero)
                    )
                )
    a = installment_cents(bal, n, p, q)
    a_dec = mk(a)
    kind = KIND_INSTALLMENT
    for k in range(d, d + n - 1):
        it = (bal * p2 + qq) // den2
        pr = a - it
        if pr <= bal:
            bal -= pr
            total_int += it
            total_pay += a
            append(new(row_t, (k + 1, dates[k], a_dec, mk(it), mk(pr), mk(bal), kind, zero, zero)))
        else:  # degenerate tiny amount: the balance is repaid before the end
            total_int += it
            pay = it + bal
            total_pay += pay
            append(new(row_t, (k + 1, dates[k], mk(pay), mk(it), mk(bal), zero, kind, zero, zero)))
            bal = 0
    it = (bal * p2 + qq) // den2
    pay = it + bal
    total_int += it
    total_pay += pay
    append(new(row_t, (d + n, dates[-1], mk(pay), mk(it), mk(bal), zero, kind, zero, zero)))
    return Schedule(terms, tuple(rows), a_dec, mk(total_int), mk(total_pay), 1)
