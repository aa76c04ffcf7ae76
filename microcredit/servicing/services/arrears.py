"""The nightly arrears job: for every active loan on a date, where it stands (the loan engine),
a snapshot of the day, the alerts it calls for, and the repayment plans kept or broken.

`arrears_run` walks the active loans by primary key in batches (keyset pagination); each batch
reads what it needs in a fixed number of queries (selectors.arrears_batch), computes with the
engine and writes in bulk, in its own transaction. Running it twice on the same date rewrites
the same snapshots and raises nothing more: an alert is raised once per loan, kind, key and
recipient. The snapshots are derived data (recomputed from the schedules and repayments at any
time): they carry no audit row; each alert raised and each plan ended does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from loan_engine import ArrearsState
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.loans.models import Loan
from microcredit.servicing.enums import AlertKind, PlanState
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import ArrearsSnapshot, RepaymentPlan
from microcredit.servicing.rules.arrears import (
    KEPT,
    MISSED_INSTALLMENT,
    PLAN_BROKEN,
    ArrearsRun,
    LoanArrears,
    alerts_called_for,
    arrears_of,
    buckets_on,
    carried_forward,
    missed_due_date,
    next_due_date,
    plan_outcome,
    portfolio_at_risk,
    position_on,
)
from microcredit.servicing.selectors.alerts import alert_keys
from microcredit.servicing.selectors.arrears_batch import (
    BatchData,
    FollowedPlan,
    LastSnapshot,
    LoanRow,
    active_loans_batch,
    batch_data,
    changed_since,
    last_snapshots,
    loans_by_id,
    previous_run_date,
    programme_buckets,
)
from microcredit.servicing.services.alerts import NewAlert, alerts_raise

logger = logging.getLogger(__name__)

SNAPSHOT_FIELDS = [
    "days_past_due",
    "bucket",
    "overdue_amount",
    "overdue_interest",
    "overdue_principal",
    "outstanding_principal",
    "installment",
    "next_due_date",
    "computed_at",
]

# programme id → its versions' (valid_from, arrears_buckets): read once per run.
BucketsCache = dict[int, list[tuple[date, list[int]]]]


class SnapshotRow(NamedTuple):
    """One snapshot to write (the columns of ArrearsSnapshot but its date and stamp)."""

    loan_id: int
    days_past_due: int
    bucket: str
    overdue_amount: Decimal
    overdue_interest: Decimal
    overdue_principal: Decimal
    outstanding_principal: Decimal
    installment: Decimal
    next_due_date: date | None


@dataclass
class BatchOutcome:
    results: list[LoanArrears] = field(default_factory=list)
    snapshots: list[SnapshotRow] = field(default_factory=list)
    alerts: list[NewAlert] = field(default_factory=list)
    letters: list[tuple[int, str]] = field(default_factory=list)  # (loan id, due date)
    plans_ended: list[RepaymentPlan] = field(default_factory=list)
    alerts_raised: int = 0


def arrears_run(*, as_of: date, batch_size: int = 1000, incremental: bool = True) -> ArrearsRun:
    """Compute and record the arrears of every active loan disbursed on or before `as_of`.

    `incremental`: a loan whose snapshot of the previous run date carries forward (nothing but
    time passed since: selectors.arrears_batch.unchanged_since) is not allocated again; its
    days past due grow by the days passed (rules.arrears.carried_forward). Every other loan is
    computed from its schedule and repayments by the engine. `incremental=False` computes every
    loan (`microcredit arrears --full`); both give the same snapshots (a test says so).

    Each batch of `batch_size` loans is its own transaction (a failure leaves the batches
    before it written; running the date again completes it). The alerts' e-mails leave after
    each batch's commit."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cache: BucketsCache = {}
    last = previous_run_date(as_of) if incremental else None
    changed = changed_since(last, as_of) if last is not None else set()
    results: list[LoanArrears] = []
    snapshots = alerts = kept = broken = 0
    after_id = 0
    while True:
        loans = active_loans_batch(as_of=as_of, after_id=after_id, size=batch_size)
        if not loans:
            break
        outcome = arrears_batch(as_of=as_of, loans=loans, cache=cache, last=last, changed=changed)
        results.extend(outcome.results)
        snapshots += len(outcome.snapshots)
        alerts += outcome.alerts_raised
        kept += sum(1 for p in outcome.plans_ended if p.state == PlanState.KEPT)
        broken += sum(1 for p in outcome.plans_ended if p.state == PlanState.BROKEN)
        after_id = loans[-1].id
        if len(loans) < batch_size:
            break
    run = ArrearsRun(
        as_of=as_of,
        loans=len(results),
        snapshots_written=snapshots,
        alerts_raised=alerts,
        plans_kept=kept,
        plans_broken=broken,
        par30=portfolio_at_risk(results),
        results=tuple(results),
    )
    logger.info(
        "Arrears on %s: %s loans, %s alerts, %s plans kept, %s broken, PAR30 %s",
        as_of.isoformat(),
        run.loans,
        run.alerts_raised,
        run.plans_kept,
        run.plans_broken,
        run.par30,
    )
    return run


