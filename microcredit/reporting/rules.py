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
  (outstanding principal claimed at the calls / amount disbursed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


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
