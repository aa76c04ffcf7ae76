"""When the demo's work happened: office hours on working days (Europe/Paris), in the past.

The demo plays its dossiers through the services, which date what they create « now » (the
load). ``Stamper`` puts the rows a step created on the step's own moment; the pure helpers here
choose those moments: a slot of the office day (08:30–17:30, Monday to Friday), spread evenly
between two known moments (the commission's session, the bank's days) or a few days after the
previous step when nothing comes after it. Deterministic: no randomness, only the demo's dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zlib import crc32

from django.apps import apps
from django.db import models
from django.utils import timezone

# The office's slots: every quarter of an hour from 08:30 to 17:30.
OFFICE_TIMES: tuple[time, ...] = tuple(
    time(8 + (30 + 15 * k) // 60, (30 + 15 * k) % 60) for k in range(37)
)


def aware_at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def latest_slot(now: datetime) -> datetime:
    """The last office slot not after `now`."""
    local = timezone.localtime(now)
    day = local.date()
    if is_working_day(day):
        earlier = [t for t in OFFICE_TIMES if t <= local.time().replace(tzinfo=None)]
        if earlier:
            return aware_at(day, earlier[-1])
    return aware_at(working_day_on_or_before(day - timedelta(days=1)), OFFICE_TIMES[-1])


def slots_between(low: datetime, high: datetime) -> list[datetime]:
    """The office slots strictly between `low` and `high`."""
    found: list[datetime] = []
    day = timezone.localtime(low).date()
    last = timezone.localtime(high).date()
    while day <= last:
        if is_working_day(day):
            found.extend(s for t in OFFICE_TIMES if low < (s := aware_at(day, t)) < high)
        day += timedelta(days=1)
    return found


def spread_next(low: datetime, high: datetime, remaining: int) -> datetime:
    """The moment of the first of `remaining` steps spread evenly between `low` and `high`."""
    slots = slots_between(low, high)
    if not slots:
        return low + timedelta(minutes=1)
    return slots[len(slots) // (remaining + 1)]


def after_days(low: datetime, days: int, salt: str, latest: datetime) -> datetime | None:
    """A slot on the working day `days` after `low` (its time chosen from `salt`), or None
    when that is later than `latest`."""
    day = working_day_on_or_after(timezone.localtime(low).date() + timedelta(days=days))
    at = aware_at(day, OFFICE_TIMES[crc32(salt.encode()) % len(OFFICE_TIMES)])
    if at <= low:
        at = low + timedelta(minutes=15)
    return at if at <= latest else None


def office_time(salt: str) -> time:
    return OFFICE_TIMES[crc32(salt.encode()) % len(OFFICE_TIMES)]


def _stamped_fields() -> list[tuple[type[models.Model], list[str]]]:
    """The project's models and their fields the database fills with « now »."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("microcredit."):
            continue
        if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField):
            continue
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateTimeField) and (f.auto_now_add or f.auto_now)
        ]
        if fields:
            found.append((model, fields))
    return found


Marks = dict[type[models.Model], int]


class Stamper:
    """Dates the rows created since a mark on a moment of the demo's past."""

    def __init__(self) -> None:
        self.fields = _stamped_fields()

    def mark(self) -> Marks:
        return {
            model: model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0
            for model, _ in self.fields
        }

    def stamp(self, since: Marks, at: datetime) -> Marks:
        """Date every row created after `since` at `at`; the new mark."""
        marks = dict(since)
        for model, names in self.fields:
            manager = model._default_manager
            if manager.filter(pk__gt=since[model]).update(**dict.fromkeys(names, at)):
                marks[model] = manager.aggregate(top=models.Max("pk"))["top"] or 0
        return marks
