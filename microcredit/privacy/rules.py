"""Retention and anonymisation rules (pure Python, no Django): who is due, the fictitious birth
date that keeps only the ages the statistics read, and how personal values are scrubbed from
the audit trail. docs/privacy.md says why."""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

# The text that replaces a person's last name once anonymised (lists keep a readable label).
ANONYMISED_NAME = "Personne anonymisée"
# What replaces a scrubbed value inside an audit row's old or new values.
SCRUBBED = "[anonymisé]"

# Keys of an audit row's old/new values that hold a person's data or a free text: their values
# are scrubbed whatever they hold (the other values are scrubbed when they contain one of the
# person's identifying strings).
PERSONAL_KEYS = frozenset(
    {
        "last_name",
        "first_name",
        "birth_date",
        "email",
        "phone",
        "address",
        "search_name",
        "persons",
        "members",
        "project_description",
        "no_ordinary_credit_evidence",
        "payee_name",
        "payee_address",
        "payee_siret",
        "payee_change_reason",
        "oriented_by_name",
        "quote_reference",
        "body",
        "outcome",
        "summary",
        "place",
        "with_whom",
        "reason",
        "decision_reason",
        "refusal_text",
        "note",
        "closed_reason",
        "waived_reason",
        "refusal_reason_text",
        "original_name",
        "message",
    }
)


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months (the 31st of a shorter month → its last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_ends(last_contact: date, retention_months: int) -> date:
    """The first day on which a person whose last contact was `last_contact` is anonymised."""
    return add_months(last_contact, retention_months)


def is_due(last_contact: date, retention_months: int, as_of: date) -> bool:
    """True when the retention period after the last contact has run out by `as_of`."""
    return retention_ends(last_contact, retention_months) <= as_of


def completed_years(birth: date, on: date) -> int:
    """Whole years from `birth` to `on` (the age on that day)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def fictitious_birth_date(birth: date, dates: Iterable[date]) -> date:
    """A date other than `birth` with the same age in whole years on each of `dates` (the days
    the statistics and the budgets read an age), so that every figure stays the same.

    The ages on the dates pin the birth date in an interval (the latest lower bound, the
    earliest upper bound]; the earliest upper bound is taken, or the day before it when it is
    the real birth date. Without any date, the 1st of January of the birth year, or the 2nd
    when the person was born on the 1st of January."""
    useful = sorted(set(dates))
    if not useful:
        first = date(birth.year, 1, 1)
        return first if first != birth else date(birth.year, 1, 2)
    upper = min(_years_before(day, completed_years(birth, day)) for day in useful)
    candidate = upper if upper != birth else upper - timedelta(days=1)
    if all(completed_years(candidate, d) == completed_years(birth, d) for d in useful):
        return candidate
    # The interval is a single day (dates one day apart around a birthday): the day after, the
    # one age that moves by one year is the least the statistics can lose.
    return birth + timedelta(days=1)


def fold(text: str) -> str:
    """Lower case without accents, for comparing a person's strings with stored text."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def date_forms(day: date) -> list[str]:
    """The ways a date may be written in stored text: ISO, French numeric, French long."""
    months = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    return [
        day.isoformat(),
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d.%m.%Y}",
        f"{day.day} {months[day.month - 1]} {day.year}",
        f"{day:%d} {months[day.month - 1]} {day.year}",
    ]


def identifying_strings(
    *,
    names: Iterable[str],
    contacts: Iterable[str],
    birth_dates: Iterable[date],
) -> list[str]:
    """The person's strings to look for in stored text, folded (names of 3 letters or more, so
    that a short first name does not match every word; contacts; birth dates in every form)."""
    found: set[str] = set()
    for name in names:
        if len(name.strip()) >= 3:
            found.add(fold(name.strip()))
    for contact in contacts:
        if contact.strip():
            found.add(fold(contact.strip()))
    for birth in birth_dates:
        found.update(fold(form) for form in date_forms(birth))
    return sorted(found, key=lambda s: (-len(s), s))


def contains_any(text: str, strings: Iterable[str]) -> bool:
    folded = fold(text)
    return any(s in folded for s in strings)


def scrub(value: Any, strings: list[str], key: str = "", *, by_key: bool = True) -> Any:
    """`value` (an audit row's old or new values) with every personal value replaced: any text
    holding one of the person's `strings`, and (`by_key`, for the rows about the person) the
    values of PERSONAL_KEYS."""
    if isinstance(value, Mapping):
        return {k: scrub(v, strings, str(k), by_key=by_key) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, strings, key, by_key=by_key) for v in value]
    if by_key and key in PERSONAL_KEYS and value not in (None, "", [], {}):
        return SCRUBBED
    if isinstance(value, str) and contains_any(value, strings):
        return SCRUBBED
    return value


def scrub_text(text: str, strings: list[str]) -> str:
    """A free text (an access-log detail) emptied when it holds one of the person's strings."""
    return "" if contains_any(text, strings) else text
