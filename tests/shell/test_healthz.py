"""/healthz and the task queue: a task ready to run that no worker started for longer than
TASK_QUEUE_STALE_AFTER makes the platform « degraded » (503), with the count and the wait."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

pytestmark = pytest.mark.django_db


def _task(
    status: str = "READY",
    waited: timedelta = timedelta(0),
    run_after: datetime | None = None,
) -> DBTaskResult:  # type: ignore[type-arg]
    """A real row of django-tasks-db's table, enqueued `waited` ago."""
    row = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="microcredit.letters.tasks.letter_render",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - waited)
    return row


def test_ok_when_the_ready_tasks_are_recent(client) -> None:  # type: ignore[no-untyped-def]
    _task(waited=timedelta(minutes=2))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_degraded_when_a_ready_task_waits_longer_than_the_threshold(client) -> None:  # type: ignore[no-untyped-def]
    _task(waited=timedelta(minutes=40))
    _task(waited=timedelta(minutes=20))
    _task(waited=timedelta(minutes=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["tasks"]["stale"] == 2
    assert body["tasks"]["stale_after_seconds"] == 15 * 60
    assert 40 * 60 <= body["tasks"]["oldest_wait_seconds"] < 41 * 60


def test_started_or_finished_tasks_are_not_waiting(client) -> None:  # type: ignore[no-untyped-def]
    for status in ("RUNNING", "SUCCESSFUL", "FAILED"):
        _task(status=status, waited=timedelta(hours=3))
    assert client.get("/healthz").status_code == 200


def test_a_delayed_task_waits_from_its_run_after(client) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    # Enqueued long ago for later: not due yet, then due for 5 minutes only.
    _task(waited=timedelta(days=2), run_after=now + timedelta(hours=1))
    _task(waited=timedelta(days=2), run_after=now - timedelta(minutes=5))
    assert client.get("/healthz").status_code == 200
    # Due for half an hour: its wait counts from run_after, not from its enqueueing.
    _task(waited=timedelta(days=2), run_after=now - timedelta(minutes=30))
    response = client.get("/healthz")
    assert response.status_code == 503
    tasks = response.json()["tasks"]
    assert tasks["stale"] == 1
    assert 30 * 60 <= tasks["oldest_wait_seconds"] < 31 * 60


def test_the_threshold_is_a_setting(client, settings) -> None:  # type: ignore[no-untyped-def]
    _task(waited=timedelta(minutes=20))
    settings.TASK_QUEUE_STALE_AFTER = timedelta(hours=1)
    assert client.get("/healthz").status_code == 200
    settings.TASK_QUEUE_STALE_AFTER = timedelta(minutes=10)
    assert client.get("/healthz").json()["tasks"]["stale_after_seconds"] == 600


def test_the_load_balancers_check_leaves_the_queue_out(client) -> None:  # type: ignore[no-untyped-def]
    _task(waited=timedelta(hours=1))
    response = client.get("/healthz?check=database")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert client.get("/healthz").status_code == 503


@pytest.mark.parametrize("size", [1, 60])
def test_two_queries_whatever_the_queue_holds(client, size: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(size):
        _task(waited=timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.json()["tasks"]["stale"] == size
    assert len(queries) == 2
