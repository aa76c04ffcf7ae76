"""The database keeps a loan's organisation equal to its dossier's (loans migration 0011,
ADR 0018): on SQLite and on PostgreSQL, an INSERT or UPDATE that would break it is refused with
an IntegrityError and writes nothing. On SQLite the triggers are lifted by the migrate command
around its migrations, so that a table rebuild of dossiers_dossier succeeds."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import (
    IntegrityError,
    OperationalError,
    connection,
    connections,
    migrations,
    models,
    transaction,
)
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import post_migrate, pre_migrate
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.dossiers.models import Dossier
from microcredit.loans import triggers
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from tests.factories import make_dossier, make_granted_dossier, make_loan, migrate

MESSAGE = "L'organisation du prêt doit être celle de son dossier."


@pytest.fixture
def other_ccas(db: None) -> Organisation:
    return Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")


def unsaved_loan(dossier: Dossier, organisation: Organisation, bank_id: int) -> Loan:
    return Loan(
        dossier=dossier,
        organisation=organisation,
        bank_id=bank_id,
        principal=Decimal("1000.00"),
        nominal_rate_percent=Decimal("1.750"),
        months=12,
        disbursement_date=timezone.localdate(),
        installment=Decimal("84.12"),
        total_interest=Decimal("9.44"),
        total_due=Decimal("1009.44"),
        apr_percent=Decimal("1.76"),
    )


def refused(write) -> IntegrityError:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert MESSAGE in str(caught.value)
    return caught.value


@pytest.mark.django_db
def test_a_loan_of_its_dossiers_organisation_is_written(referent: User, adviser: User) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    assert loan.organisation_id == loan.dossier.organisation_id
    loan.state = "repaid"
    loan.save()  # a full UPDATE, organisation_id included
    loan.dossier.save()  # the dossier's full UPDATE keeps its (same) organisation
    assert Loan.objects.get(pk=loan.pk).state == "repaid"


@pytest.mark.django_db
def test_a_loan_of_another_organisation_is_refused_and_nothing_written(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    assert dossier.organisation_id != other_ccas.pk
    loan = unsaved_loan(dossier, other_ccas, bank_id=dossier.bank_decision.bank_id)
    refused(loan.save)
    assert not Loan.objects.filter(dossier=dossier).exists()
    # The same row with the dossier's organisation is accepted: only the organisation was wrong.
    unsaved_loan(dossier, dossier.organisation, bank_id=dossier.bank_decision.bank_id).save()
    assert Loan.objects.filter(dossier=dossier, organisation=dossier.organisation).exists()


@pytest.mark.django_db
def test_moving_a_loan_to_another_organisation_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    own = loan.organisation_id
    refused(lambda: Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas))
    loan.organisation = other_ccas
    refused(loan.save)
    assert Loan.objects.get(pk=loan.pk).organisation_id == own


@pytest.mark.django_db
def test_moving_a_loan_to_a_dossier_of_another_organisation_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    elsewhere = make_dossier(created_by=referent, organisation=other_ccas)
    refused(lambda: Loan.objects.filter(pk=loan.pk).update(dossier=elsewhere))
    assert Loan.objects.get(pk=loan.pk).dossier_id == loan.dossier_id


@pytest.mark.django_db
def test_changing_the_organisation_of_a_dossier_under_its_loan_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    dossier = loan.dossier
    refused(lambda: Dossier.objects.filter(pk=dossier.pk).update(organisation=other_ccas))
    dossier.organisation = other_ccas
    refused(dossier.save)
    assert Dossier.objects.get(pk=dossier.pk).organisation_id == loan.organisation_id
    # A dossier without a loan is not the trigger's business.
    free = make_dossier(created_by=referent)
    Dossier.objects.filter(pk=free.pk).update(organisation=other_ccas)
    assert Dossier.objects.get(pk=free.pk).organisation_id == other_ccas.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_existing_inconsistent_loans(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    migrate(("loans", "0010_last_change_indexes"))  # no trigger: the old schema
    try:
        Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas)
        with pytest.raises(RuntimeError, match=rf"1 prêt\(s\) .*prêts n° {loan.pk}\)"):
            migrate(("loans", "0011_loan_organisation_trigger"))
        Loan.objects.filter(pk=loan.pk).update(organisation=loan.dossier.organisation)
    finally:
        migrate(None)
    # Migrated again once aligned: the triggers are back.
    refused(lambda: Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas))


# SQLite: the triggers belong to the migrate command (loans.triggers), not to its migrations.

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's table rebuild")
PROBE = ("dossiers", "9999_rebuild_probe")


def sqlite_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()} & set(triggers.SQLITE_TRIGGERS)


def dossier_columns() -> set[str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, "dossiers_dossier")
    return {column.name for column in description}


@pytest.fixture
def probe_migration(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every MigrationLoader (the migrate command's included) also finds PROBE, after the latest
    dossiers migration and loans 0011: it adds a non-null column with a default to Dossier, which
    SQLite can only do by rebuilding dossiers_dossier. Returns the latest dossiers migration."""
    build_graph = MigrationLoader.build_graph
    latest: list[str] = []

    def with_probe(loader: MigrationLoader) -> None:
        build_graph(loader)
        migration = migrations.Migration(PROBE[1], PROBE[0])
        migration.dependencies = [*loader.graph.leaf_nodes(PROBE[0]), triggers.MIGRATION]
        migration.operations = [
            migrations.AddField(
                "dossier", "rebuild_probe", models.CharField(max_length=1, default="x")
            )
        ]
        latest[:] = [name for app, name in loader.graph.leaf_nodes(PROBE[0])]
        loader.disk_migrations[PROBE] = migration
        loader.graph.add_node(PROBE, migration)
        for parent in migration.dependencies:
            loader.graph.add_dependency(migration, PROBE, parent)

    monkeypatch.setattr(MigrationLoader, "build_graph", with_probe)
    MigrationLoader(connection)
    return latest[0]


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_migration_rebuilding_the_dossier_table_runs_and_the_triggers_come_back(
    referent: User, adviser: User, other_ccas: Organisation, probe_migration: str
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    triggers.drop_sqlite_triggers(connection)
    call_command("migrate", "loans", verbosity=0)  # nothing to apply: post_migrate creates them
    assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)
    try:
        with CaptureQueriesContext(connection) as queries:
            call_command("migrate", *PROBE, verbosity=0)
        assert any("new__dossiers_dossier" in query["sql"] for query in queries)  # a rebuild
        assert "rebuild_probe" in dossier_columns()
        assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)
        # The rebuilt dossiers_dossier is named again by working triggers, its own included.
        refused(lambda: Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas))
        refused(lambda: Dossier.objects.filter(pk=loan.dossier_id).update(organisation=other_ccas))
    finally:
        call_command("migrate", PROBE[0], probe_migration, verbosity=0)
    assert "rebuild_probe" not in dossier_columns()
    assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_same_migration_fails_on_the_triggers_without_the_receivers(
    probe_migration: str,
) -> None:
    loans = apps.get_app_config("loans")
    pre_migrate.disconnect(sender=loans, dispatch_uid="loans.triggers.drop")
    try:
        with pytest.raises(OperationalError, match="error in trigger"):
            call_command("migrate", *PROBE, verbosity=0)
    finally:
        pre_migrate.connect(
            triggers.drop_before_migrate, sender=loans, dispatch_uid="loans.triggers.drop"
        )
    # The failed migration was rolled back: no column, no record, the triggers still there.
    assert "rebuild_probe" not in dossier_columns()
    assert PROBE not in MigrationLoader(connection).applied_migrations
    assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_receivers_act_only_once_loans_0011_is_applied() -> None:
    loans = apps.get_app_config("loans")
    signal = {"sender": loans, "app_config": loans, "verbosity": 0, "interactive": False}
    pre_migrate.send(using=connection.alias, apps=apps, plan=[], **signal)
    assert sqlite_triggers() == set()
    post_migrate.send(using=connection.alias, apps=apps, plan=[], **signal)
    assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)
    post_migrate.send(using=connection.alias, apps=apps, plan=[], **signal)  # flush: idempotent
    assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)
    call_command("migrate", "loans", "0010_last_change_indexes", verbosity=0)
    try:
        assert sqlite_triggers() == set()  # 0011 unapplied: post_migrate leaves them out
        post_migrate.send(using=connection.alias, apps=apps, plan=[], **signal)
        assert sqlite_triggers() == set()
    finally:
        call_command("migrate", verbosity=0)
    assert sqlite_triggers() == set(triggers.SQLITE_TRIGGERS)


