"""Writes of the rights check: ask for an estimate (run by a task after commit), record what
became of a right, reassess the open caseload chunk by chunk, fill the RSA base amount cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.budgets.models import Budget
from microcredit.budgets.selectors import BudgetData, budget_data
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.services import audit_event_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.rights import engine, rules
from microcredit.rights.enums import UNFINISHED, AssessmentStatus, RightCode, RightOutcome
from microcredit.rights.models import (
    RightOutcomeRecord,
    RightsAssessmentRecord,
    RsaBaseAmount,
)
from microcredit.rights.rules import HouseholdSituation, validate_situation
from microcredit.rights.selectors import (
    SCAN_MONTHS,
    STALLED_AFTER,
    rights_to_check_for,
    scan_households,
    scan_window_start,
    stale_households,
)
from microcredit.rights.tasks import assess_dossier_rights, situation_from


class RightsRefused(Refused):
    """The request is refused; ``messages`` are French sentences for the page."""


def _require_staff(membership: Membership | None, dossier: Dossier) -> None:
    if (
        membership is None
        or membership.role not in DOSSIER_STAFF_ROLES
        or membership.organisation_id != dossier.organisation_id
    ):
        raise RightsRefused("Seule l'équipe du CCAS peut estimer les droits de ce foyer.")


@transaction.atomic
def rights_assessment_request(
    *, actor: User, membership: Membership | None, dossier_id: int
) -> RightsAssessmentRecord:
    """Ask for an estimate of the household's rights from the dossier's latest budget.

    Creates a pending record and enqueues the task after commit. While an estimate of the
    dossier is still running, returns it instead of starting another one (a double click).

    Raises:
        Http404: the dossier is not visible to ``actor``.
        RightsRefused: not CCAS staff, or no budget to estimate from.
    """
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    _require_staff(membership, dossier)
    budget = Budget.objects.filter(dossier=dossier).order_by("-version").first()
    if budget is None:
        raise RightsRefused(
            "Saisissez d'abord le budget du foyer : l'estimation des droits part de ses "
            "ressources et de son logement."
        )
    running = (
        RightsAssessmentRecord.objects.filter(
            dossier=dossier,
            budget=budget,
            status__in=UNFINISHED,
            created_at__gte=timezone.now() - STALLED_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if running is not None:
        return running
    record = RightsAssessmentRecord.objects.create(
        dossier=dossier,
        budget=budget,
        month=budget.month,
        status=AssessmentStatus.PENDING,
        created_by=actor,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.RIGHTS_ASSESSMENT_REQUESTED,
        obj=dossier,
        new_values={"assessment": record.pk, "budget_version": budget.version},
    )
    transaction.on_commit(lambda: assess_dossier_rights.enqueue(record.pk))
    return record


@transaction.atomic
def right_outcome_record(
    *,
    actor: User,
    membership: Membership | None,
    dossier_id: int,
    assessment_id: int,
    right: str,
    outcome: str,
) -> RightOutcomeRecord:
    """Record (or change) what became of one right to check of an estimate.

    Raises:
        Http404: the dossier is not visible, or the estimate is not the dossier's.
        RightsRefused: not CCAS staff, unknown outcome, or a right the estimate does not list.
    """
    dossier = dossier_for_user_or_404(actor, membership, dossier_id)
    _require_staff(membership, dossier)
    record = (
        RightsAssessmentRecord.objects.select_related("budget")
        .filter(dossier=dossier, pk=assessment_id)
        .first()
    )
    if record is None:
        raise Http404("Estimation introuvable.")
    if outcome not in RightOutcome.values:
        raise RightsRefused("Choisissez la suite donnée : déjà perçu, démarche engagée, ouvert…")
    listed = {r.code: r for r in rights_to_check_for(record)}
    if right not in RightCode.values or right not in listed:
        raise RightsRefused("Ce droit ne figure pas parmi les droits à vérifier de l'estimation.")
    existing = RightOutcomeRecord.objects.filter(assessment=record, right=right).first()
    old = existing.outcome if existing is not None else None
    row, _ = RightOutcomeRecord.objects.update_or_create(
        assessment=record,
        right=right,
        defaults={
            "outcome": outcome,
            "estimated_monthly_amount": listed[rules.RightCode(right)].estimated_monthly_amount,
            "recorded_by": actor,
        },
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.RIGHT_OUTCOME_RECORDED,
        obj=record,
        old_values={"right": right, "outcome": old} if old else {},
        new_values={"right": right, "outcome": outcome},
    )
    return row


@dataclass(frozen=True)
class SkippedMonth:
    """A month OpenFisca-France could not compute: its households were skipped."""

    month: date
    households: int
    cause: str  # the technical reason (exception type and text, shortened)


@dataclass(frozen=True)
class SkippedHousehold:
    """A household OpenFisca-France could not compute alone (its month computes)."""

    dossier_id: int
    number: str
    month: date
    cause: str


@dataclass(frozen=True)
class ScanReport:
    households: int  # open households whose latest budget is in the window
    assessed: int  # estimated
    invalid: int  # incomplete situations, recorded as failed without being simulated
    failed: int  # skipped: OpenFisca-France could not compute them (their month or alone)
    # Households with each right to check (every right, in RightCode order, 0 included).
    rights: dict[RightCode, int] = field(default_factory=dict)
    first_month: date | None = None  # the window's first month
    stale: int = 0  # open households whose latest budget is older: not reassessed
    skipped_months: list[SkippedMonth] = field(default_factory=list)
    # The first ``SKIPPED_LISTED`` households skipped alone, and how many more there were.
    skipped_households: list[SkippedHousehold] = field(default_factory=list)
    skipped_unlisted: int = 0


Progress = Callable[[int, int], None]
"""``progress(done, total)``: households reassessed so far, after each chunk."""

# Households per chunk: one OpenFisca-France simulation each (a chunk holds one month, but
# where a month ends), read and written by a fixed number of queries. 5,000 households take
# about 0.6 GiB in the simulation (shared/docs/OPENFISCA_NOTES.md: 10,000 take 1.2 GiB).
SCAN_CHUNK = 5000
# Budgets read, and records written, per query (keeps ``IN (...)`` lists and statements short
# for every database).
SCAN_QUERY_BATCH = 500
SKIPPED_LISTED = 100


def _no_progress(done: int, total: int) -> None:
    return None


def rights_scan_count(*, today: date | None = None, months: int = SCAN_MONTHS) -> int:
    first = scan_window_start(today or timezone.localdate(), months)
    return scan_households(first).count()


@dataclass
class _Tally:
    assessed: int = 0
    invalid: int = 0
    failed: int = 0
    rights: dict[RightCode, int] = field(default_factory=lambda: dict.fromkeys(RightCode, 0))
    months: dict[date, SkippedMonth] = field(default_factory=dict)
    skipped: list[SkippedHousehold] = field(default_factory=list)
    unlisted: int = 0
    cached_months: set[date] = field(default_factory=set)


def _chunk_budgets(ids: Sequence[int]) -> list[Budget]:
    """The chunk's budgets in scan order, with persons, lines, dossier and applicant."""
    budgets: list[Budget] = []
    for start in range(0, len(ids), SCAN_QUERY_BATCH):
        budgets += (
            Budget.objects.filter(pk__in=ids[start : start + SCAN_QUERY_BATCH])
            .select_related("dossier__applicant")
            .prefetch_related("persons", "lines")
        )
    budgets.sort(key=lambda b: (b.month, b.dossier_id))
    return budgets


