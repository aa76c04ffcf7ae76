"""Pure rules of the Commission Permanente (no Django): what the commission reads is
pseudonymised, also in the free text written about the person."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from microcredit.core.text import fold_in_place

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
