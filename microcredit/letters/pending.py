"""The decision letters not written yet (PendingDecisionLetter): added with the decision,
dropped with its letter, filled for decisions created in bulk (ADR 0017).

Knows only the models: the handler, the writing of a letter and the volume generator use it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.constants import OnConflict

from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.letters.enums import LETTER_FOR_TRANSITION
from microcredit.letters.models import Letter, PendingDecisionLetter


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
    quote = connection.ops.quote_name
    pending, event, dossier, letter = (
        quote(model._meta.db_table)
        for model in (PendingDecisionLetter, DossierEvent, Dossier, Letter)
    )
    placeholders = ", ".join(["%s"] * len(LETTER_FOR_TRANSITION))
    # A conflict skipped rather than an anti-join on the table being filled: PostgreSQL would
    # rescan its new pages for each decision (quadratic when its statistics say it is empty).
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    ignore = connection.ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"{insert} {pending} (event_id, organisation_id, at) "  # noqa: S608 (quoted names)
            f"SELECT e.id, d.organisation_id, e.at FROM {event} e "
            f"JOIN {dossier} d ON d.id = e.dossier_id "
            f"WHERE e.transition IN ({placeholders}) "
            f"AND NOT EXISTS (SELECT 1 FROM {letter} l WHERE l.event_id = e.id) {ignore}",
            list(LETTER_FOR_TRANSITION),
        )
        added: int = cursor.rowcount
        return added