def in_other_transaction(write, written: threading.Event, hold: float = 0.5) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run `write` in a transaction of another connection, kept open `hold` seconds after it."""

    def run() -> None:
        try:
            with transaction.atomic():
                write()
                written.set()
                time.sleep(hold)
        finally:
            written.set()
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_loan_created_while_its_dossier_moves_waits_and_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    written = threading.Event()
    # No loan yet: the dossier may move; its transaction stays open while the loan is written.
    mover = in_other_transaction(
        lambda: Dossier.objects.filter(pk=dossier.pk).update(organisation=other_ccas), written
    )
    assert written.wait(timeout=10)
    # The loan copies the organisation it read before the move committed: it waits for the
    # move (FOR SHARE), then reads the moved organisation and is refused.
    loan = unsaved_loan(dossier, dossier.organisation, bank_id=dossier.bank_decision.bank_id)
    refused(loan.save)
    mover.join(timeout=30)
    assert not Loan.objects.filter(dossier=dossier).exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_dossier_moved_while_its_loan_is_created_waits_and_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    written = threading.Event()
    loan = unsaved_loan(dossier, dossier.organisation, bank_id=dossier.bank_decision.bank_id)
    creator = in_other_transaction(loan.save, written)
    assert written.wait(timeout=10)
    refused(lambda: Dossier.objects.filter(pk=dossier.pk).update(organisation=other_ccas))
    creator.join(timeout=30)
    assert Loan.objects.get(dossier=dossier).organisation_id == dossier.organisation_id
    assert Dossier.objects.get(pk=dossier.pk).organisation_id == dossier.organisation_id
