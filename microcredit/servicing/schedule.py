"""The platform's periodic jobs and when they run, for the `microcredit scheduler` process.

Each job is a management command run once a day at a wall-clock time of `settings.TIME_ZONE`
(Europe/Paris), for that day's date. The scheduler ticks every few seconds and runs the jobs
whose time fell since its previous tick, once per day each (also on the days the clocks change:
times are compared on the wall clock, and a job already run for a date is not run again by the
same process). A job that fails is logged and the others still run; it is run again by hand
with its command (docs/operations.md).

A few jobs repeat through the day (`RepeatingJob`: the webhooks' retries): each runs when its
interval has passed since its previous run by this process (the first one interval after the
process starts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import StringIO, TextIOBase

from django.core.management import call_command
from django.utils import timezone

from microcredit.core.formatting import format_date

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    at: time  # every day at this wall-clock time (settings.TIME_ZONE)
    command: str  # a management command
    arguments: Callable[[date], list[str]]  # its arguments for the day it runs
    description: str


@dataclass(frozen=True)
class RepeatingJob:
    name: str
    every: timedelta  # again this long after its previous run
    command: str  # a management command
    arguments: Callable[[date], list[str]]  # its arguments (the day it runs)
    description: str


def _arrears_arguments(day: date) -> list[str]:
    return ["--as-of", day.isoformat()]


def _on_arguments(day: date) -> list[str]:
    return ["--on", day.isoformat()]


def _no_arguments(day: date) -> list[str]:
    return []


SCHEDULE: tuple[PeriodicJob, ...] = (
    # At 02:00 the job computes the arrears of the day that begins: an installment due
    # yesterday and unpaid is one day past due (LOAN_CONVENTIONS); the repayments the bank
    # recorded up to then, dated up to today, are counted.
    PeriodicJob(
        name="arrears",
        at=time(2, 0),
        command="arrears",
        arguments=_arrears_arguments,
        description="Retards de la nuit : situations du jour, alertes, plans de reprise suivis",
    ),
    # At 03:00, after the arrears, the retention job (privacy): the people whose dossiers are
    # all closed and whose last contact is older than the parameters' retention are anonymised.
    PeriodicJob(
        name="retention",
        at=time(3, 0),
        command="retention",
        arguments=_arrears_arguments,
        description="Conservation : anonymisation au-delà de la durée de conservation",
    ),
    # At 03:30 the API's idempotency records older than MICROCREDIT_IDEMPOTENCY_DAYS (#18): the
    # first answers to the banks' writes, kept for their retries.
    PeriodicJob(
        name="idempotency_prune",
        at=time(3, 30),
        command="api_idempotency_prune",
        arguments=_no_arguments,
        description="API : suppression des clés d'idempotence échues",
    ),
    # At 08:00 the e-mails to the borrowers and applicants who agreed to them (never at night):
    # the installments due in five days, the appointments of the next day (followup).
    PeriodicJob(
        name="installment_reminders",
        at=time(8, 0),
        command="installment_reminders",
        arguments=_on_arguments,
        description="Rappels des échéances dans 5 jours",
    ),
    PeriodicJob(
        name="appointment_reminders",
        at=time(8, 0),
        command="appointment_reminders",
        arguments=_on_arguments,
        description="Rappels des rendez-vous du lendemain",
    ),
)


# Jobs that repeat through the day (see the module's docstring).
REPEATING: tuple[RepeatingJob, ...] = (
    # Every minute, the notifications to the banks whose retry is due (api.webhooks, #18).
    RepeatingJob(
        name="webhooks",
        every=timedelta(minutes=1),
        command="webhooks_deliver",
        arguments=_no_arguments,
        description="Notifications aux banques : nouvelles tentatives",
    ),
)


def _wall_clock(moment: datetime) -> datetime:
    """The local wall-clock time of an aware moment, without its zone (so that the repeated
    hour of the autumn change compares as the clock reads)."""
    return timezone.localtime(moment).replace(tzinfo=None, fold=0)


def jobs_due(
    previous: datetime, now: datetime, schedule: Iterable[PeriodicJob] = SCHEDULE
) -> list[tuple[PeriodicJob, date]]:
    """The (job, day) whose time fell in (previous, now], on the local wall clock, in order."""
    start, end = _wall_clock(previous), _wall_clock(now)
    found: list[tuple[datetime, PeriodicJob, date]] = []
    day = start.date()
    while day <= end.date():
        for job in schedule:
            at = datetime.combine(day, job.at)
            if start < at <= end:
                found.append((at, job, day))
        day += timedelta(days=1)
    found.sort(key=lambda f: (f[0], f[1].name))
    return [(job, day) for _at, job, day in found]


def job_run(job: PeriodicJob | RepeatingJob, day: date, stdout: TextIOBase | None = None) -> bool:
    """Run one job for `day`; False (logged) when it failed."""
    arguments = job.arguments(day)
    logger.info("Scheduler: %s %s", job.command, " ".join(arguments))
    try:
        call_command(job.command, *arguments, stdout=stdout or StringIO())
    except Exception:
        logger.exception("Scheduler: %s for %s failed", job.name, day.isoformat())
        return False
    return True


@dataclass(frozen=True)
class JobRun:
    job: PeriodicJob | RepeatingJob
    day: date
    ok: bool

    def describe(self) -> str:
        """In French, for the process's output."""
        outcome = "exécutée" if self.ok else "en échec (voir le journal)"
        return f"Tâche « {self.job.name} » du {format_date(self.day)} : {outcome}."


class Scheduler:
    """The state of a scheduler process: its previous tick and what it already ran."""

    def __init__(
        self,
        start: datetime,
        schedule: Iterable[PeriodicJob] = SCHEDULE,
        repeating: Iterable[RepeatingJob] = REPEATING,
    ) -> None:
        self.previous = start
        self.schedule = tuple(schedule)
        self.repeating = tuple(repeating)
        self.done: set[tuple[str, date]] = set()
        self.last_run = {job.name: start for job in self.repeating}

    def tick(self, now: datetime, stdout: TextIOBase | None = None) -> list[JobRun]:
        """Run the jobs due since the previous tick; what ran."""
        ran = []
        for job, day in jobs_due(self.previous, now, self.schedule):
            if (job.name, day) in self.done:
                continue
            self.done.add((job.name, day))
            ran.append(JobRun(job, day, job_run(job, day, stdout)))
        today = _wall_clock(now).date()
        for repeated in self.repeating:
            if now - self.last_run[repeated.name] >= repeated.every:
                self.last_run[repeated.name] = now
                ran.append(JobRun(repeated, today, job_run(repeated, today, stdout)))
        self.previous = max(self.previous, now)
        week_ago = _wall_clock(now).date() - timedelta(days=7)
        self.done = {(name, day) for name, day in self.done if day >= week_ago}
        return ran
