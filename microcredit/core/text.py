"""Text typed by people, read the same way everywhere (pure Python, no Django).

Accents and case folded for search and comparison, French decimal numbers, SIRET numbers, and
the French social-security number (NIR) found in a free text.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

__all__ = [
    "INVALID_SIRET",
    "find_nir",
    "fold",
    "fold_in_place",
    "nir_spans",
    "normalise_siret",
    "parse_decimal",
    "strip_accents",
]

# Typographic apostrophes and dashes, folded to the plain ones by `fold_in_place`.
_PUNCTUATION = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"})


def strip_accents(text: str, *, ascii_only: bool = False, compatibility: bool = True) -> str:
    """`text` without its accents, case and punctuation kept: « Élodie » → "Elodie".

    Characters are decomposed (NFKD, or NFD when `compatibility` is False: « ² » and « ﬁ » then
    stay as they are) and the combining marks dropped. With `ascii_only`, every character still
    outside ASCII is dropped too (« Œ », « ß », « € »): for a PDF's built-in font.
    """
    plain = unicodedata.normalize("NFKD" if compatibility else "NFD", text)
    if ascii_only:
        return plain.encode("ascii", "ignore").decode()
    return "".join(char for char in plain if not unicodedata.combining(char))


def fold(text: str, *, ascii_only: bool = True, separator: str = " ") -> str:
    """The words of `text` without accents, case or punctuation, joined by `separator`:
    « Élodie  Fayolle-Roux » → "elodie fayolle roux"; with `separator="_"`, « Mobilité
    solidaire » → "mobilite_solidaire".

    With `ascii_only` (the default) a word keeps only its ASCII letters and digits (« Œuvre » →
    "uvre"), as the stored search names and scheme codes do; without it, other letters are kept
    and case-folded (« Straße » → "strasse").
    """
    plain = strip_accents(text, ascii_only=ascii_only).casefold()
    return separator.join("".join(c if c.isalnum() else " " for c in plain).split())


def fold_in_place(text: str) -> str:
    """`text` without accents and case, each character still one character, so that a position
    in the folded text is the same position in `text` (to find words in the folded text and
    replace them in the original). Typographic apostrophes and dashes become plain ones."""
    return "".join(_fold_char(char) for char in text)


def _fold_char(char: str) -> str:
    char = char.translate(_PUNCTUATION)
    base = strip_accents(char, compatibility=False)
    for candidate in (base.casefold(), char.casefold(), char.lower()):
        if len(candidate) == 1:
            return candidate
    return char


def parse_decimal(text: str) -> Decimal:
    """A number written the French or the dotted way: "1 234,56", "22.17" (ordinary, no-break
    and narrow no-break spaces allowed as thousands separators). ValueError when it is not a
    finite number, with a French message."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"« {text} » n'est pas un nombre.") from exc
    if not value.is_finite():
        raise ValueError(f"« {text} » n'est pas un nombre.")
    return value


INVALID_SIRET = "Ce numéro SIRET n'est pas valide (14 chiffres, clé de contrôle)."


def normalise_siret(value: str) -> str | None:
    """The SIRET's 14 digits (spaces removed) when it is valid (python-stdnum), else None."""
    try:
        return str(stdnum_siret.validate(value))
    except StdnumError:
        return None


# --- The NIR (numéro de sécurité sociale) in a free text -------------------------------------

# Between two characters of the number: nothing, or up to two spaces (no-break ones too), dots or
# dashes (« 1 85 03 75 123 456 78 », « 1.85.03.75.123.456.78 », « 185037512345678 »).
_NIR_SEPARATOR = r"[\s.\-]{0,2}"
# Sex (1, 2; 3, 4 for a foreigner's temporary number; 7, 8 for a provisional one), then 4 digits
# (year, month), the department (2 digits, or 2A/2B for Corsica: its second character may be a
# letter), then 8 digits (commune 3, order 3, key 2). Read at every start (a lookahead): a
# candidate that fails its key does not hide a valid one that starts inside it.
_NIR_CANDIDATE = re.compile(
    rf"(?<!\w)(?=([1234578](?:{_NIR_SEPARATOR}\d){{5}}{_NIR_SEPARATOR}[0-9ABab]"
    rf"(?:{_NIR_SEPARATOR}\d){{8}})(?!\w))"
)


def _nir_month_is_possible(month: int) -> bool:
    """01–12, or the fictitious months of the register: 20, 30–42 (month unknown or shifted),
    50–99 (provisional numbers)."""
    return 1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99


def nir_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` holds a NIR-shaped string whose key is valid (python-stdnum): the (start,
    end) of each, in order, not overlapping."""
    spans: list[tuple[int, int]] = []
    if not text:
        return spans
    for match in _NIR_CANDIDATE.finditer(text):
        start, end = match.span(1)
        if spans and start < spans[-1][1]:
            continue
        number = re.sub(r"[\s.\-]", "", match.group(1)).upper()
        if len(number) != 15 or not _nir_month_is_possible(int(number[3:5])):
            continue
        if stdnum_nir.is_valid(number):
            spans.append((start, end))
    return spans


def find_nir(text: str) -> str | None:
    """The first NIR-shaped string of `text` whose key is valid, as written; None when there is
    none. Spaces, dots or dashes may separate its groups."""
    spans = nir_spans(text)
    return text[spans[0][0] : spans[0][1]] if spans else None
