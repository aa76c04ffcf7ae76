"""Audit rows, access-log rows and dossier events are append-only on PostgreSQL (#17, point 5):
the triggers of core's migration 0003 and dossiers' 0007 refuse UPDATE and DELETE, except the
retention job's anonymisation (UPDATE inside `personal_data_anonymisation()`) and a row its own
transaction wrote and has not committed yet (UPDATE or DELETE). These tests commit their rows first
(transactional database) and run on PostgreSQL only: SQLite has no such trigger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from microcredit.accounts.enums import Role
from microcredit.core.appendonly import personal_data_anonymisation
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.core.services import access_log_create, audit_event_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import DossierEvent
from tests.factories import make_dossier

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the append-only triggers exist on PostgreSQL only (SQLite has none)",
    ),
]

TABLES = {
    AuditEvent: ("core_auditevent", "reason"),
    AccessLog: ("core_accesslog", "detail"),
    DossierEvent: ("dossiers_dossierevent", "reason"),
}


@pytest.fixture
def rows(make_user) -> dict[type, Any]:  # type: ignore[no-untyped-def]
    """One committed row of each table (the transactional database commits each statement)."""
    referent = make_user(Role.REFERENT, username="referente")
    dossier = make_dossier(created_by=referent)
    return {
        AuditEvent: audit_event_create(
            actor=referent, action=AuditAction.DOSSIER_CREATED, obj=dossier, reason="Ouverture"
        ),
        AccessLog: access_log_create(
            user=referent, action=AccessAction.DOSSIER_DETAIL, obj=dossier, detail="lecture"
        ),
        DossierEvent: DossierEvent.objects.create(
            dossier=dossier,
            actor=referent,
            transition="open",
            to_state=DossierState.RECEPTION,
            reason="Ouverture",
        ),
    }


def refused(action: Callable[[], object]) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        action()
    return str(error.value)


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_three_tables_have_their_trigger() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s ORDER BY 1",
            ["%_append_only"],
        )
        assert [name for (name,) in cursor.fetchall()] == sorted(t for t, _ in TABLES.values())


@pytest.mark.parametrize("model", list(TABLES), ids=lambda m: m.__name__)
def test_update_and_delete_are_refused_by_sql_and_by_the_orm(rows, model) -> None:  # type: ignore[no-untyped-def]
    table, field = TABLES[model]
    row = rows[model]
    sql_update = f"UPDATE {table} SET {field} = %s WHERE id = %s"  # noqa: S608 (names of this test)
    assert "UPDATE refused" in refused(lambda: raw(sql_update, ["falsifié", row.pk]))
    delete = f"DELETE FROM {table} WHERE id = %s"  # noqa: S608
    assert "DELETE refused" in refused(lambda: raw(delete, [row.pk]))
    refused(lambda: model.objects.filter(pk=row.pk).update(**{field: "falsifié"}))
    setattr(row, field, "falsifié")
    refused(lambda: row.save(update_fields=[field]))
    refused(lambda: model.objects.filter(pk=row.pk).delete())
    assert model.objects.filter(pk=row.pk).exclude(**{field: "falsifié"}).count() == 1


@pytest.mark.parametrize("model", list(TABLES), ids=lambda m: m.__name__)
def test_the_anonymisation_may_update_but_never_delete(rows, model) -> None:  # type: ignore[no-untyped-def]
    _table, field = TABLES[model]
    row = rows[model]
    with personal_data_anonymisation():
        model.objects.filter(pk=row.pk).update(**{field: "[anonymisé]"})
    assert model.objects.get(pk=row.pk).__dict__[field] == "[anonymisé]"

    def delete_while_anonymising() -> None:
        with personal_data_anonymisation():
            model.objects.filter(pk=row.pk).delete()

    refused(delete_while_anonymising)
    # The setting is transaction-local: after it, updates are refused again.
    refused(lambda: model.objects.filter(pk=row.pk).update(**{field: "encore"}))


def test_a_row_may_be_corrected_by_the_transaction_that_wrote_it_not_after(rows) -> None:  # type: ignore[no-untyped-def]
    event = rows[DossierEvent]
    with transaction.atomic(), transaction.atomic():  # a savepoint, as in the history import
        fresh = DossierEvent.objects.create(
            dossier=event.dossier,
            actor=event.actor,
            transition="open",
            to_state=DossierState.RECEPTION,
        )
        DossierEvent.objects.filter(pk=fresh.pk).update(reason="daté après coup")
        dropped = AccessLog.objects.create(user=event.actor, action=AccessAction.DOSSIER_LIST)
        AccessLog.objects.filter(pk=dropped.pk).delete()
    refused(lambda: DossierEvent.objects.filter(pk=fresh.pk).update(reason="plus tard"))
    refused(lambda: DossierEvent.objects.filter(pk=fresh.pk).delete())
    assert DossierEvent.objects.get(pk=fresh.pk).reason == "daté après coup"
    assert not AccessLog.objects.filter(pk=dropped.pk).exists()
