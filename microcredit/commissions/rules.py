"""Pure rules of the Commission Permanente (no Django): what the commission reads is
pseudonymised, also in the free text written about the person: names, address, phone, e-mail and
birth dates are masked wherever they appear (`mask_personal_data`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from microcredit.core.text import fold_in_place, nir_spans

NAME_MASK = "[nom masqué]"

# Words of a compound name that are not names on their own (« de La Fontaine », « N'Diaye »):
# masking them would blank ordinary words of the text.
_PARTICLES = frozenset(
    {
        "al", "bin", "ben", "d", "da", "das", "de", "del", "della", "den", "der", "des", "di",
        "do", "dos", "du", "e", "el", "et", "l", "la", "le", "les", "mac", "mc", "saint",
        "sainte", "st", "ste", "ter", "van", "von", "y",
    }
)  # fmt: skip
_SEPARATORS = r"[\s'\-]+"


def _patterns(names: Iterable[str]) -> list[str]:
    """Regular expressions on folded text: each whole name (whatever separates its words), then
    each word of a compound name that is a name on its own."""
    patterns: set[str] = set()
    for name in names:
        words = [w for w in re.split(_SEPARATORS, fold_in_place(name)) if w]
        if not words or sum(len(w) for w in words) < 2:
            continue
        patterns.add(_SEPARATORS.join(re.escape(w) for w in words))
        if len(words) > 1:
            patterns.update(re.escape(w) for w in words if len(w) >= 2 and w not in _PARTICLES)
    return sorted(patterns, key=len, reverse=True)


def mask_names(text: str, names: Iterable[str]) -> str:
    """`text` with each of `names` replaced by « [nom masqué] », whole words only, whatever the
    case and the accents (« ZEPHYRIN-QUELEN » for « Zéphyrin-Quelen »); the words of a
    compound name are masked on their own too (« Mme Zéphyrin »)."""
    patterns = _patterns(names)
    if not text or not patterns:
        return text
    folded = fold_in_place(text)
    spans: list[tuple[int, int]] = []
    for pattern in patterns:  # longest first: a whole name is masked once, not word by word
        for match in re.finditer(rf"(?<!\w){pattern}(?!\w)", folded):
            start, end = match.span()
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
    masked = text
    for start, end in sorted(spans, reverse=True):
        masked = masked[:start] + NAME_MASK + masked[end:]
    return masked


# --- Every personal detail of the person and her household, in any free text -----------------


@dataclass(frozen=True)
class PersonalData:
    """What identifies or locates the person and her household: the values their file holds."""

    names: tuple[str, ...] = ()  # the applicant's last and first names, the members' first names
    addresses: tuple[str, ...] = ()  # the address lines (« 17 bis rue Victor Hugo, bât. B »)
    postcodes: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    birth_dates: tuple[date, ...] = ()


@dataclass(frozen=True)
class Masks:
    """The texts put in place of what is masked (French by default; the selectors pass them
    translated)."""

    name: str = NAME_MASK
    address: str = "[adresse masquée]"
    phone: str = "[téléphone masqué]"
    email: str = "[e-mail masqué]"
    birth_date: str = "[date de naissance masquée]"
    nir: str = "[numéro de sécurité sociale masqué]"


Span = tuple[int, int, str]

# Any e-mail address and any French phone number, whoever they belong to: a free text written for
# the commission has no use for them. Read on the folded text (lower case, no accents).
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-']+@[\w\-]+(?:\.[\w\-]+)+")
_DIGIT_SEP = r"[\s.\-/]{0,2}"
# Not a piece of a longer run of digits (« 1 85 03 75 123 456 78 » holds no phone).
_NOT_AFTER_DIGITS = r"(?<![\w+])(?<!\d[\s.\-/])(?<!\d[\s.\-/]{2})"
_NOT_BEFORE_DIGITS = rf"(?!\d)(?!{_DIGIT_SEP}\d)"
_FRENCH_PHONE = re.compile(
    rf"{_NOT_AFTER_DIGITS}(?:(?:\+|00){_DIGIT_SEP}33{_DIGIT_SEP}(?:\(0\){_DIGIT_SEP})?|0)"
    rf"[1-9](?:{_DIGIT_SEP}\d){{8}}{_NOT_BEFORE_DIGITS}"
)

# Dates as people write them: 12/03/1985, 12-03-85, 12.03.1985, 1985-03-12, 12 mars 1985,
# 1er mars 1985, 12 mars (the ages shown next to it would give the year).
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}  # fmt: skip
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_SEP = r"\s?[/.\-]\s?"
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\d\w])(\d{{1,2}}){_DATE_SEP}(\d{{1,2}}){_DATE_SEP}(\d{{4}}|\d{{2}})(?![\d\w])"
)
_YEAR_MONTH_DAY = re.compile(
    rf"(?<![\d\w])(\d{{4}}){_DATE_SEP}(\d{{1,2}}){_DATE_SEP}(\d{{1,2}})(?![\d\w])"
)
_DAY_MONTH_SLASH = re.compile(r"(?<![\d\w/])(\d{1,2})\s?/\s?(\d{1,2})(?![\d\w/])")
_WORDED_DATE = re.compile(
    rf"(?<!\w)(\d{{1,2}}|1er|premier)\s+({_MONTH_WORDS})\.?(?:\s+(\d{{4}}|\d{{2}}))?(?![\w])"
)

# Street types and their abbreviations: « av. Jean Jaurès » is « avenue Jean Jaurès ».
_STREET_TYPES = (
    ("rue", "r"), ("avenue", "av", "ave"), ("boulevard", "bd", "bld", "boul"), ("place", "pl"),
    ("impasse", "imp"), ("chemin", "ch", "chem"), ("allee", "all"), ("route", "rte"),
    ("square", "sq"), ("faubourg", "fbg", "fg"), ("residence", "res"), ("lotissement", "lot"),
    ("quai",), ("cours",), ("passage", "pass"), ("cite",), ("hameau", "ham"), ("lieu-dit", "ld"),
    ("saint", "st"), ("sainte", "ste"),
)  # fmt: skip
_WORD_SEP = r"[\s,'\-]+"
# A street number before the street's name: « 17 », « 17 bis », « 17b, ».
_STREET_NUMBER = r"(?:\d+\s?(?:bis|ter|quater|[a-d])?\.?,?\s+)?"


def _word_pattern(word: str) -> str:
    """A word of an address, or any spelling of its street type (« av », « av. », « avenue »)."""
    for spellings in _STREET_TYPES:
        if word in spellings:
            return "(?:" + "|".join(rf"{re.escape(s)}\.?" for s in spellings) + ")"
    return re.escape(word)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,'\-.]+", fold_in_place(text)) if w]


def _address_patterns(personal: PersonalData) -> list[str]:
    """The address lines, each comma-separated part, each part without its street number (with
    any number before it), the postcode (« 42000 », « 42 000 ») and the commune."""
    patterns: set[str] = set()
    for line in personal.addresses:
        parts = [line, *line.split(",")]
        for part in parts:
            words = _words(part)
            while words and re.fullmatch(r"\d+[a-d]?|bis|ter|quater", words[0]):
                words.pop(0)  # the number: masked with the street, not alone
            if len(words) >= 2 or (words and len(words[0]) >= 4 and part is not line):
                patterns.add(_STREET_NUMBER + _WORD_SEP.join(_word_pattern(w) for w in words))
    for postcode in personal.postcodes:
        digits = re.sub(r"\D", "", postcode)
        if len(digits) == 5:
            patterns.add(rf"{digits[:2]}\s?{digits[2:]}")
    for commune in personal.communes:
        words = _words(commune)
        if sum(len(w) for w in words) >= 3:
            patterns.add(_WORD_SEP.join(_word_pattern(w) for w in words))
    return sorted(patterns, key=len, reverse=True)


def _pattern_spans(folded: str, patterns: Iterable[str], mask: str) -> list[Span]:
    spans: list[Span] = []
    for pattern in patterns:
        for match in re.finditer(rf"(?<!\w){pattern}(?!\w)", folded):
            spans.append((match.start(), match.end(), mask))
    return spans


def _phone_spans(folded: str, personal: PersonalData, mask: str) -> list[Span]:
    """Every French phone number, and the person's own number in any spacing (a foreign one)."""
    spans = [(m.start(), m.end(), mask) for m in _FRENCH_PHONE.finditer(folded)]
    for phone in personal.phones:
        digits = re.sub(r"\D", "", phone)
        if len(digits) >= 8:
            pattern = r"\+?" + _DIGIT_SEP.join(digits)
            spans += [
                (m.start(), m.end(), mask)
                for m in re.finditer(rf"{_NOT_AFTER_DIGITS}{pattern}{_NOT_BEFORE_DIGITS}", folded)
            ]
    return spans


