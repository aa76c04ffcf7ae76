"""The bilan's figures as plain data, and the pure rules that shape them (no Django here).

`reporting.selectors.bilan()` fills a `Bilan` with SQL aggregates; the dashboard, the charts,
the exports, the annual report and `microcredit bilan --json` all read this one object, so that
every output shows the same figures.

Definitions (docs/reporting.md says them for the users):
- the period is inclusive at both ends (`start` ≤ day ≤ `end`);
- `received`: dossiers whose application date falls in the period; the funnel follows that
  cohort through its stages, as reached by the end of the period;
- `disbursed_*`, purposes, bands and profiles: the loans disbursed in the period;
- loss rates: among the loans disbursed in the period (the cohort), those whose guarantee was
  called by the end of the period, on the count basis (calls / loans) and on the amount basis
  (outstanding principal claimed at the calls / amount disbursed);
- every other figure (the funnel's stages and delays, the caseload, the profiles, PAR30, the
  completions, early or normal): docs/reporting.md, « Définitions des chiffres ».
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from microcredit.dossiers import rules as dossier_rules


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a key (a code), its French label, a count and, where it makes
    sense, an amount in euros."""

    key: str
    label: str
    count: int
    amount: Decimal | None = None


@dataclass(frozen=True)
class FunnelStage:
    key: str  # received, diagnosis, instruction, committee, transmitted, granted, disbursed
    label: str
    count: int  # dossiers of the cohort that reached this stage by the end of the period
    # count / the previous stage's count, in percent (2 decimals, half-up); None for the first
    # stage or when the previous stage is empty.
    conversion_percent: Decimal | None
    # The median number of days from entering the previous stage to entering this one, over the
    # dossiers whose both dates are known; None when there is none.
    median_days: Decimal | None
    delays_measured: int


@dataclass(frozen=True)
class RightRow:
    right: str  # rights.enums.RightCode value
    label: str
    detected: int  # outcomes recorded for this right (the référent met it with the person)
    opened: int  # of which opened
    already_received: int
    claim_started: int
    not_eligible: int


@dataclass(frozen=True)
class Profiles:
    household_types: tuple[Row, ...]
    activities: tuple[Row, ...]
    age_bands: tuple[Row, ...]
    income_sources: tuple[Row, ...]


@dataclass(frozen=True)
class Bilan:
    period: Period
    organisation_ids: tuple[int, ...]
    programme_id: int | None  # None: every scheme of the organisations

    # People and the funnel.
    contacts: int  # contact requests from the public site received in the period
    received: int  # dossiers received in the period
    people_received: int  # distinct applicants among them
    funnel: tuple[FunnelStage, ...]
    reorientations: tuple[Row, ...]  # key: the target scheme's code
    caseload: tuple[Row, ...]  # key: the référent's user id; count: dossiers open at the end

    # Loans.
    disbursed_count: int
    disbursed_amount: Decimal
    purposes: tuple[Row, ...]  # count and amount per purpose category
    amount_bands: tuple[Row, ...]
    duration_bands: tuple[Row, ...]
    profiles: Profiles
    portfolio_as_of: date | None  # the arrears computation the two figures below come from
    outstanding_principal: Decimal | None
    par30_percent: Decimal | None
    plans: tuple[Row, ...]  # repayment plans by state
    completions: tuple[Row, ...]  # keys: early, normal

    # Losses and what the CCAS paid.
    guarantee_calls: int
    guarantee_calls_amount: Decimal  # outstanding principal claimed at the calls
    loss_rate_count_percent: Decimal | None
    loss_rate_amount_percent: Decimal | None
    national_reference_percent: Decimal | None
    national_reference_source: str
    national_reference_basis: str
    bonifications_count: int
    bonifications_amount: Decimal

    # Unclaimed rights.
    rights: tuple[RightRow, ...] = field(default_factory=tuple)


