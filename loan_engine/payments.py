"""Payments: allocation to installments, loan position, arrears buckets and PAR30."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import NamedTuple

from .dates import check_date
from .errors import InvalidDateError, InvalidParameterError, InvalidPaymentError
from .money import CENT, to_money
from .schedule import Schedule

__all__ = [
    "DEFAULT_BUCKETS",
    "ArrearsState",
    "InstallmentStatus",
    "LoanPosition",
    "Payment",
    "allocate_payments",
    "arrears_state",
    "par30",
    "portfolio_at_risk_ratio",
]

DEFAULT_BUCKETS: tuple[int, ...] = (1, 30, 60, 90)


def _c(value: Decimal) -> int:
    return int(value.scaleb(2))


def _m(cents: int) -> Decimal:
    return CENT * cents


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment received from the borrower.

    Attributes:
        date: value date of the payment.
        amount: amount in euros (> 0, 2 decimals; ``Decimal``, ``int`` or ``str``).
        early_repayment: ``True`` when the borrower asks for any surplus to be an early
            repayment (it then needs a new schedule version, see ``partial_repayment``);
            otherwise a surplus is a credit on the next installment(s).
    """

    date: dt.date
    amount: Decimal
    early_repayment: bool = False

    def __post_init__(self) -> None:
        check_date(self.date, "date de paiement")
        amount = to_money(self.amount)
        if amount < 0:
            raise InvalidPaymentError("negative_payment", "Un paiement ne peut pas être négatif.")
        if amount == 0:
            raise InvalidPaymentError("zero_payment", "Un paiement doit être strictement positif.")
        object.__setattr__(self, "amount", amount)


class InstallmentStatus(NamedTuple):
    """How far one schedule row is paid (amounts in euros)."""

    number: int
    due_date: dt.date
    kind: str
    interest_due: Decimal
    principal_due: Decimal
    interest_paid: Decimal
    principal_paid: Decimal
    settled_on: dt.date | None

    @property
    def amount_due(self) -> Decimal:
        """Interest plus principal payable on the row."""
        return self.interest_due + self.principal_due

    @property
    def remaining(self) -> Decimal:
        """What is still unpaid on the row."""
        return self.interest_due + self.principal_due - self.interest_paid - self.principal_paid


@dataclass(frozen=True, slots=True)
class LoanPosition:
    """The state of a loan on ``as_of`` after allocating the payments made up to that date.

    Attributes:
        schedule: the schedule version the payments were allocated to.
        payments: every payment given (those after ``as_of`` are ignored by the allocation).
        as_of: the date of the position.
        installments: per-row status.
        total_paid: sum of the payments dated on or before ``as_of``.
        overdue_interest / overdue_principal / overdue_amount: unpaid parts of rows due
            strictly before ``as_of`` (a row is overdue the day after its due date).
        days_past_due: days since the oldest overdue row's due date (0 if none).
        outstanding_principal: principal lent plus interest capitalised so far minus the
            principal repaid.
        credit: amounts paid in advance on rows due after ``as_of``.
        pending_early_repayment: surplus of payments flagged as early repayment not yet
            matched by an early-repayment row (create the new version with
            ``partial_repayment``).
        excess: amounts paid beyond the whole schedule (to refund).
    """

    schedule: Schedule
    payments: tuple[Payment, ...]
    as_of: dt.date
    installments: tuple[InstallmentStatus, ...]
    total_paid: Decimal
    overdue_interest: Decimal
    overdue_principal: Decimal
    overdue_amount: Decimal
    days_past_due: int
    outstanding_principal: Decimal
    credit: Decimal
    pending_early_repayment: Decimal
    excess: Decimal

    @property
    def fully_repaid(self) -> bool:
        """True when every row of the schedule is paid."""
        return all(st.remaining == 0 for st in self.installments)