def _is_birth_date(day: int, month: int, year: str | None, births: Iterable[date]) -> bool:
    for birth in births:
        if (birth.day, birth.month) != (day, month):
            continue
        if year is None or int(year) == (birth.year if len(year) == 4 else birth.year % 100):
            return True
    return False


def _birth_date_spans(folded: str, births: tuple[date, ...], mask: str) -> list[Span]:
    """The birth dates of the person and her household, however they are written."""
    if not births:
        return []
    spans: list[Span] = []
    for match in _DAY_MONTH_YEAR.finditer(folded):
        day, month, year = match.groups()
        if _is_birth_date(int(day), int(month), year, births):
            spans.append((match.start(), match.end(), mask))
    for match in _YEAR_MONTH_DAY.finditer(folded):
        year, month, day = match.groups()
        if _is_birth_date(int(day), int(month), year, births):
            spans.append((match.start(), match.end(), mask))
    for match in _DAY_MONTH_SLASH.finditer(folded):
        day, month = match.groups()
        if _is_birth_date(int(day), int(month), None, births):
            spans.append((match.start(), match.end(), mask))
    for match in _WORDED_DATE.finditer(folded):
        day, month, year = match.groups()
        day_number = 1 if day in {"1er", "premier"} else int(day)
        if _is_birth_date(day_number, _MONTHS[month], year, births):
            spans.append((match.start(), match.end(), mask))
    return spans


