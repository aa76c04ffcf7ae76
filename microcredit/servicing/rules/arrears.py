"""Pure rules of the nightly arrears job: where a loan stands on a date, which alerts that calls
for, whether a repayment plan was kept or broken, and the run's summary.

No Django here: the loan engine and plain values only. Every amount and every count of days
comes from the engine's allocation (``allocate_payments``) and its buckets (``bucket_label``);
``par30`` is the engine's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from loan_engine import (
    DEFAULT_BUCKETS,
    KIND_PLAN,
    ArrearsState,
    LoanPosition,
    Payment,
    Schedule,
    allocate_payments,
    bucket_label,
    par30,
)

# The alert kinds the job raises (servicing.enums.AlertKind's values, kept equal by a test).
MISSED_INSTALLMENT = "missed_installment"
BUCKET_ENTERED = "bucket_entered"
PLAN_BROKEN = "plan_broken"
# The engine's buckets that raise no bucket alert: on time, and the first days late (the
# missed-installment alert covers those).
QUIET_BUCKETS = frozenset({"current", "late"})
# What a repayment plan becomes on the job's date (servicing.enums.PlanState's values).
KEPT = "kept"
BROKEN = "broken"
# PAR30 counts the loans this many days late or more (LOAN_CONVENTIONS).
PAR_DAYS = 30


def buckets_on(versions: Sequence[tuple[date, Sequence[int]]], on_date: date) -> tuple[int, ...]:
    """The arrears buckets of the programme version in force on `on_date` (the latest one
    starting on or before it), given (valid_from, arrears_buckets) pairs in any order; the
    engine's defaults when no version is in force yet."""
    in_force = [v for v in versions if v[0] <= on_date]
    if not in_force:
        return DEFAULT_BUCKETS
    return tuple(max(in_force, key=lambda v: v[0])[1])


def position_on(schedule: Schedule, payments: Iterable[Payment], as_of: date) -> LoanPosition:
    """The engine's allocation of the payments made up to `as_of` (those after are ignored)."""
    return allocate_payments(schedule, [p for p in payments if p.date <= as_of], as_of)


def arrears_of(position: LoanPosition, buckets: Sequence[int]) -> ArrearsState:
    """The engine's ArrearsState of a position already allocated: the same fields
    ``loan_engine.arrears_state`` gives, without allocating the payments a second time (the job
    allocates once per loan, for the position, the next due date and the missed installment)."""
    return ArrearsState(
        position.days_past_due,
        position.overdue_amount,
        position.overdue_interest,
        position.overdue_principal,
        position.outstanding_principal,
        bucket_label(position.days_past_due, buckets),
    )


def missed_due_date(position: LoanPosition) -> date | None:
    """The due date of the oldest installment still unpaid after its due date (the one days
    past due count from), or None when nothing is overdue."""
    for status in position.installments:
        if status.due_date >= position.as_of:
            return None
        if status.remaining > 0:
            return status.due_date
    return None


def next_due_date(position: LoanPosition) -> date | None:
    """The due date of the first row due on or after the position's date that is not fully
    paid (an installment due that very day is the next one: it is not overdue yet)."""
    for status in position.installments:
        if status.due_date >= position.as_of and status.remaining > 0:
            return status.due_date
    return None


def alerts_called_for(state: ArrearsState, missed: date | None) -> list[tuple[str, str]]:
    """(kind, key) of the alerts this state calls for; the caller raises those never raised.

    - a missed installment: the key is its due date (ISO), so each installment missed after the
      borrower caught up raises its own alert, and the same one never twice;
    - a bucket beyond "late" (30+, 60+, ...): the key is the bucket."""
    wanted: list[tuple[str, str]] = []
    if state.days_past_due >= 1 and missed is not None:
        wanted.append((MISSED_INSTALLMENT, missed.isoformat()))
    if state.bucket not in QUIET_BUCKETS:
        wanted.append((BUCKET_ENTERED, state.bucket))
    return wanted


def plan_outcome(position: LoanPosition) -> str | None:
    """What an agreed plan becomes on the position's date, from the position on the plan's own
    schedule version: "kept" when every row of kind "plan" is fully paid, "broken" when the loan
    is one day or more past due on it, None while it runs."""
    plan_rows = [s for s in position.installments if s.kind == KIND_PLAN]
    if plan_rows and all(s.remaining == 0 for s in plan_rows):
        return KEPT
    if position.days_past_due >= 1:
        return BROKEN
    return None


@dataclass(frozen=True, slots=True)
class LoanArrears:
    """Where one loan stood on the job's date."""

    loan_id: int
    number: str  # the dossier's number
    state: ArrearsState
    installment: Decimal  # of the schedule version in force
    next_due_date: date | None
    missed_due_date: date | None

    @property
    def days_past_due(self) -> int:
        return self.state.days_past_due

    @property
    def bucket(self) -> str:
        return self.state.bucket

    @property
    def overdue_amount(self) -> Decimal:
        return self.state.overdue_amount

    @property
    def outstanding_principal(self) -> Decimal:
        return self.state.outstanding_principal


@dataclass(frozen=True, slots=True)
class ArrearsRun:
    """What one run of the job did on `as_of`."""

    as_of: date
    loans: int
    snapshots_written: int
    alerts_raised: int
    plans_kept: int
    plans_broken: int
    par30: Decimal  # the engine's ratio, 4 decimals ("0.1234")
    results: tuple[LoanArrears, ...]


def portfolio_at_risk(results: Iterable[LoanArrears]) -> Decimal:
    """PAR30 of the loans computed (the engine's ``par30``)."""
    return par30((r.state for r in results), PAR_DAYS)


def carried_forward(
    *,
    days_past_due: int,
    overdue_amount: Decimal,
    overdue_interest: Decimal,
    overdue_principal: Decimal,
    outstanding_principal: Decimal,
    last: date,
    as_of: date,
    buckets: Sequence[int],
) -> tuple[ArrearsState, date | None]:
    """The arrears on `as_of` of a loan whose position on `last` had these figures, when nothing
    but time passed in between (no row fell due, no repayment, no new schedule version): the
    same amounts; a loan late on `last` is late by as many more days, in the bucket of that
    count; one on time stays on time. Also the missed installment's due date (days past due count
    from it), None when on time. The same ArrearsState the engine's allocation would give."""
    days = days_past_due + (as_of - last).days if days_past_due else 0
    missed = last - timedelta(days=days_past_due) if days_past_due else None
    state = ArrearsState(
        days,
        overdue_amount,
        overdue_interest,
        overdue_principal,
        outstanding_principal,
        bucket_label(days, buckets),
    )
    return state, missed
