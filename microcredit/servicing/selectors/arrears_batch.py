"""Reads of the nightly arrears job: one batch of active loans and everything it needs, in a
number of queries that does not grow with the number of loans in the batch.

The schedules and repayments are read as plain rows by `loans.selectors.stored_lines_by_version`
and `payments_by_loan` (what `schedules_in_force` and the repayments service read too), the
schedule rebuilt by the one builder `loans.rules.schedule_from_lines`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max, Min

from loan_engine import Payment, Schedule
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.rules import StoredLine, schedule_from_lines
from microcredit.loans.selectors import loan_terms, payments_by_loan, stored_lines_by_version
from microcredit.programmes.models import ProgrammeVersion
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import ArrearsSnapshot, RepaymentPlan
from microcredit.servicing.selectors.alerts import alert_keys

# The columns the job reads (the engine's terms, the dossier's number, programme and référent,
# the adviser who recorded the cheque): not the whole dossier of every loan.
LOAN_COLUMNS = (
    "id",
    "state",
    "principal",
    "nominal_rate_percent",
    "months",
    "deferral_months",
    "deferral_kind",
    "disbursement_date",
    "installment",
    "dossier__id",
    "dossier__number",
    "dossier__programme_id",
    "dossier__referent_id",
)


@dataclass(frozen=True, slots=True)
class LoanRow:
    """What the job needs of an active loan before deciding whether to compute it: its key,
    its dossier's number and programme, and who its alerts go to."""

    id: int
    number: str
    programme_id: int
    referent_id: int | None
    adviser_id: int | None

    @property
    def recipients(self) -> list[int]:
        """Who an alert on the loan goes to: the dossier's référent and the bank adviser who
        recorded the disbursement (once each, whoever is missing left out)."""
        found = [self.referent_id] if self.referent_id is not None else []
        if self.adviser_id is not None and self.adviser_id not in found:
            found.append(self.adviser_id)
        return found


def active_loans_batch(*, as_of: date, after_id: int, size: int) -> list[LoanRow]:
    """The next `size` active loans disbursed on or before `as_of`, by primary key after
    `after_id` (keyset pagination: each batch costs the same, however far the run has gone),
    as plain rows (most loans of a night are only carried forward)."""
    return [
        LoanRow(*values)
        for values in Loan.objects.filter(
            state=LoanState.ACTIVE, disbursement_date__lte=as_of, pk__gt=after_id
        )
        .order_by("pk")
        .values_list(
            "id",
            "dossier__number",
            "dossier__programme_id",
            "dossier__referent_id",
            "dossier__disbursement__recorded_by_id",
        )[:size]
    ]


def loans_by_id(loan_ids: Collection[int]) -> dict[int, Loan]:
    """The loans to compute (their terms for the engine, their dossier for the letters)."""
    return {
        loan.pk: loan
        for loan in Loan.objects.filter(pk__in=loan_ids)
        .select_related("dossier")
        .only(*LOAN_COLUMNS)
    }


def programme_buckets(programme_ids: set[int]) -> dict[int, list[tuple[date, list[int]]]]:
    """programme id → its versions' (valid_from, arrears_buckets), in one query."""
    found: dict[int, list[tuple[date, list[int]]]] = {pk: [] for pk in programme_ids}
    rows = ProgrammeVersion.objects.filter(programme_id__in=programme_ids).values_list(
        "programme_id", "valid_from", "arrears_buckets"
    )
    for programme_id, valid_from, buckets in rows:
        found[programme_id].append((valid_from, list(buckets)))
    return found


@dataclass(frozen=True)
class InForce:
    """A loan's schedule version in force: its key, its installment, the engine's Schedule."""

    version_id: int
    installment: Decimal
    schedule: Schedule


def _schedule(
    loan: Loan, version_number: int, installment: Decimal, lines: list[StoredLine]
) -> Schedule:
    return schedule_from_lines(
        loan_terms(loan), lines, installment=installment, version=version_number
    )


def in_force_schedules(loans: dict[int, Loan]) -> dict[int, InForce]:
    """loan id → its schedule version in force (the latest), in two queries."""
    latest: dict[int, tuple[int, int, Decimal]] = {}
    versions = (
        ScheduleVersion.objects.filter(loan_id__in=loans)
        .order_by("loan_id", "number")
        .values_list("loan_id", "id", "number", "installment")
    )
    for loan_id, version_id, number, installment in versions:
        latest[loan_id] = (version_id, number, installment)
    lines = stored_lines_by_version([version_id for version_id, _n, _i in latest.values()])
    return {
        loan_id: InForce(
            version_id,
            installment,
            _schedule(loans[loan_id], number, installment, lines.get(version_id, [])),
        )
        for loan_id, (version_id, number, installment) in latest.items()
    }


@dataclass(frozen=True)
class FollowedPlan:
    """An agreed plan of a loan of the batch, with the engine's schedule of its version."""

    plan: RepaymentPlan
    schedule: Schedule


@dataclass(frozen=True)
class BatchData:
    schedules: dict[int, InForce]  # loan id → version in force
    payments: dict[int, list[Payment]]  # loan id → repayments in date order
    alerts: set[tuple[int, str, str, int]]  # (loan id, kind, key, recipient id) already raised
    plans: dict[int, FollowedPlan]  # loan id → its agreed plan


