"""Dossier events become append-only on PostgreSQL: the trigger function of core's migration 0003
(`microcredit_append_only()`, see there for its two exceptions) on dossiers_dossierevent. No
model change. SQLite has no trigger."""

from django.db import migrations

TABLE = "dossiers_dossierevent"


def append_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};"
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION microcredit_append_only();"
    )


def drop_append_only(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_access_log_filters_and_append_only"),
        ("dossiers", "0006_dossier_external_number_dossier_imported_at_and_more"),
    ]

    operations = [migrations.RunPython(append_only, drop_append_only)]