def _scan_chunk(
    ids: Sequence[int], tally: _Tally, failed_months: dict[date, engine.Skipped]
) -> None:
    """Reassess the households of the budgets ``ids``: read them, simulate them (skipping and
    reporting what OpenFisca cannot compute), write one record per household."""
    now = timezone.now()
    records: list[RightsAssessmentRecord] = []
    valid: list[tuple[RightsAssessmentRecord, HouseholdSituation, BudgetData]] = []
    for budget in _chunk_budgets(ids):
        dossier = budget.dossier
        data = budget_data(budget)
        situation = situation_from(data, budget, dossier.applicant)
        record = RightsAssessmentRecord(
            dossier=dossier, budget=budget, month=budget.month, finished_at=now
        )
        records.append(record)
        problems = validate_situation(situation)
        if problems:
            record.status = AssessmentStatus.FAILED
            record.error_message = (
                "L'estimation ne peut pas être calculée avec les informations du dossier : "
                + " ".join(problems)
            )
            tally.invalid += 1
        else:
            valid.append((record, situation, data))
    results = engine.assess_households_isolated(
        [situation for _r, situation, _d in valid], failed_months=failed_months
    )
    finished = timezone.now()
    for (record, situation, data), result in zip(valid, results, strict=True):
        record.finished_at = finished
        if isinstance(result, engine.Skipped):
            record.status = AssessmentStatus.FAILED
            record.error_message = result.message
            tally.failed += 1
            if result.whole_month:
                seen = tally.months.get(result.month)
                tally.months[result.month] = SkippedMonth(
                    result.month, (seen.households if seen else 0) + 1, result.cause
                )
            elif len(tally.skipped) < SKIPPED_LISTED:
                tally.skipped.append(
                    SkippedHousehold(
                        record.dossier.pk, record.dossier.number, situation.month, result.cause
                    )
                )
            else:
                tally.unlisted += 1
            continue
        record.store(result)
        record.status = AssessmentStatus.DONE
        tally.assessed += 1
        for right in rules.rights_to_check_for_budget(result, data.budget):
            tally.rights[RightCode(right.code)] += 1
        if result.month not in tally.cached_months:
            tally.cached_months.add(result.month)
            RsaBaseAmount.remember(
                month=result.month,
                amount=result.rsa_base_amount,
                version=result.openfisca_france_version,
            )
    with transaction.atomic():
        RightsAssessmentRecord.objects.bulk_create(records, batch_size=SCAN_QUERY_BATCH)


