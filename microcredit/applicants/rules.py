"""Pure rules about people: names folded for search and duplicate detection (no Django)."""

from __future__ import annotations

from datetime import date

from microcredit.core.text import fold


def search_name(last_name: str, first_name: str) -> str:
    """The key two records of the same person share: "fayolle roux elodie"."""
    return f"{fold(last_name)} {fold(first_name)}".strip()


def age_on(birth_date: date, on_date: date) -> int:
    """Age in whole years on `on_date` (a person born on 29 February turns a year older on
    1 March in common years)."""
    before_birthday = (on_date.month, on_date.day) < (birth_date.month, birth_date.day)
    return on_date.year - birth_date.year - before_birthday