# --- Pure helpers the selectors and the outputs share ----------------------------------------


def gettext_noop(message: str) -> str:
    """Marks a label for the translation catalogue without Django (makemessages finds the
    name); the selectors translate it with `gettext` when they fill a `Row`."""
    return message


# The funnel's stages and the states that leave the caseload: defined once in the dossiers'
# rules, which the dossier list's filters read too (the figures' links show the same dossiers).
FUNNEL_STAGES = dossier_rules.FUNNEL_STAGES
FINAL_STATES = dossier_rules.OUT_OF_CASELOAD_STATES

NOT_GIVEN = "none"  # the key of a breakdown's « non renseigné » row

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

# The loan amount bands, in euros: (key, label, lower bound included, upper bound excluded or
# None). The Saint-Étienne scheme lends 300 to 3,000 €; its seed's bilan reads the loans in these
# four bands.
AMOUNT_BANDS: tuple[tuple[str, str, Decimal, Decimal | None], ...] = (
    ("lt500", gettext_noop("moins de 500 €"), Decimal(0), Decimal(500)),
    ("500_999", gettext_noop("de 500 à 999,99 €"), Decimal(500), Decimal(1000)),
    ("1000_1999", gettext_noop("de 1 000 à 1 999,99 €"), Decimal(1000), Decimal(2000)),
    ("ge2000", gettext_noop("2 000 € et plus"), Decimal(2000), None),
)

# The repayment duration bands, in months: (key, label, lowest included, highest included or None).
DURATION_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("le12", gettext_noop("12 mois ou moins"), 0, 12),
    ("13_24", gettext_noop("de 13 à 24 mois"), 13, 24),
    ("25_36", gettext_noop("de 25 à 36 mois"), 25, 36),
    ("gt36", gettext_noop("plus de 36 mois"), 37, None),
)

# The borrowers' age bands at disbursement, in whole years: (key, label, lowest, highest or None).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("lt25", gettext_noop("moins de 25 ans"), 0, 24),
    ("25_34", gettext_noop("de 25 à 34 ans"), 25, 34),
    ("35_44", gettext_noop("de 35 à 44 ans"), 35, 44),
    ("45_54", gettext_noop("de 45 à 54 ans"), 45, 54),
    ("55_64", gettext_noop("de 55 à 64 ans"), 55, 64),
    ("ge65", gettext_noop("65 ans et plus"), 65, None),
)


def percent(numerator: int | Decimal, denominator: int | Decimal) -> Decimal | None:
    """numerator / denominator in percent, 2 decimals rounded half-up (9 / 192 → 4.69); None
    when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def median_from_histogram(histogram: Mapping[int, int]) -> Decimal | None:
    """The exact median of the values a histogram counts ({value: how many}), to one decimal:
    the middle value, or the mean of the two middle values for an even count. None when empty.

    The database groups the delays (one row per distinct number of days); the median is taken
    here, the same way on SQLite and PostgreSQL."""
    total = sum(n for n in histogram.values() if n > 0)
    if total == 0:
        return None
    # The 1-based ranks of the middle values (the same rank twice for an odd count).
    ranks = ((total + 1) // 2, total // 2 + 1) if total % 2 == 0 else ((total + 1) // 2,) * 2
    middle: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += max(histogram[value], 0)
        while len(middle) < 2 and seen >= ranks[len(middle)]:
            middle.append(value)
    return (Decimal(middle[0] + middle[1]) / 2).quantize(TENTH, rounding=ROUND_HALF_UP)


def age_band(age: int) -> str:
    """The key of the age band `age` (whole years) falls in."""
    for key, _label, lowest, highest in AGE_BANDS:
        if age >= lowest and (highest is None or age <= highest):
            return key
    return AGE_BANDS[0][0]  # a negative age (bad data) goes with the youngest


def completed_years(birth: date, on: date) -> int:
    """Whole years from `birth` to `on` (the age on that day)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