@transaction.atomic
def arrears_batch(
    *,
    as_of: date,
    loans: list[LoanRow],
    cache: BucketsCache,
    last: date | None = None,
    changed: set[int] | None = None,
) -> BatchOutcome:
    """One batch of the job: read (a fixed number of queries), compute, write in bulk. With
    `last` (the previous run date) and `changed` (selectors.arrears_batch.changed_since), the
    loans whose snapshot of `last` carries forward are not allocated again."""
    missing = {loan.programme_id for loan in loans} - cache.keys()
    if missing:
        cache.update(programme_buckets(missing))
    carried: dict[int, LastSnapshot] = {}
    if last is not None:
        skip = changed or set()
        carried = {
            loan_id: snapshot
            for loan_id, snapshot in last_snapshots([loan.id for loan in loans], last).items()
            if loan_id not in skip
        }
    computed = loans_by_id([loan.id for loan in loans if loan.id not in carried])
    data = batch_data(list(computed.values()))
    if carried:
        data = replace(data, alerts=data.alerts | alert_keys(carried))
    raised = {(loan_id, kind, key) for loan_id, kind, key, _recipient in data.alerts}
    outcome = BatchOutcome()
    for row in loans:
        previous = carried.get(row.id)
        if previous is not None and last is not None:
            _carry_loan(row, previous, last, as_of, data, raised, cache, outcome)
        elif row.id in computed:
            _compute_loan(row, computed[row.id], as_of, data, raised, cache, outcome)
    _snapshots_write(outcome.snapshots, as_of)
    _plans_end(outcome.plans_ended, as_of)
    outcome.alerts_raised = len(alerts_raise(as_of=as_of, alerts=outcome.alerts))
    if outcome.letters:
        owed = loans_by_id({loan_id for loan_id, _key in outcome.letters})
        for loan_id, key in outcome.letters:
            letter_due.send(owed[loan_id], MISSED_INSTALLMENT, key)
    return outcome


def _snapshots_write(snapshots: list[SnapshotRow], as_of: date) -> None:
    """Write the batch's snapshots, replacing those of the same loan and day. On PostgreSQL in
    one statement over arrays (`unnest`): Django's bulk insert spends more time building its
    statement than the database spends running it."""
    if not snapshots:
        return
    if connection.vendor != "postgresql":
        ArrearsSnapshot.objects.bulk_create(
            [ArrearsSnapshot(as_of=as_of, **row._asdict()) for row in snapshots],
            update_conflicts=True,
            unique_fields=["loan", "as_of"],
            update_fields=SNAPSHOT_FIELDS,
        )
        return
    columns = list(SnapshotRow._fields)
    types = ["bigint", "integer", "varchar", *["numeric"] * 5, "date"]
    arrays = [list(values) for values in zip(*snapshots, strict=True)]
    table = ArrearsSnapshot._meta.db_table
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*columns[1:], "computed_at"])
    # Identifiers from the model and the constant lists above; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, as_of, computed_at) "  # noqa: S608
        f"SELECT u.*, %s, %s FROM unnest({', '.join(f'%s::{t}[]' for t in types)}) "
        f"AS u({', '.join(columns)}) "
        f"ON CONFLICT (loan_id, as_of) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of, timezone.now(), *arrays])


def _record(outcome: BatchOutcome, result: LoanArrears) -> None:
    outcome.results.append(result)
    state = result.state
    outcome.snapshots.append(
        SnapshotRow(
            loan_id=result.loan_id,
            days_past_due=state.days_past_due,
            bucket=state.bucket,
            overdue_amount=state.overdue_amount,
            overdue_interest=state.overdue_interest,
            overdue_principal=state.overdue_principal,
            outstanding_principal=state.outstanding_principal,
            installment=result.installment,
            next_due_date=result.next_due_date,
        )
    )


