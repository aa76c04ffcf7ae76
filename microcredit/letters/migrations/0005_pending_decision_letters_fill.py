"""A PendingDecisionLetter for each decision that calls for a letter and has none yet: the
decisions made before the queue table (ADR 0017). One set-based INSERT … SELECT; undone by
emptying the table (the rows are derived: the decisions and the letters stay)."""

from django.db import migrations
from django.db.models.constants import OnConflict

# letters.enums.LETTER_FOR_TRANSITION's transitions when the table was added (frozen: the
# migration must mean the same thing whatever the enum becomes).
TRANSITIONS = (
    "adjourn",
    "refuse_by_committee",
    "committee_reorient",
    "bank_accept",
    "bank_refuse",
    "disburse",
    "call_guarantee",
    "close",
)


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Insert the rows owed: the decisions of TRANSITIONS without a letter (those queued
    already are skipped: a conflict ignored, not an anti-join on the table being filled, which
    PostgreSQL may rescan for each decision when its statistics say it is empty)."""
    ops = schema_editor.connection.ops
    pending, event, dossier, letter = (
        ops.quote_name(apps.get_model(label)._meta.db_table)
        for label in (
            "letters.PendingDecisionLetter",
            "dossiers.DossierEvent",
            "dossiers.Dossier",
            "letters.Letter",
        )
    )
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)  # INSERT OR IGNORE INTO (SQLite)
    ignore = ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], [])  # ON CONFLICT DO NOTHING
    placeholders = ", ".join(["%s"] * len(TRANSITIONS))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"{insert} {pending} (event_id, organisation_id, at) "  # noqa: S608 (quoted names)
            f"SELECT e.id, d.organisation_id, e.at FROM {event} e "
            f"JOIN {dossier} d ON d.id = e.dossier_id "
            f"WHERE e.transition IN ({placeholders}) "
            f"AND NOT EXISTS (SELECT 1 FROM {letter} l WHERE l.event_id = e.id) {ignore}",
            list(TRANSITIONS),
        )


def empty(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("letters", "PendingDecisionLetter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0004_pending_decision_letters"),
    ]

    operations = [migrations.RunPython(fill, empty)]