def allocate_payments(
    schedule: Schedule, payments: Sequence[Payment], as_of: dt.date
) -> LoanPosition:
    """Allocate ``payments`` (dated on or before ``as_of``) to ``schedule``.

    Rules: payments are taken in date order; each settles the oldest unpaid row first,
    interest before principal. A surplus beyond the rows already due is a credit on the next
    row(s) — unless the payment is flagged ``early_repayment``: its surplus first settles an
    early-repayment row dated that day (the version created by ``partial_repayment``) and any
    remainder is reported as ``pending_early_repayment``. Anything beyond the last row is
    ``excess``.

    Raises:
        InvalidDateError: ``as_of`` or a payment date before the disbursement.
    """
    check_date(as_of, "date d'arrêté")
    start = schedule.terms.disbursement_date
    if as_of < start:
        raise InvalidDateError(
            "date_before_disbursement", "La date d'arrêté est antérieure au décaissement."
        )
    pays = tuple(payments)
    for pay in pays:
        if not isinstance(pay, Payment):
            raise InvalidPaymentError("invalid_payment", "Paiement invalide.")
        if pay.date < start:
            raise InvalidDateError(
                "date_before_disbursement", "La date de paiement est antérieure au décaissement."
            )
    rows = schedule.rows
    n = len(rows)
    due_dates = [r.due_date for r in rows]
    due_i = [_c(r.interest) - _c(r.capitalised) for r in rows]
    due_p = [_c(r.principal) for r in rows]
    paid_i = [0] * n
    paid_p = [0] * n
    settled: list[dt.date | None] = [None] * n
    for j in range(n):
        if due_i[j] == 0 and due_p[j] == 0:
            settled[j] = rows[j].due_date
    idx = 0
    pending = 0
    excess = 0
    total = 0
    for pay in sorted((p for p in pays if p.date <= as_of), key=lambda p: p.date):
        amount = _c(pay.amount)
        total += amount
        limit = bisect_right(due_dates, pay.date) if pay.early_repayment else n
        j = idx
        while amount and j < limit:
            need_i = due_i[j] - paid_i[j]
            take = need_i if need_i < amount else amount
            paid_i[j] += take
            amount -= take
            need_p = due_p[j] - paid_p[j]
            take = need_p if need_p < amount else amount
            paid_p[j] += take
            amount -= take
            if paid_i[j] == due_i[j] and paid_p[j] == due_p[j]:
                if settled[j] is None:
                    settled[j] = pay.date
                if j == idx:
                    idx += 1
                j += 1
        while idx < n and settled[idx] is not None:
            idx += 1
        if amount:
            if pay.early_repayment and limit < n:
                pending += amount
            else:
                excess += amount
    overdue_i = overdue_p = 0
    oldest: dt.date | None = None
    credit = 0
    capitalised = 0
    statuses = []
    for j, r in enumerate(rows):
        if r.due_date < as_of:
            ri = due_i[j] - paid_i[j]
            rp = due_p[j] - paid_p[j]
            if (ri or rp) and oldest is None:
                oldest = r.due_date
            overdue_i += ri
            overdue_p += rp
        elif r.due_date > as_of:
            credit += paid_i[j] + paid_p[j]
        if r.due_date <= as_of:
            capitalised += _c(r.capitalised)
        statuses.append(
            InstallmentStatus(
                r.number,
                r.due_date,
                r.kind,
                _m(due_i[j]),
                _m(due_p[j]),
                _m(paid_i[j]),
                _m(paid_p[j]),
                settled[j],
            )
        )
    outstanding = _c(schedule.terms.principal) + capitalised - sum(paid_p)
    return LoanPosition(
        schedule=schedule,
        payments=pays,
        as_of=as_of,
        installments=tuple(statuses),
        total_paid=_m(total),
        overdue_interest=_m(overdue_i),
        overdue_principal=_m(overdue_p),
        overdue_amount=_m(overdue_i + overdue_p),
        days_past_due=(as_of - oldest).days if oldest is not None else 0,
        outstanding_principal=_m(outstanding),
        credit=_m(credit),
        pending_early_repayment=_m(pending),
        excess=_m(excess),
    )


class ArrearsState(NamedTuple):
    """Arrears of one loan on a date.

    ``bucket`` is ``"current"`` (0 days), ``"late"`` (from the first bucket bound), then
    ``"30+"``, ``"60+"``, ``"90+"`` for the default bounds ``(1, 30, 60, 90)``.
    """

    days_past_due: int
    overdue_amount: Decimal
    overdue_interest: Decimal
    overdue_principal: Decimal
    outstanding_principal: Decimal
    bucket: str


def _check_buckets(buckets: Sequence[int]) -> tuple[int, ...]:
    out = tuple(buckets)
    ok = bool(out) and all(isinstance(b, int) and not isinstance(b, bool) for b in out)
    ok = ok and out[0] >= 1 and all(a < b for a, b in pairwise(out))
    if not ok:
        raise InvalidParameterError(
            "invalid_buckets",
            "Les seuils de retard doivent être des nombres de jours entiers, positifs "
            "et croissants.",
        )
    return out


def bucket_label(days_past_due: int, buckets: Sequence[int] = DEFAULT_BUCKETS) -> str:
    """Bucket name of ``days_past_due`` for ``buckets`` (see :class:`ArrearsState`)."""
    bounds = _check_buckets(buckets)
    if days_past_due < bounds[0]:
        return "current"
    label = "late"
    for b in bounds[1:]:
        if days_past_due >= b:
            label = f"{b}+"
    return label


def arrears_state(
    source: LoanPosition | Schedule,
    as_of: dt.date,
    buckets: Sequence[int] = DEFAULT_BUCKETS,
    *,
    payments: Sequence[Payment] = (),
) -> ArrearsState:
    """Arrears of a loan on ``as_of``.

    ``source`` is either a :class:`LoanPosition` (its schedule and payments are re-allocated
    at ``as_of``) or a :class:`Schedule` together with ``payments``. An installment is overdue
    the day after its due date (0 days on the due date).
    """
    bounds = _check_buckets(buckets)
    if isinstance(source, LoanPosition):
        pos = allocate_payments(source.schedule, source.payments, as_of)
    else:
        pos = allocate_payments(source, payments, as_of)
    return ArrearsState(
        pos.days_past_due,
        pos.overdue_amount,
        pos.overdue_interest,
        pos.overdue_principal,
        pos.outstanding_principal,
        bucket_label(pos.days_past_due, bounds),
    )


def par30(states: Iterable[ArrearsState], days: int = 30) -> Decimal:
    """Portfolio at risk: outstanding principal of loans ``days``+ days late / total outstanding.

    Returned as a ratio rounded half-up to 4 decimals (``Decimal("0.1234")``); 0 if nothing is
    outstanding.
    """
    at_risk = Decimal(0)
    total = Decimal(0)
    for st in states:
        total += st.outstanding_principal
        if st.days_past_due >= days:
            at_risk += st.outstanding_principal
    return portfolio_at_risk_ratio(at_risk, total)


def portfolio_at_risk_ratio(at_risk: Decimal, outstanding: Decimal) -> Decimal:
    """The ratio ``par30`` gives, from the two sums already made (e.g. by a database):
    ``at_risk / outstanding`` rounded half-up to 4 decimals; 0 if nothing is outstanding."""
    if outstanding <= 0:
        return Decimal("0.0000")
    return (at_risk / outstanding).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