def rights_scan(
    *,
    today: date | None = None,
    months: int = SCAN_MONTHS,
    chunk_size: int = SCAN_CHUNK,
    progress: Progress = _no_progress,
) -> ScanReport:
    """Reassess every open household whose latest budget is recent, chunk by chunk.

    The households are those of :func:`selectors.scan_households`: open dossiers (not refused,
    reoriented, withdrawn, closed or repaid) whose latest budget describes one of the ``months``
    months up to ``today``'s (older budgets are counted in ``stale``, not reassessed). They are
    read in the order of their budget's month, ``chunk_size`` at a time (a server-side cursor
    on PostgreSQL), and each chunk is one OpenFisca-France simulation per month it holds,
    read and written by a fixed number of queries, so memory does not grow with the caseload.

    A household or a month OpenFisca-France cannot compute never fails the others
    (:func:`engine.assess_households_isolated`): its record is "failed" with the reason, and
    the report lists the months and households skipped. One record per household (no author:
    the scan's), written after its chunk's simulation; no transaction is held during one.
    """
    today = today or timezone.localdate()
    first = scan_window_start(today, months)
    households = scan_households(first)
    total = households.count()
    stale = stale_households(first).count()
    tally = _Tally()
    failed_months: dict[date, engine.Skipped] = {}
    # The annotation of scan_households (not a model field: the ORM's stubs do not see it).
    rows = households.values_list("latest_budget_id", flat=True).iterator(  # type: ignore[misc]
        chunk_size=chunk_size
    )
    done = 0
    progress(0, total)
    while chunk := list(islice(rows, chunk_size)):
        _scan_chunk(chunk, tally, failed_months)
        done += len(chunk)
        progress(done, total)
    return ScanReport(
        households=done,
        assessed=tally.assessed,
        invalid=tally.invalid,
        failed=tally.failed,
        rights=tally.rights,
        first_month=first,
        stale=stale,
        skipped_months=sorted(tally.months.values(), key=lambda m: m.month),
        skipped_households=tally.skipped,
        skipped_unlisted=tally.unlisted,
    )


def rsa_base_amounts_fill(*, months: Sequence[date]) -> list[RsaBaseAmount]:
    """Read the RSA base amount of each month from OpenFisca-France into the cache (loads the
    tax-benefit system in this process: for the worker or a command, never the web)."""
    version = engine.openfisca_france_version()
    return [
        RsaBaseAmount.remember(month=month, amount=engine.rsa_base_amount(month), version=version)
        for month in months
    ]
