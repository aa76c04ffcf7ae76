"""Pure rules about people: names folded for search and duplicate detection (no Django)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date


def fold(text: str) -> str:
    """Lower-case ASCII words: « Élodie  Fayolle-Roux » → "elodie fayolle roux"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


def search_name(last_name: str, first_name: str) -> str:
    """The key two records of the same person share: "fayolle roux elodie"."""
    return f"{fold(last_name)} {fold(first_name)}".strip()


def age_on(birth_date: date, on_date: date) -> int:
    """Age in whole years on `on_date` (a person born on 29 February turns a year older on
    1 March in common years)."""
    before_birthday = (on_date.month, on_date.day) < (birth_date.month, birth_date.day)
    return on_date.year - birth_date.year - before_birthday