def _agreed_plans(loans: dict[int, Loan], schedules: dict[int, InForce]) -> dict[int, FollowedPlan]:
    """The agreed plans of the loans, each with its version's schedule: the one in force in
    general, read again only when a later version replaced it (two queries at most)."""
    plans = list(
        RepaymentPlan.objects.filter(
            loan_id__in=loans, state=PlanState.AGREED, schedule_version__isnull=False
        ).select_related("schedule_version")
    )

    def in_force(plan: RepaymentPlan) -> InForce | None:
        found = schedules.get(plan.loan_id)
        if found is None or found.version_id != plan.schedule_version_id:
            return None
        return found

    others = [p.schedule_version_id for p in plans if in_force(p) is None]
    lines = stored_lines_by_version([pk for pk in others if pk is not None]) if others else {}
    followed: dict[int, FollowedPlan] = {}
    for plan in plans:
        version = plan.schedule_version
        if version is None:
            continue
        current = in_force(plan)
        if current is not None:
            schedule = current.schedule
        else:
            schedule = _schedule(
                loans[plan.loan_id], version.number, version.installment, lines.get(version.pk, [])
            )
        followed[plan.loan_id] = FollowedPlan(plan, schedule)
    return followed


def batch_data(loans: list[Loan]) -> BatchData:
    """Everything the job needs about a batch of loans: schedules in force (two queries),
    repayments (one), alerts already raised (one), agreed plans (one, and one more when a
    plan's version is no longer in force)."""
    by_id = {loan.pk: loan for loan in loans}
    schedules = in_force_schedules(by_id)
    return BatchData(
        schedules=schedules,
        payments=payments_by_loan(by_id),
        alerts=alert_keys(by_id),
        plans=_agreed_plans(by_id, schedules),
    )


# --- Time passing only: the loans whose last snapshot carries forward ----------------------------

# A repayment or a schedule version recorded up to this long before a snapshot was stamped may
# have been committed after the snapshot's batch read the loan: it counts as new (a margin far
# longer than a batch takes).
RECORDED_MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class LastSnapshot:
    """A loan's snapshot of the job's previous date: what carries forward when nothing changed."""

    days_past_due: int
    overdue_amount: Decimal
    overdue_interest: Decimal
    overdue_principal: Decimal
    outstanding_principal: Decimal
    installment: Decimal
    next_due_date: date | None


def previous_run_date(as_of: date) -> date | None:
    """The latest date before `as_of` the job wrote snapshots for (one query on an index)."""
    found: date | None = ArrearsSnapshot.objects.filter(as_of__lt=as_of).aggregate(
        last=Max("as_of")
    )["last"]
    return found


def changed_since(last: date, as_of: date) -> set[int]:
    """The loans whose position on `as_of` can differ from that of `last` by more than the days
    passing, read once per run (five queries on indexes, whatever the number of loans): since
    the snapshots of `last` were stamped,
    - a row of a schedule fell due (due on or after `last`, before `as_of`);
    - a repayment was recorded (or is dated after `last`);
    - a schedule version was created (early repayment, plan);
    and the loans following an agreed repayment plan (kept or broken is judged on every run).
    Conservative: a row of a replaced version counts too (the loan is only computed again)."""
    first = ArrearsSnapshot.objects.filter(as_of=last).aggregate(first=Min("computed_at"))["first"]
    if first is None:
        return set()
    since = first - RECORDED_MARGIN
    changed = set(
        ScheduleVersion.objects.filter(created_at__gte=since).values_list("loan_id", flat=True)
    )
    changed.update(
        ScheduleLine.objects.filter(due_date__gte=last, due_date__lt=as_of)
        .values_list("version__loan_id", flat=True)
        .distinct()
    )
    changed.update(
        Repayment.objects.filter(recorded_at__gte=since)
        .values_list("loan_id", flat=True)
        .distinct()
    )
    changed.update(
        Repayment.objects.filter(date__gt=last).values_list("loan_id", flat=True).distinct()
    )
    changed.update(
        RepaymentPlan.objects.filter(state=PlanState.AGREED).values_list("loan_id", flat=True)
    )
    return changed


def last_snapshots(loan_ids: Collection[int], last: date) -> dict[int, LastSnapshot]:
    """loan id → its snapshot of `last`, for a batch of loans (one query)."""
    return {
        loan_id: LastSnapshot(days, overdue, interest, principal, outstanding, installment, due)
        for loan_id, days, overdue, interest, principal, outstanding, installment, due in (
            ArrearsSnapshot.objects.filter(loan_id__in=loan_ids, as_of=last).values_list(
                "loan_id",
                "days_past_due",
                "overdue_amount",
                "overdue_interest",
                "overdue_principal",
                "outstanding_principal",
                "installment",
                "next_due_date",
            )
        )
    }


def unchanged_since(loan_ids: Collection[int], last: date, as_of: date) -> dict[int, LastSnapshot]:
    """loan id → its snapshot of `last`, for the loans of `loan_ids` whose snapshot carries
    forward to `as_of` (see `changed_since`)."""
    changed = changed_since(last, as_of)
    return {k: v for k, v in last_snapshots(loan_ids, last).items() if k not in changed}
