"""A PendingServicingLetter for each letter of the loans' follow-up owed and not written: the
agreed plans and the missed installments servicing raised an alert for before the queue table
(ADR 0017). Two set-based INSERT … SELECT (one per source), the SELECTs built by the ORM on the
historical models (the local date of a plan's agreement, a key read as a date, on SQLite and
PostgreSQL alike); undone by emptying the table (the rows are derived: the plans, the alerts and
the letters stay)."""

from django.db import migrations
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Value,
    When,
)
from django.db.models.constants import OnConflict
from django.db.models.functions import Cast, TruncDate

# letters.pending's names when the table was added (frozen: the migration must mean the same
# thing whatever the code becomes).
COLUMNS = ("loan_id", "kind", "key", "organisation_id", "on", "decided_at", "first")
REPAYMENT_PLAN = "repayment_plan"
MISSED_INSTALLMENT = "missed_installment"  # the letter's kind and the alert's
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def sources(apps):  # type: ignore[no-untyped-def]
    """The SELECTs of the letters owed and unwritten, as rows of COLUMNS: the agreed plans (the
    day of the bank's agreement, local) and the missed installments (one per loan and key; the
    day is the due date, the key)."""
    letter = apps.get_model("letters", "Letter")

    def unwritten(kind, key):  # type: ignore[no-untyped-def]
        return Exists(
            letter.objects.filter(dossier_id=OuterRef("loan__dossier_id"), kind=kind, key=key)
        )

    plans = (
        apps.get_model("servicing", "RepaymentPlan")
        .objects.filter(schedule_version__isnull=False)
        .exclude(unwritten(REPAYMENT_PLAN, Cast(OuterRef("pk"), CharField())))
        .annotate(
            pending_kind=Value(REPAYMENT_PLAN, output_field=CharField()),
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
    missed = (
        apps.get_model("servicing", "Alert")
        .objects.filter(kind=MISSED_INSTALLMENT)
        .exclude(unwritten(MISSED_INSTALLMENT, OuterRef("key")))
        .values("loan_id", "key", "loan__dossier__organisation_id")
        .annotate(
            pending_first=Min("as_of"),
            pending_kind=Value(MISSED_INSTALLMENT, output_field=CharField()),
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
    return plans, missed


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Insert the rows owed (those queued already are skipped: a conflict ignored, not an
    anti-join on the table being filled, as letters 0005)."""
    connection = schema_editor.connection
    ops = connection.ops
    table = ops.quote_name(apps.get_model("letters", "PendingServicingLetter")._meta.db_table)
    columns = ", ".join(ops.quote_name(column) for column in COLUMNS)
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE)  # INSERT OR IGNORE INTO (SQLite)
    ignore = ops.on_conflict_suffix_sql([], OnConflict.IGNORE, [], [])  # ON CONFLICT DO NOTHING
    with connection.cursor() as cursor:
        for rows in sources(apps):
            select, params = rows.query.get_compiler(connection=connection).as_sql()
            cursor.execute(f"{insert} {table} ({columns}) {select} {ignore}", params)


def empty(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("letters", "PendingServicingLetter").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0006_pending_servicing_letters"),
        ("servicing", "0005_list_indexes"),
    ]

    operations = [migrations.RunPython(fill, empty)]
