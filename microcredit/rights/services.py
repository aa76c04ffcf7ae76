"""Writes of the rights check: ask for an estimate (run by a task after commit), record what
became of a right, reassess the whole caseload at once, fill the RSA base amount cache."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.budgets.models import Budget
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.services import audit_event_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.rights import engine, rules
from microcredit.rights.enums import UNFINISHED, AssessmentStatus, RightCode, RightOutcome
from microcredit.rights.models import (
    STORED_FIELDS,
    RightOutcomeRecord,
    RightsAssessmentRecord,
    RsaBaseAmount,
)
from microcredit.rights.rules import HouseholdSituation, RightsAssessment, validate_situation
from microcredit.rights.selectors import STALLED_AFTER, open_households, rights_to_check_for
from microcredit.rights.tasks import UNEXPECTED_FAILURE, assess_dossier_rights, situation_for

# Budgets read per query by the scan (keeps ``IN (...)`` lists short for every database).
SCAN_CHUNK = 500


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
class ScanReport:
    households: int  # open dossiers with a budget
    assessed: int  # estimated in the vectorised simulation
    invalid: int  # incomplete situations, recorded as failed without being simulated
    failed: int  # estimated but OpenFisca-France failed
    # Households with each right to check (every right, in RightCode order, 0 included).
    rights: dict[RightCode, int] = field(default_factory=dict)


Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``; steps: "prepare", "compute", "store"."""


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def rights_scan_count() -> int:
    return open_households().count()


def rights_scan(*, progress: Progress = _no_progress) -> ScanReport:
    """Reassess every open household in ONE vectorised OpenFisca-France simulation.

    One record per dossier (no author: the scan's), for its latest budget. A household whose
    situation is incomplete is recorded as failed with its French message and left out of the
    simulation; when the simulation itself fails, every record of the run says so. The records
    are written before and after the simulation, not in one transaction around it (it may take
    seconds for thousands of households: no lock is held meanwhile).
    """
    dossiers = list(open_households())
    total = len(dossiers)
    budgets: dict[int, Budget] = {}
    ids = [d.latest_budget_id for d in dossiers]  # type: ignore[attr-defined]
    for start in range(0, len(ids), SCAN_CHUNK):
        chunk = Budget.objects.filter(pk__in=ids[start : start + SCAN_CHUNK]).prefetch_related(
            "persons", "lines"
        )
        budgets.update({b.pk: b for b in chunk})
    now = timezone.now()
    records: list[RightsAssessmentRecord] = []
    situations: list[HouseholdSituation] = []
    for done, dossier in enumerate(dossiers, 1):
        budget = budgets[dossier.latest_budget_id]  # type: ignore[attr-defined]
        situation = situation_for(budget, dossier.applicant)
        problems = validate_situation(situation)
        record = RightsAssessmentRecord(
            dossier=dossier,
            budget=budget,
            month=budget.month,
            status=AssessmentStatus.FAILED if problems else AssessmentStatus.RUNNING,
        )
        if problems:
            record.error_message = (
                "L'estimation ne peut pas être calculée avec les informations du dossier : "
                + " ".join(problems)
            )
            record.finished_at = now
        else:
            situations.append(situation)
        records.append(record)
        progress("prepare", done, total)
    with transaction.atomic():
        RightsAssessmentRecord.objects.bulk_create(records)
    running = [r for r in records if r.status == AssessmentStatus.RUNNING]
    progress("compute", 0, len(situations))
    try:
        results = engine.assess_households(situations)
    except Exception as error:
        message = (
            str(error)
            if isinstance(error, engine.RightsComputationError | engine.InvalidSituationError)
            else UNEXPECTED_FAILURE
        )
        finished = timezone.now()
        for record in running:
            record.status = AssessmentStatus.FAILED
            record.error_message = message
            record.finished_at = finished
        RightsAssessmentRecord.objects.bulk_update(
            running, ["status", "error_message", "finished_at"], batch_size=SCAN_CHUNK
        )
        return ScanReport(total, 0, total - len(running), len(running))
    progress("compute", len(situations), len(situations))
    finished = timezone.now()
    months: dict[date, RightsAssessment] = {}
    for record, assessment in zip(running, results, strict=True):
        record.store(assessment)
        record.status = AssessmentStatus.DONE
        record.finished_at = finished
        months[assessment.month] = assessment
    fields = ["status", "finished_at", *STORED_FIELDS]
    for start in range(0, len(running), SCAN_CHUNK):
        with transaction.atomic():
            RightsAssessmentRecord.objects.bulk_update(running[start : start + SCAN_CHUNK], fields)
        progress("store", min(start + SCAN_CHUNK, len(running)), len(running))
    for month, assessment in months.items():
        RsaBaseAmount.remember(
            month=month,
            amount=assessment.rsa_base_amount,
            version=assessment.openfisca_france_version,
        )
    listed = dict.fromkeys(RightCode, 0)
    for record in running:
        for right in rights_to_check_for(record):
            listed[RightCode(right.code)] += 1
    return ScanReport(total, len(running), total - len(running), 0, listed)


def rsa_base_amounts_fill(*, months: Sequence[date]) -> list[RsaBaseAmount]:
    """Read the RSA base amount of each month from OpenFisca-France into the cache (loads the
    tax-benefit system in this process: for the worker or a command, never the web)."""
    version = engine.openfisca_france_version()
    return [
        RsaBaseAmount.remember(month=month, amount=engine.rsa_base_amount(month), version=version)
        for month in months
    ]
