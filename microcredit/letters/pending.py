"""The letters owed and not written yet, added when they become owed, dropped with their
letter, filled for the facts created in bulk (ADR 0017): the decisions' letters
(PendingDecisionLetter) and the loan's follow-up's (PendingServicingLetter).

Knows only the models: the handlers, the writing of a letter and the volume generator use it.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    Min,
    Model,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.constants import OnConflict
from django.db.models.functions import Cast, TruncDate

from microcredit.dossiers.models import DossierEvent
from microcredit.letters.enums import LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.models import Letter, PendingDecisionLetter, PendingServicingLetter
from microcredit.servicing.enums import AlertKind
from microcredit.servicing.models import Alert, RepaymentPlan


def pending_letter_add(event: DossierEvent) -> None:
    """The decision's letter is owed: one row, once (a second call changes nothing). One
    INSERT when the event's dossier is loaded (as dossier_transition leaves it)."""
    if event.transition not in LETTER_FOR_TRANSITION:
        return
    PendingDecisionLetter.objects.bulk_create(
        [
            PendingDecisionLetter(
                event=event, organisation_id=event.dossier.organisation_id, at=event.at
            )
        ],
        ignore_conflicts=True,
    )


def pending_letter_drop(event_id: int) -> None:
    """The decision's letter is written, or none is owed: out of the queue (one DELETE)."""
    PendingDecisionLetter.objects.filter(event_id=event_id).delete()


def pending_letters_fill() -> int:
    """A row for every decision of LETTER_FOR_TRANSITION without a letter (one set-based
    statement; the decisions queued already are left as they are): for the decisions written
    in bulk, without the handler (the volume generator). The number of rows added."""
    decisions = (
        DossierEvent.objects.filter(transition__in=list(LETTER_FOR_TRANSITION))
        .exclude(Exists(Letter.objects.filter(event_id=OuterRef("pk"))))
        .order_by()
        .values_list("pk", "dossier__organisation_id", "at")
    )
    return _insert_ignoring_conflicts(
        PendingDecisionLetter, ("event_id", "organisation_id", "at"), decisions
    )


# --- The letters of the loan's follow-up -----------------------------------------------------

# PendingServicingLetter's columns, in the order of the SELECTs below.
SERVICING_COLUMNS = ("loan_id", "kind", "key", "organisation_id", "on", "decided_at", "first")
# A missed installment's key is its due date (servicing.hooks.letter_due): the letter's day.
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _unwritten(kind: str, key: Any) -> Exists:
    return Exists(
        Letter.objects.filter(dossier_id=OuterRef("loan__dossier_id"), kind=kind, key=key)
    )


def _plans_owed(plans: QuerySet[RepaymentPlan]) -> QuerySet[Any]:
    """The agreed plans (they have their schedule version) without their letter, as rows of
    SERVICING_COLUMNS: the day is the local date of the bank's agreement, as
    letters.selectors.servicing_letters_owed shows it."""
    return (
        plans.filter(schedule_version__isnull=False)
        .exclude(_unwritten(LetterKind.REPAYMENT_PLAN, Cast(OuterRef("pk"), CharField())))
        .annotate(
            pending_kind=Value(LetterKind.REPAYMENT_PLAN.value, output_field=CharField()),
            pending_key=Cast("pk", CharField()),
            pending_organisation=F("loan__dossier__organisation_id"),
            pending_on=TruncDate("decided_at"),
            pending_first=Value(None, output_field=DateField()),
        )
        .order_by()
        .values_list(
            "loan_id",
            "pending_kind",
            "pending_key",
            "pending_organisation",
            "pending_on",
            "decided_at",
            "pending_first",
        )
    )


def _missed_owed(alerts: QuerySet[Alert]) -> QuerySet[Any]:
    """The missed installments servicing raised an alert for (one per loan and key, whatever
    the recipients) without their letter, as rows of SERVICING_COLUMNS: the day is the due date
    (the key), or the first alert's day for a key that is not a date (as _due_date)."""
    return (
        alerts.filter(kind=AlertKind.MISSED_INSTALLMENT)
        .exclude(_unwritten(LetterKind.MISSED_INSTALLMENT, OuterRef("key")))
        .values("loan_id", "key", "loan__dossier__organisation_id")
        .annotate(
            pending_first=Min("as_of"),
            pending_kind=Value(LetterKind.MISSED_INSTALLMENT.value, output_field=CharField()),
            pending_on=Case(
                # The cast on the group's key (MIN), not in the GROUP BY: PostgreSQL
                # would cast every key there, a date or not.
                When(key__regex=ISO_DATE, then=Cast(Min("key"), DateField())),
                default=F("pending_first"),
                output_field=DateField(),
            ),
            pending_decided=Value(None, output_field=DateTimeField()),
        )
        .order_by()
        .values_list(
            "loan_id",
            "pending_kind",
            "key",
            "loan__dossier__organisation_id",
            "pending_on",
            "pending_decided",
            "pending_first",
        )
    )


def _insert_ignoring_conflicts(
    model: type[Model], columns: tuple[str, ...], rows: QuerySet[Any]
) -> int:
    """INSERT INTO `model` (`columns`) `rows` (a SELECT of those columns, in that order), the
    rows already there skipped by the table's unique key: a conflict skipped rather than an
    anti-join on the table being filled, which PostgreSQL would rescan for each row
    (quadratic when its statistics say it is empty). The number of rows added."""
    quote = connection.ops.quote_name
    select, params = rows.query.get_compiler(connection=connection).as_sql()
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    ignore = connection.ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], [])
    names = ", ".join(quote(column) for column in columns)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"{insert} {table} ({names}) {select} {ignore}", params)
        added: int = cursor.rowcount
        return added


def _insert_servicing(rows: QuerySet[Any]) -> int:
    return _insert_ignoring_conflicts(PendingServicingLetter, SERVICING_COLUMNS, rows)


def pending_servicing_add(loan_id: int, kind: str, key: str) -> int:
    """The letter of `kind` and `key` about the loan is owed (servicing.hooks.letter_due): its
    row, once, if the plan is agreed or the missed installment's alert raised, and the letter
    not written (one INSERT … SELECT). The number of rows added (0 or 1)."""
    if kind == LetterKind.REPAYMENT_PLAN:
        if not (key.isascii() and key.isdigit()):
            return 0
        return _insert_servicing(
            _plans_owed(RepaymentPlan.objects.filter(pk=int(key), loan_id=loan_id))
        )
    if kind == LetterKind.MISSED_INSTALLMENT:
        return _insert_servicing(_missed_owed(Alert.objects.filter(loan_id=loan_id, key=key)))
    return 0


def pending_servicing_drop(loan_id: int, kind: str, key: str) -> None:
    """The letter is written, or none is owed: out of the queue (one DELETE)."""
    PendingServicingLetter.objects.filter(loan_id=loan_id, kind=kind, key=key).delete()


def pending_servicing_fill() -> int:
    """A row for every letter of the follow-up owed and not written (two set-based
    statements; the letters queued already are left as they are): for the plans and alerts
    written in bulk, without the hook. The number of rows added."""
    return _insert_servicing(_plans_owed(RepaymentPlan.objects.all())) + _insert_servicing(
        _missed_owed(Alert.objects.all())
    )
