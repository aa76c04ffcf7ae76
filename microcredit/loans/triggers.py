"""SQLite's triggers keeping a loan's organisation equal to its dossier's (ADR 0018).

On SQLite these triggers belong to the `migrate` command, not to the migrations it runs. Each
table's triggers name the other table, so Django's table rebuild (`_remake_table`: create
`new__<table>`, copy, drop, rename), used by many schema changes of dossiers_dossier or
loans_loan, fails while they exist ("error in trigger …: no such table"). So, on SQLite only:

- `drop_before_migrate` (a `pre_migrate` receiver) drops them before any migration runs;
- `create_after_migrate` (a `post_migrate` receiver) creates them again once every migration
  has run, if migration ("loans", "0011_loan_organisation_trigger") is recorded as applied on
  that database. `flush` also sends `post_migrate` (transactional tests): it is idempotent
  (drop and create, in one transaction).

Both are connected once, with the loans AppConfig as sender, in `LoansConfig.ready()`; each acts
on the database named by the signal's `using`. PostgreSQL is left alone: its triggers call
plpgsql functions that resolve the tables at run time, so its rebuild-free migrations never trip
on them; migration 0011 creates them there.

Where the SQL lives: this module holds the *current* SQLite SQL, created against the current
schema after every migration run, so it must follow the schema (change it here if a column it
names changes). Migration 0011 does not import this module: on SQLite it only checks the
existing rows and its reverse drops the three triggers by their (frozen) names, and its
PostgreSQL SQL stays frozen in it, like any migration, so renaming or changing this module never
breaks the migration history. The row check is the migration's: rows written between the two
signals (by a later data migration) are not re-checked when the triggers come back.

A `migrate` that fails on SQLite leaves the database without these triggers (no `post_migrate`);
the next successful `migrate` (or `flush`) restores them. Code that runs migrations without the
command (MigrationExecutor) must call both receivers around it, as `tests.factories.migrate`
does.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

MIGRATION = ("loans", "0011_loan_organisation_trigger")

SQLITE_CREATE = [
    """
    CREATE TRIGGER loans_loan_organisation_insert BEFORE INSERT ON loans_loan
    FOR EACH ROW WHEN NEW.organisation_id IS NOT
        (SELECT organisation_id FROM dossiers_dossier WHERE id = NEW.dossier_id)
    BEGIN SELECT RAISE(ABORT, 'L''organisation du prêt doit être celle de son dossier.'); END
    """,
    """
    CREATE TRIGGER loans_loan_organisation_update
    BEFORE UPDATE OF organisation_id, dossier_id ON loans_loan
    FOR EACH ROW WHEN NEW.organisation_id IS NOT
        (SELECT organisation_id FROM dossiers_dossier WHERE id = NEW.dossier_id)
    BEGIN SELECT RAISE(ABORT, 'L''organisation du prêt doit être celle de son dossier.'); END
    """,
    """
    CREATE TRIGGER dossiers_dossier_loan_organisation
    BEFORE UPDATE OF organisation_id ON dossiers_dossier
    FOR EACH ROW WHEN NEW.organisation_id IS NOT OLD.organisation_id AND EXISTS
        (SELECT 1 FROM loans_loan
         WHERE dossier_id = NEW.id AND organisation_id IS NOT NEW.organisation_id)
    BEGIN SELECT RAISE(ABORT, 'L''organisation du prêt doit être celle de son dossier.'); END
    """,
]
SQLITE_TRIGGERS = (
    "loans_loan_organisation_insert",
    "loans_loan_organisation_update",
    "dossiers_dossier_loan_organisation",
)
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def drop_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in SQLITE_DROP:
            cursor.execute(statement)


def create_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers, replacing any older version (idempotent)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in SQLITE_DROP + SQLITE_CREATE:
            cursor.execute(statement)


def trigger_migration_applied(connection: BaseDatabaseWrapper) -> bool:
    return MIGRATION in MigrationRecorder(connection).applied_migrations()


def drop_before_migrate(sender: Any = None, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """`pre_migrate` receiver: on SQLite, no trigger while the migrations run."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        drop_sqlite_triggers(connection)


def create_after_migrate(sender: Any = None, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """`post_migrate` receiver (also sent by `flush`): on SQLite, the triggers again, if loans
    0011 is applied on that database."""
    connection = connections[using]
    if connection.vendor == "sqlite" and trigger_migration_applied(connection):
        create_sqlite_triggers(connection)