def _carry_loan(
    loan: LoanRow,
    previous: LastSnapshot,
    last: date,
    as_of: date,
    data: BatchData,
    raised: set[tuple[int, str, str]],
    cache: BucketsCache,
    outcome: BatchOutcome,
) -> None:
    state, missed = carried_forward(
        days_past_due=previous.days_past_due,
        overdue_amount=previous.overdue_amount,
        overdue_interest=previous.overdue_interest,
        overdue_principal=previous.overdue_principal,
        outstanding_principal=previous.outstanding_principal,
        last=last,
        as_of=as_of,
        buckets=buckets_on(cache.get(loan.programme_id, []), as_of),
    )
    result = LoanArrears(
        loan_id=loan.id,
        number=loan.number,
        state=state,
        installment=previous.installment,
        next_due_date=previous.next_due_date,
        missed_due_date=missed,
    )
    _record(outcome, result)
    _raise(loan, state, alerts_called_for(state, missed), data, raised, outcome)


def _compute_loan(
    row: LoanRow,
    loan: Loan,
    as_of: date,
    data: BatchData,
    raised: set[tuple[int, str, str]],
    cache: BucketsCache,
    outcome: BatchOutcome,
) -> None:
    in_force = data.schedules.get(loan.pk)
    if in_force is None:
        logger.warning("Arrears: loan %s has no schedule, skipped", loan.pk)
        return
    payments = data.payments.get(loan.pk, [])
    position = position_on(in_force.schedule, payments, as_of)
    state = arrears_of(position, buckets_on(cache.get(row.programme_id, []), as_of))
    result = LoanArrears(
        loan_id=loan.pk,
        number=row.number,
        state=state,
        installment=in_force.installment,
        next_due_date=next_due_date(position),
        missed_due_date=missed_due_date(position),
    )
    _record(outcome, result)
    wanted = alerts_called_for(state, result.missed_due_date)
    followed = data.plans.get(loan.pk)
    if followed is not None and _following(followed, as_of):
        ended = plan_outcome(position_on(followed.schedule, payments, as_of))
        if ended is not None:
            plan = followed.plan
            plan.state = PlanState(ended)
            plan.ended_on = as_of
            outcome.plans_ended.append(plan)
            if ended != KEPT:
                wanted.append((PLAN_BROKEN, str(plan.pk)))
    _raise(row, state, wanted, data, raised, outcome)


def _raise(
    loan: LoanRow,
    state: ArrearsState,
    wanted: list[tuple[str, str]],
    data: BatchData,
    raised: set[tuple[int, str, str]],
    outcome: BatchOutcome,
) -> None:
    """The alerts `wanted` not raised yet, to each recipient; the missed installment's letter."""
    for kind, key in wanted:
        new = [r for r in loan.recipients if (loan.id, kind, key, r) not in data.alerts]
        outcome.alerts.extend(
            NewAlert(
                loan_id=loan.id,
                kind=AlertKind(kind),
                key=key,
                recipient_id=recipient,
                days_past_due=state.days_past_due,
                bucket=state.bucket,
                overdue_amount=state.overdue_amount,
            )
            for recipient in new
        )
        if kind == MISSED_INSTALLMENT and new and (loan.id, kind, key) not in raised:
            outcome.letters.append((loan.id, key))


def _following(followed: FollowedPlan, as_of: date) -> bool:
    """A plan is followed from the day it was agreed (a date rerun before it leaves it be)."""
    decided = followed.plan.decided_at
    start = timezone.localdate(decided) if decided is not None else followed.plan.as_of
    return start <= as_of


def _plans_end(plans: list[RepaymentPlan], as_of: date) -> None:
    """The plans kept or broken on `as_of`: their state and end date, one audit row each."""
    if not plans:
        return
    RepaymentPlan.objects.bulk_update(plans, ["state", "ended_on"])
    for plan in plans:
        audit_event_create(
            actor=None,
            action=AuditAction.PLAN_KEPT
            if plan.state == PlanState.KEPT
            else AuditAction.PLAN_BROKEN,
            obj=plan,
            old_values={"state": PlanState.AGREED, "ended_on": None},
            new_values={"state": plan.state, "ended_on": as_of},
        )
