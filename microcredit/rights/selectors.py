"""Reads of the rights check: the dossier page's « Droits à vérifier » section and the
households the periodic scan reassesses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.utils import timezone

from loan_engine import add_months
from microcredit.budgets.hooks import RsaBase
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson
from microcredit.budgets.selectors import budget_data
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.rights import rules
from microcredit.rights.enums import AssessmentStatus
from microcredit.rights.models import RightOutcomeRecord, RightsAssessmentRecord, RsaBaseAmount


def rsa_base_amount_for(month: date) -> RsaBase | None:
    """The cached RSA base amount of `month`, or of the latest month before it (for budgets)."""
    row = RsaBaseAmount.objects.filter(month__lte=month).order_by("-month").first()
    if row is None:
        return None
    return RsaBase(
        month=row.month, amount=row.amount, openfisca_france_version=row.openfisca_france_version
    )


# A computation not finished after this long is taken as lost (worker stopped): the page stops
# polling and offers to run it again.
STALLED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class RightRow:
    right: rules.RightToCheck
    outcome: RightOutcomeRecord | None


@dataclass(frozen=True)
class RightsPanel:
    """The « Droits à vérifier » section of the dossier page."""

    record: RightsAssessmentRecord | None
    has_budget: bool
    running: bool = False
    stalled: bool = False
    rows: list[RightRow] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    outdated: bool = False  # the estimate read an older budget version than the latest
    scales: rules.Scales | None = None  # the month's reference amounts

    @property
    def can_request(self) -> bool:
        return self.has_budget and not self.running


def latest_record(
    dossier: Dossier, latest_budget: Budget | None = None
) -> RightsAssessmentRecord | None:
    """The dossier's latest estimate, with its budget's persons and lines and its outcomes.

    ``latest_budget``: the dossier's latest budget, already read with its persons and lines
    (``budgets.selectors.latest_budget``); an estimate of that version takes it rather than
    reading its persons and lines again (two queries fewer)."""
    record = (
        RightsAssessmentRecord.objects.filter(dossier=dossier)
        .select_related("budget")
        .prefetch_related(
            Prefetch("outcomes", queryset=RightOutcomeRecord.objects.select_related("recorded_by"))
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if record is None:
        return None
    if latest_budget is not None and record.budget_id == latest_budget.pk:
        record.budget = latest_budget
    else:
        prefetch_related_objects(
            [record],
            Prefetch("budget__persons", queryset=BudgetPerson.objects.order_by("position")),
            Prefetch("budget__lines", queryset=BudgetLine.objects.order_by("kind", "id")),
        )
    return record


def rights_to_check_for(
    record: RightsAssessmentRecord, assessment: rules.RightsAssessment | None = None
) -> list[rules.RightToCheck]:
    """The rights whose estimate exceeds what the record's budget version declares
    (``assessment``: the record's, when the caller has already read it)."""
    assessment = assessment or record.assessment()
    if assessment is None:
        return []
    return list(rules.rights_to_check_for_budget(assessment, budget_data(record.budget).budget))


def rights_panel(dossier: Dossier, latest_budget: Budget | None) -> RightsPanel:
    """The section's content in a fixed number of queries (one without an estimate; none
    without a budget).

    ``latest_budget``: the dossier's latest budget version (None: it has none). An estimate
    reads a budget version of its dossier (services: one of the dossier's budgets, which
    cannot be deleted under it), so a dossier without a budget has none to look for."""
    if latest_budget is None:
        return RightsPanel(record=None, has_budget=False)
    record = latest_record(dossier, latest_budget)
    if record is None:
        return RightsPanel(record=None, has_budget=True)
    stalled = record.is_unfinished and record.created_at < timezone.now() - STALLED_AFTER
    outcomes = {o.right: o for o in record.outcomes.all()}
    assessment = record.assessment()
    rows = [
        RightRow(right, outcomes.get(right.code))
        for right in rights_to_check_for(record, assessment)
    ]
    return RightsPanel(
        record=record,
        has_budget=True,
        running=record.is_unfinished and not stalled,
        stalled=stalled,
        rows=rows,
        caveats=list(record.caveats) if record.status == AssessmentStatus.DONE else [],
        outdated=record.budget_id != latest_budget.pk,
        scales=assessment.scales if assessment is not None else None,
    )


# The scan leaves alone the dossiers that are over: refused, reoriented, withdrawn, closed
# (workflow.FINAL_STATES) and repaid (the household's accompaniment ends with the project
# proof and the bonification; its budget is that of the diagnosis, months or years ago).
SCAN_EXCLUDED_STATES = frozenset({*FINAL_STATES, DossierState.REPAID})
SCAN_MONTHS = 12
"""The scan's window: the budgets of the current month and of the eleven before it."""


def scan_window_start(today: date, months: int = SCAN_MONTHS) -> date:
    """The first month the scan reassesses: ``months`` months up to ``today``'s included."""
    if months < 1:
        raise ValueError("the window holds at least one month")
    return add_months(today, -(months - 1), day=1)


def open_households() -> QuerySet[Dossier]:
    """Dossiers still open (not in ``SCAN_EXCLUDED_STATES``) that have a budget, each with its
    latest budget's id and month (``latest_budget_id``, ``latest_budget_month``)."""
    latest = Budget.objects.filter(dossier=OuterRef("pk")).order_by("-version")
    return (
        Dossier.objects.exclude(state__in=SCAN_EXCLUDED_STATES)
        .annotate(
            latest_budget_id=Subquery(latest.values("pk")[:1]),
            latest_budget_month=Subquery(latest.values("month")[:1]),
        )
        .filter(latest_budget_id__isnull=False)
        .order_by("id")
    )


def scan_households(first_month: date) -> QuerySet[Dossier]:
    """The caseload the periodic scan reassesses: open households whose latest budget
    describes ``first_month`` or a later month, in the order of the scan (month, then dossier:
    each chunk of it is, but at a month's end, one month and so one simulation)."""
    return (
        open_households()
        .filter(Q(latest_budget_month__gte=first_month))
        .order_by(F("latest_budget_month"), "id")
    )


def stale_households(first_month: date) -> QuerySet[Dossier]:
    """Open households whose latest budget is older than ``first_month``: not reassessed."""
    return open_households().filter(Q(latest_budget_month__lt=first_month))
