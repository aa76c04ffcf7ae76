"""Reads of letters, through the dossier permission funnel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import CharField, Exists, Min, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.core.pagination import count_up_to
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.letters.enums import LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.models import (
    Letter,
    LetterTemplate,
    PendingDecisionLetter,
    PendingServicingLetter,
)
from microcredit.servicing.enums import AlertKind
from microcredit.servicing.models import Alert, RepaymentPlan

# The dossier's states once the cheque is handed over: its loan may owe letters
# (SERVICING_LETTERS).
AFTER_THE_CHEQUE = frozenset(
    {
        DossierState.DISBURSED,
        DossierState.REPAID,
        DossierState.GUARANTEE_CALLED,
        DossierState.CLOSED,
    }
)


@dataclass(frozen=True)
class LetterRow:
    """A letter the dossier calls for, and the letter (None: pending, not written yet: the task
    has not run, or it failed and `microcredit letters_backfill` will write it).

    Either a decision of LETTER_FOR_TRANSITION (`event`) or a fact of the loan's follow-up
    (`key`: the missed installment's due date, the plan's id); `on` is the day of the decision
    or of the fact (the missed installment's due date, the day the bank agreed the plan)."""

    kind: str
    on: date
    letter: Letter | None
    event: DossierEvent | None = None
    key: str = ""

    @property
    def kind_label(self) -> str:
        return LetterKind(self.kind).label

    @property
    def pending(self) -> bool:
        return self.letter is None


@dataclass(frozen=True)
class Owed:
    """A letter of the loan's follow-up the borrower is owed (SERVICING_LETTERS)."""

    loan_id: int
    dossier_id: int
    dossier_number: str
    kind: str
    key: str
    on: date


def _due_date(key: str, default: date) -> date:
    try:
        return date.fromisoformat(key)
    except ValueError:
        return default


def _owed_sources(
    *, dossier_id: int | None, organisation_id: int | None, unwritten: bool
) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The two sources of the letters owed, ordered: the agreed plans (pk, loan, dossier,
    number, decided_at) and the missed installments (loan, dossier, number, key, first)."""
    plans = RepaymentPlan.objects.filter(schedule_version__isnull=False)
    alerts = Alert.objects.filter(kind=AlertKind.MISSED_INSTALLMENT)
    if dossier_id is not None:
        plans = plans.filter(loan__dossier_id=dossier_id)
        alerts = alerts.filter(loan__dossier_id=dossier_id)
    if organisation_id is not None:
        plans = plans.filter(loan__dossier__organisation_id=organisation_id)
        alerts = alerts.filter(loan__dossier__organisation_id=organisation_id)
    if unwritten:
        plans = plans.exclude(
            Exists(
                Letter.objects.filter(
                    dossier_id=OuterRef("loan__dossier_id"),
                    kind=LetterKind.REPAYMENT_PLAN,
                    key=Cast(OuterRef("pk"), output_field=CharField()),
                )
            )
        )
        alerts = alerts.exclude(
            Exists(
                Letter.objects.filter(
                    dossier_id=OuterRef("loan__dossier_id"),
                    kind=LetterKind.MISSED_INSTALLMENT,
                    key=OuterRef("key"),
                )
            )
        )
    agreed = plans.values_list(
        "pk", "loan_id", "loan__dossier_id", "loan__dossier__number", "decided_at"
    ).order_by("decided_at", "pk")
    missed = (
        alerts.values_list("loan_id", "loan__dossier_id", "loan__dossier__number", "key")
        .annotate(first=Min("as_of"))
        .order_by("first", "loan_id", "key")
    )
    return agreed, missed


def _owed(agreed: Iterable[tuple[Any, ...]], missed: Iterable[tuple[Any, ...]]) -> list[Owed]:
    owed = [
        Owed(loan_id, dossier, number, LetterKind.REPAYMENT_PLAN, str(pk), timezone.localdate(at))
        for pk, loan_id, dossier, number, at in agreed
    ]
    owed += [
        Owed(loan_id, dossier, number, LetterKind.MISSED_INSTALLMENT, key, _due_date(key, first))
        for loan_id, dossier, number, key, first in missed
    ]
    owed.sort(key=lambda o: o.on)  # stable: each source keeps its order within a day
    return owed


def servicing_letters_owed(
    *, dossier_id: int | None = None, organisation_id: int | None = None, unwritten: bool = False
) -> list[Owed]:
    """The letters owed after the facts of the loans' follow-up, oldest first (two queries):
    one per agreed plan (it has its schedule version), one per missed installment servicing
    raised an alert for (the alert's key is the installment's due date, as letter_due's).

    `dossier_id`: of that dossier only; `organisation_id`: of that CCAS's dossiers only;
    `unwritten`: only those without their letter."""
    agreed, missed = _owed_sources(
        dossier_id=dossier_id, organisation_id=organisation_id, unwritten=unwritten
    )
    return _owed(agreed, missed)


def unwritten_letters_first(
    organisation_id: int, size: int, count_limit: int | None = None
) -> tuple[list[Owed], int]:
    """The CCAS's `size` oldest letters of the follow-up owed and not written, in
    servicing_letters_owed's order, and how many there are (up to `count_limit`, when given):
    two queries, each reading the pending rows of the organisation only
    (PendingServicingLetter's index), whatever the number of plans and alerts ever recorded.
    The caller has checked that the person works for the organisation (its CCAS staff)."""
    pending = PendingServicingLetter.objects.filter(organisation_id=organisation_id)
    first = pending.order_by("on", "-kind", "decided_at", "first", "loan_id", "key")[:size]
    rows = [
        Owed(loan_id, dossier_id, number, kind, key, on)
        for loan_id, dossier_id, number, kind, key, on in first.values_list(
            "loan_id", "loan__dossier_id", "loan__dossier__number", "kind", "key", "on"
        )
    ]
    return rows, count_up_to(pending, count_limit)


def letters_for_dossier(
    dossier: Dossier, events: Iterable[DossierEvent] | None = None
) -> list[LetterRow]:
    """Each letter `dossier` calls for, newest first, with the letter or none yet: a decision
    that calls for a letter, a plan agreed, a missed installment (a fixed number of queries,
    whatever the number of decisions, facts and letters).

    `events`: all the dossier's events, already read with their letters
    (`select_related("letter")`), taken rather than read again (one query fewer).

    The caller has checked that the person may see the dossier; letters are for CCAS staff."""
    if events is None:
        events = (
            DossierEvent.objects.filter(dossier=dossier, transition__in=list(LETTER_FOR_TRANSITION))
            .select_related("letter")
            .order_by("-at", "-id")
        )
    else:
        events = sorted(
            (event for event in events if event.transition in LETTER_FOR_TRANSITION),
            key=lambda event: (event.at, event.pk),
            reverse=True,
        )
    rows = [
        LetterRow(
            LETTER_FOR_TRANSITION[event.transition],
            timezone.localdate(event.at),
            getattr(event, "letter", None),
            event=event,
        )
        for event in events
    ]
    if dossier.state not in AFTER_THE_CHEQUE:
        return rows  # no loan, nothing followed up yet: the one query above
    owed = servicing_letters_owed(dossier_id=dossier.pk)
    written = {
        (letter.kind, letter.key): letter
        for letter in Letter.objects.filter(dossier=dossier, event__isnull=True)
    }
    for item in reversed(owed):
        rows.append(
            LetterRow(item.kind, item.on, written.pop((item.kind, item.key), None), key=item.key)
        )
    rows += [  # written, and no longer owed (the alert or the plan gone)
        LetterRow(letter.kind, timezone.localdate(letter.created_at), letter, key=letter.key)
        for letter in written.values()
    ]
    rows.sort(key=lambda row: row.on, reverse=True)  # stable: same-day rows keep their order
    return rows


def events_without_letter() -> QuerySet[DossierEvent]:
    """The decisions that call for a letter and have none, oldest first, with their dossier
    (one query): what `microcredit letters_backfill` writes, with servicing_letters_owed."""
    return (
        DossierEvent.objects.filter(transition__in=list(LETTER_FOR_TRANSITION), letter__isnull=True)
        .select_related("dossier")
        .order_by("at", "id")
    )


@dataclass(frozen=True)
class PendingDecision:
    """A decision whose letter is not written yet (the task has not run, or it failed and
    `microcredit letters_backfill` will write it)."""

    kind: str  # of LETTER_FOR_TRANSITION
    on: date  # the day of the decision (local)
    dossier_id: int
    dossier_number: str
    event_id: int


def decision_letters_pending(
    organisation_id: int, size: int, count_limit: int | None = None
) -> tuple[list[PendingDecision], int]:
    """The organisation's `size` oldest decisions whose letter is not written (oldest first,
    the event's id breaking ties) and how many there are (up to `count_limit`, when given):
    two queries, each reading the
    pending rows of the organisation only (PendingDecisionLetter's index), whatever the
    number of decisions ever made. The caller has checked that the person works for the
    organisation (its CCAS staff)."""
    pending = PendingDecisionLetter.objects.filter(organisation_id=organisation_id)
    rows = [
        PendingDecision(
            kind=LETTER_FOR_TRANSITION[transition],
            on=timezone.localdate(at),
            dossier_id=dossier_id,
            dossier_number=number,
            event_id=event_id,
        )
        for event_id, transition, at, dossier_id, number in pending.order_by(
            "at", "event_id"
        ).values_list(
            "event_id",
            "event__transition",
            "event__at",
            "event__dossier_id",
            "event__dossier__number",
        )[:size]
    ]
    return rows, count_up_to(pending, count_limit)


def letter_for_user_or_404(user: User, membership: Membership | None, letter_id: int) -> Letter:
    """The letter if `user` works the dossier it belongs to (CCAS staff); 404 otherwise.

    Letters carry the applicant's name and address: never shown to the bank or the commission,
    whatever they may see of the dossier."""
    if membership is None or membership.role not in DOSSIER_STAFF_ROLES:
        raise Http404("Courrier introuvable.")
    letter = Letter.objects.select_related("dossier").filter(pk=letter_id).first()
    if letter is None:
        raise Http404("Courrier introuvable.")
    dossier_for_user_or_404(user, membership, letter.dossier_id)
    return letter


@dataclass(frozen=True)
class TemplateRow:
    kind: str
    label: str
    template: LetterTemplate | None  # None: the default texts


def letter_templates(organisation_id: int) -> list[TemplateRow]:
    """Each kind of letter with the organisation's own texts, if any (one query)."""
    own = {t.kind: t for t in LetterTemplate.objects.filter(organisation_id=organisation_id)}
    return [TemplateRow(kind, label, own.get(kind)) for kind, label in LetterKind.choices]
