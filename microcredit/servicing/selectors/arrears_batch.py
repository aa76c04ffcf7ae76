"""Reads of the nightly arrears job: one batch of active loans and everything it needs, in a
number of queries that does not grow with the number of loans in the batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist

from loan_engine import Schedule
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import loan_schedule, repayments_by_loan, schedules_in_force
from microcredit.programmes.models import ProgrammeVersion
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import RepaymentPlan
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
    "dossier__disbursement__id",
    "dossier__disbursement__recorded_by_id",
)


def active_loans_batch(*, as_of: date, after_id: int, size: int) -> list[Loan]:
    """The next `size` active loans disbursed on or before `as_of`, by primary key after
    `after_id` (keyset pagination: each batch costs the same, however far the run has gone)."""
    return list(
        Loan.objects.filter(state=LoanState.ACTIVE, disbursement_date__lte=as_of, pk__gt=after_id)
        .select_related("dossier", "dossier__disbursement")
        .only(*LOAN_COLUMNS)
        .order_by("pk")[:size]
    )


def recipient_ids(loan: Loan) -> list[int]:
    """Who an alert on the loan goes to: the dossier's référent and the bank adviser who
    recorded the disbursement (once each, whoever is missing left out)."""
    found: list[int] = []
    if loan.dossier.referent_id is not None:
        found.append(loan.dossier.referent_id)
    try:
        adviser_id = loan.dossier.disbursement.recorded_by_id
    except ObjectDoesNotExist:
        adviser_id = None
    if adviser_id is not None and adviser_id not in found:
        found.append(adviser_id)
    return found


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
class FollowedPlan:
    """An agreed plan of a loan of the batch, with the engine's schedule of its version."""

    plan: RepaymentPlan
    schedule: Schedule


@dataclass(frozen=True)
class BatchData:
    schedules: dict[int, tuple[ScheduleVersion, Schedule]]  # loan id → version in force
    repayments: dict[int, list[Repayment]]  # loan id → repayments in date order
    alerts: set[tuple[int, str, str, int]]  # (loan id, kind, key, recipient id) already raised
    plans: dict[int, FollowedPlan]  # loan id → its agreed plan


def _agreed_plans(
    loans: dict[int, Loan], schedules: dict[int, tuple[ScheduleVersion, Schedule]]
) -> dict[int, FollowedPlan]:
    """The agreed plans of the loans, each with its version's schedule: the one in force in
    general, read again only when a later version replaced it (two queries at most)."""
    plans = list(
        RepaymentPlan.objects.filter(
            loan_id__in=loans, state=PlanState.AGREED, schedule_version__isnull=False
        ).select_related("schedule_version")
    )
    others = [
        p.schedule_version
        for p in plans
        if p.schedule_version is not None
        and (p.loan_id not in schedules or schedules[p.loan_id][0].pk != p.schedule_version_id)
    ]
    lines: dict[int, list[ScheduleLine]] = {}
    if others:
        for line in ScheduleLine.objects.filter(version__in=others).order_by(
            "version_id", "number"
        ):
            lines.setdefault(line.version_id, []).append(line)
    followed: dict[int, FollowedPlan] = {}
    for plan in plans:
        version = plan.schedule_version
        if version is None:
            continue
        in_force = schedules.get(plan.loan_id)
        if in_force is not None and in_force[0].pk == version.pk:
            schedule = in_force[1]
        else:
            schedule = loan_schedule(loans[plan.loan_id], lines.get(version.pk, []), version)
        followed[plan.loan_id] = FollowedPlan(plan, schedule)
    return followed


def batch_data(loans: list[Loan]) -> BatchData:
    """Everything the job needs about a batch of loans: schedules in force (two queries),
    repayments (one), alerts already raised (one), agreed plans (one, two more when a plan's
    version is no longer in force)."""
    by_id = {loan.pk: loan for loan in loans}
    ids = list(by_id)
    schedules = schedules_in_force(loans)
    return BatchData(
        schedules=schedules,
        repayments=repayments_by_loan(ids),
        alerts=alert_keys(ids),
        plans=_agreed_plans(by_id, schedules),
    )
