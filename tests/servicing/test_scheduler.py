"""The scheduler process: which jobs fall due between two ticks (Paris wall clock, clock
changes included), and one tick at 02:00 runs the nightly arrears job for that day."""

from __future__ import annotations

import io
import os
import signal
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.management import call_command

from microcredit.accounts.enums import Role
from microcredit.servicing import schedule
from microcredit.servicing.models import ArrearsSnapshot
from microcredit.servicing.schedule import (
    SCHEDULE,
    PeriodicJob,
    RepeatingJob,
    Scheduler,
    jobs_due,
)
from tests.servicing.arrears_helpers import PARIS, reference_loan

ARREARS = next(job for job in SCHEDULE if job.name == "arrears")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def _ticks(start: datetime, end: datetime, seconds: int = 30) -> list[datetime]:
    moments, moment = [], start
    while moment <= end:
        moments.append(moment)
        moment += timedelta(seconds=seconds)
    return moments


def test_the_arrears_job_runs_every_night_at_two_for_that_day() -> None:
    assert (ARREARS.at, ARREARS.command) == (time(2, 0), "arrears")
    assert ARREARS.arguments(date(2026, 4, 20)) == ["--as-of", "2026-04-20"]
    due = jobs_due(paris(2026, 4, 20, 1, 59, 30), paris(2026, 4, 20, 2, 0))
    assert due == [(ARREARS, date(2026, 4, 20))]
    assert jobs_due(paris(2026, 4, 20, 2, 0), paris(2026, 4, 20, 2, 0, 30)) == []
    assert jobs_due(paris(2026, 4, 20, 1, 0), paris(2026, 4, 20, 1, 59, 59)) == []
    # A process stopped for three nights catches up, one run per day, in order.
    due = jobs_due(paris(2026, 4, 17, 12, 0), paris(2026, 4, 20, 12, 0), [ARREARS])
    assert due == [(ARREARS, date(2026, 4, d)) for d in (18, 19, 20)]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        # 29 March 2026: at 02:00 (CET) the clocks go to 03:00 (CEST).
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 3, 0, tzinfo=UTC)),
        # 25 October 2026: at 03:00 (CEST) the clocks go back to 02:00 (CET).
        (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), datetime(2026, 10, 25, 3, 0, tzinfo=UTC)),
    ],
)
def test_each_job_runs_once_on_the_nights_the_clocks_change(
    first: datetime, last: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[str, date]] = []
    monkeypatch.setattr(
        schedule, "job_run", lambda job, day, stdout=None: ran.append((job.name, day)) or True
    )
    at_two = PeriodicJob("two", time(2, 0), "check", lambda day: [], "à 2 h")
    half_past = PeriodicJob("half", time(2, 30), "check", lambda day: [], "à 2 h 30")
    scheduler = Scheduler(first, [at_two, half_past], repeating=())
    for moment in _ticks(first, last):
        scheduler.tick(moment)
    day = last.astimezone(PARIS).date()
    assert sorted(ran) == [("half", day), ("two", day)]


def test_a_failed_job_is_reported_and_the_next_ones_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def call(command: str, *arguments: str, stdout: object = None) -> None:
        if command == "broken":
            raise RuntimeError("boom")

    monkeypatch.setattr(schedule, "call_command", call)
    broken = PeriodicJob("broken", time(2, 0), "broken", lambda day: [], "en panne")
    fine = PeriodicJob("fine", time(2, 0), "fine", lambda day: [], "marche")
    runs = Scheduler(paris(2026, 4, 20, 1, 59), [broken, fine], repeating=()).tick(
        paris(2026, 4, 20, 2, 0)
    )
    assert [(r.job.name, r.ok) for r in runs] == [("broken", False), ("fine", True)]
    assert runs[0].describe() == "Tâche « broken » du 20/04/2026 : en échec (voir le journal)."


def test_a_repeating_job_runs_each_time_its_interval_has_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[tuple[str, date]] = []
    monkeypatch.setattr(
        schedule, "job_run", lambda job, day, stdout=None: ran.append((job.name, day)) or True
    )
    every_five = RepeatingJob("often", timedelta(minutes=5), "check", lambda day: [], "5 min")
    start = paris(2026, 4, 20, 23, 50)
    scheduler = Scheduler(start, [], [every_five])
    for seconds in range(30, 20 * 60 + 1, 30):  # a tick every 30 s for 20 minutes
        scheduler.tick(start + timedelta(seconds=seconds))
    # 23:55, then 00:00, 00:05 and 00:10: each on its own wall-clock day.
    assert ran == [("often", date(2026, 4, 20))] + [("often", date(2026, 4, 21))] * 3


@pytest.mark.django_db
def test_a_tick_at_two_runs_the_arrears_job_for_that_day(make_user) -> None:  # type: ignore[no-untyped-def]
    loan = reference_loan(
        referent=make_user(Role.REFERENT), adviser=make_user(Role.BANK_ADVISER, username="cb")
    )
    out = io.StringIO()
    call_command("scheduler", "--tick", "2026-04-20T04:00", stdout=out)
    assert "Aucune tâche à cette heure." in out.getvalue()
    assert not ArrearsSnapshot.objects.exists()

    out = io.StringIO()
    call_command("scheduler", "--tick", "2026-04-20T02:00", stdout=out)

    assert "Tâche « arrears » du 20/04/2026 : exécutée." in out.getvalue()
    snapshot = ArrearsSnapshot.objects.get()
    assert (snapshot.loan_id, snapshot.as_of) == (loan.pk, date(2026, 4, 20))
    assert (snapshot.days_past_due, snapshot.bucket) == (64, "60+")  # nothing paid since 15/02


def test_the_schedule_is_listed() -> None:
    out = io.StringIO()
    call_command("scheduler", "--list", stdout=out)
    assert out.getvalue().startswith("02:00  arrears    microcredit arrears")


def test_the_process_ticks_until_it_is_asked_to_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    from microcredit.servicing.management.commands import scheduler as command

    ticks: list[datetime] = []
    monkeypatch.setattr(
        command.Scheduler, "tick", lambda self, now, stdout=None: ticks.append(now) or []
    )
    monkeypatch.setattr(command, "close_old_connections", lambda: None)
    sleeps = iter(range(100))

    def sleep(seconds: float) -> None:
        if next(sleeps) == 2 * command.TICK_SECONDS + 5:  # during the third wait: systemd stops it
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(command.clock, "sleep", sleep)
    before = signal.getsignal(signal.SIGTERM)
    out = io.StringIO()
    call_command("scheduler", stdout=out)
    assert len(ticks) == 3
    assert out.getvalue().splitlines()[-1] == "Planificateur arrêté."
    assert signal.getsignal(signal.SIGTERM) == before  # the handlers are given back
