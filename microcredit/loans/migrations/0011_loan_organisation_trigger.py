"""A loan's organisation is its dossier's, enforced by the database (issue #19; ADR 0018).

`Loan.organisation` copies `Loan.dossier.organisation` so that the lists filter loans by
organisation on an index, and the CCAS staff's access to a loan reads it. Triggers, on SQLite
and on PostgreSQL, refuse:
- an INSERT on loans_loan, or an UPDATE of its organisation_id or dossier_id, whose
  organisation_id is not its dossier's organisation_id (also when the dossier does not exist);
- an UPDATE of dossiers_dossier.organisation_id that would make it differ from its loan's.
The message is MESSAGE (written out in each trigger's SQL). SQLite's RAISE(ABORT, …) is a
constraint error, PostgreSQL raises SQLSTATE 23514 (check_violation): Django surfaces both as
IntegrityError.

On PostgreSQL the loan's trigger reads the dossier FOR SHARE: a loan inserted while another
transaction moves its dossier waits for it and then reads the moved organisation (and the move
waits for the loan's transaction, then sees its loan). SQLite serialises its writers.

Existing rows: before creating the triggers the migration counts the loans whose organisation
differs from their dossier's and, if there is any, fails with that count, a few loan ids and the
query that would align them. It does not align them itself: the code has always copied the
dossier's organisation and a dossier never moves, so an inconsistent loan means a bug or a hand
edit whose cause must be understood first; and rewriting the organisation silently changes which
CCAS staff see the loan (and its history), a decision for a person, not for a deployment.

On SQLite the triggers are not created here but by the `migrate` command itself, which drops
them before running any migration and creates them again afterwards when this migration is
applied (receivers in `microcredit.loans.triggers`, connected in `LoansConfig.ready()`): Django's
table rebuild of dossiers_dossier or loans_loan, in any later migration, would otherwise fail on
them ("error in trigger …: no such table"). Here, on SQLite, the migration only checks the
existing rows; its reverse drops the triggers (by their names, frozen below). This module does
not import `microcredit.loans.triggers`, so that module may change without touching history.
"""

from django.db import migrations

MESSAGE = "L'organisation du prêt doit être celle de son dossier."

SQLITE_DROP = [  # the triggers that `microcredit.loans.triggers` creates on SQLite
    "DROP TRIGGER IF EXISTS loans_loan_organisation_insert",
    "DROP TRIGGER IF EXISTS loans_loan_organisation_update",
    "DROP TRIGGER IF EXISTS dossiers_dossier_loan_organisation",
]

POSTGRESQL_CREATE = [
    """
    CREATE OR REPLACE FUNCTION loans_loan_organisation_check() RETURNS trigger AS $$
    DECLARE
        dossier_organisation bigint;
    BEGIN
        SELECT organisation_id INTO dossier_organisation
        FROM dossiers_dossier WHERE id = NEW.dossier_id FOR SHARE;
        IF NEW.organisation_id IS DISTINCT FROM dossier_organisation THEN
            RAISE EXCEPTION 'L''organisation du prêt doit être celle de son dossier.'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Prêt %s : organisation %s, dossier %s : organisation %s.',
                                      NEW.id, NEW.organisation_id, NEW.dossier_id,
                                      dossier_organisation);
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS loans_loan_organisation ON loans_loan",
    """
    CREATE TRIGGER loans_loan_organisation
    BEFORE INSERT OR UPDATE OF organisation_id, dossier_id ON loans_loan
    FOR EACH ROW EXECUTE FUNCTION loans_loan_organisation_check()
    """,
    """
    CREATE OR REPLACE FUNCTION dossiers_dossier_loan_organisation_check() RETURNS trigger AS $$
    DECLARE
        loan_organisation bigint;
    BEGIN
        SELECT organisation_id INTO loan_organisation FROM loans_loan WHERE dossier_id = NEW.id;
        IF FOUND AND loan_organisation IS DISTINCT FROM NEW.organisation_id THEN
            RAISE EXCEPTION 'L''organisation du prêt doit être celle de son dossier.'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Dossier %s : organisation %s demandée, son prêt est à %s.',
                                      NEW.id, NEW.organisation_id, loan_organisation);
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS dossiers_dossier_loan_organisation ON dossiers_dossier",
    """
    CREATE TRIGGER dossiers_dossier_loan_organisation
    BEFORE UPDATE OF organisation_id ON dossiers_dossier
    FOR EACH ROW WHEN (NEW.organisation_id IS DISTINCT FROM OLD.organisation_id)
    EXECUTE FUNCTION dossiers_dossier_loan_organisation_check()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS loans_loan_organisation ON loans_loan",
    "DROP TRIGGER IF EXISTS dossiers_dossier_loan_organisation ON dossiers_dossier",
    "DROP FUNCTION IF EXISTS loans_loan_organisation_check()",
    "DROP FUNCTION IF EXISTS dossiers_dossier_loan_organisation_check()",
]

INCONSISTENT = """
    SELECT loans_loan.id FROM loans_loan
    JOIN dossiers_dossier ON dossiers_dossier.id = loans_loan.dossier_id
    WHERE loans_loan.organisation_id <> dossiers_dossier.organisation_id
    ORDER BY loans_loan.id
"""
ALIGN = (
    "UPDATE loans_loan SET organisation_id = (SELECT organisation_id FROM dossiers_dossier"
    " WHERE dossiers_dossier.id = loans_loan.dossier_id)"
)


def check_existing_loans(schema_editor) -> None:  # type: ignore[no-untyped-def]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INCONSISTENT)
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        shown = ", ".join(str(pk) for pk in ids[:20]) + (" …" if len(ids) > 20 else "")
        raise RuntimeError(
            f"{len(ids)} prêt(s) ont une organisation différente de celle de leur dossier "
            f"(prêts n° {shown}). {MESSAGE} Examinez ces prêts (pourquoi ont-ils divergé ?), "
            f"puis alignez-les sur leur dossier si c'est le bon choix : {ALIGN}; "
            "et relancez la migration."
        )


def create_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements: list[str] = []  # created by post_migrate (loans.triggers)
    elif vendor == "postgresql":
        statements = POSTGRESQL_CREATE
    else:
        raise RuntimeError(f"Base {vendor} non prise en charge : triggers de loans 0011.")
    check_existing_loans(schema_editor)
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0010_reoriented_label_index"),
        ("loans", "0010_last_change_indexes"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