def mask_personal_data(text: str, personal: PersonalData, masks: Masks | None = None) -> str:
    """`text` with every personal detail of `personal` replaced by its mask (« [nom masqué] »,
    « [adresse masquée] », « [téléphone masqué] », « [e-mail masqué] », « [date de naissance
    masquée] »): whole words, whatever the case and the accents. Any e-mail address, any
    French phone number and any social-security number (refused at entry, but a text may be
    older than that refusal) are masked too, whoever they belong to.

    The details are looked for in the original text, the most specific first (NIR, e-mails, phones,
    dates, the address, then the names), so that a mask is never itself read as a name, and a
    name inside an e-mail or a street is masked as the e-mail or the street."""
    if not text:
        return text
    masks = masks or Masks()
    folded = fold_in_place(text)
    groups: list[list[Span]] = [
        [(start, end, masks.nir) for start, end in nir_spans(folded)],
        [(m.start(), m.end(), masks.email) for m in _EMAIL.finditer(folded)],
        _phone_spans(folded, personal, masks.phone),
        _birth_date_spans(folded, personal.birth_dates, masks.birth_date),
        _pattern_spans(folded, _address_patterns(personal), masks.address),
        _pattern_spans(folded, _patterns(personal.names), masks.name),
    ]
    kept: list[Span] = []
    for group in groups:  # in each group the longest first: a whole address is masked once
        for start, end, mask in sorted(group, key=lambda s: (s[0] - s[1], s[0])):
            if all(end <= s or start >= e for s, e, _ in kept):
                kept.append((start, end, mask))
    masked = text
    for start, end, mask in sorted(kept, reverse=True):
        masked = masked[:start] + mask + masked[end:]
    # « 17 rue des Lilas, 42000 Saint-Étienne » reads « [adresse masquée] », not three masks.
    for mask, between in ((masks.address, r"[\s,\-]*"), (masks.name, r"\s*")):
        masked = re.sub(rf"{re.escape(mask)}(?:{between}{re.escape(mask)})+", mask, masked)
    return masked


def initials(first_name: str, last_name: str) -> str:
    """« J.-P. D. » for Jean-Pierre Dupont: what a commission page says of a person, never the
    name itself."""

    def initial(name: str) -> str:
        parts = [p for p in name.strip().split("-") if p]
        return "-".join(f"{p[0].upper()}." for p in parts)

    return " ".join(i for i in (initial(first_name), initial(last_name)) if i)


def agenda_choice_label(number: str, person: str, amount: str, purpose: str) -> str:
    """« MC-2026-00012 — J. D. — 1 200,00 € — véhicule »: a dossier offered for the agenda."""
    return " — ".join(part for part in (number, person, amount, purpose) if part)


# --- The minimised summary: what the commission reads about one dossier -----------------------


@dataclass(frozen=True)
class AmountRow:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class RightRow:
    label: str
    estimate: str  # the estimate with its case(s), e.g. « environ 573,49 € par mois … »
    outcome: str  # what became of it, "" when nothing recorded


@dataclass(frozen=True)
class Opinion:
    verdict: str
    reason: str
    at: date


@dataclass(frozen=True)
class DossierSummary:
    """What the commission reads about one dossier: nothing that names or locates anyone."""

    number: str
    position: int | None
    state_label: str
    purpose_label: str
    subcategory_label: str
    project_description: str
    project_cost: Decimal | None
    requested_amount: Decimal | None
    requested_months: int | None
    deferral_months: int
    deferral_label: str
    nominal_rate_percent: Decimal | None
    installment: Decimal | None
    total_interest: Decimal | None
    apr_percent: Decimal | None
    family_situation: str
    activity: str
    housing: str
    adults: int
    children: int
    ages: list[int]
    budget_month: date | None = None
    resources: list[AmountRow] = field(default_factory=list)
    charges: list[AmountRow] = field(default_factory=list)
    total_resources: Decimal | None = None
    total_charges: Decimal | None = None
    remaining_income: Decimal | None = None
    remaining_per_uc_per_day: Decimal | None = None
    remaining_income_after: Decimal | None = None
    remaining_per_uc_per_day_after: Decimal | None = None
    debt_ratio_before_percent: Decimal | None = None
    debt_ratio_after_percent: Decimal | None = None
    capacity: Decimal | None = None
    diagnostic_verdict: str = ""
    budget_problems: list[str] = field(default_factory=list)
    rights: list[RightRow] = field(default_factory=list)
    rights_month: date | None = None
    opinion: Opinion | None = None
    eligibility: str = ""
    eligibility_criteria: list[tuple[str, str]] = field(default_factory=list)
    no_ordinary_credit: bool = False


def sum_rows(lines: list[tuple[str, Decimal]]) -> list[AmountRow]:
    """Lines of the same type added up, without saying whose they are."""
    totals: dict[str, Decimal] = {}
    for label, amount in lines:
        totals[label] = totals.get(label, Decimal("0.00")) + amount
    return [AmountRow(label, amount) for label, amount in totals.items()]
