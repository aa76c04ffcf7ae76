"""What-if of new parameters (issue #16, point 7): a draft of the scheme's parameters replayed on
the past demand of a period, beside the parameters in force.

Nothing here writes. The draft is an unsaved `ProgrammeVersion` (the version in force with the
drafted fields replaced), so that the one eligibility rule of the dossiers
(`dossiers.selectors.evaluate_eligibility` → `dossiers.rules.check_dossier_eligibility`) judges
both parameter sets, and the loan engine (`loan_terms` → `build_schedule`, as the simulator
calls it) gives the installments and the interest.

- `period_demand` (selector): the period's dossiers with a request, one query, only the columns
  the rule and the engine read; bounded to `MAX_REPLAYED` dossiers.
- `compare` (pure over the instances it is given): each dossier judged under both sets, the
  figures of each side and the dossiers the draft excludes or newly includes, with the criterion.
- `draft_problems`: the draft's consistency (`programmes.rules.check_parameters`) and its rate
  against the usury table of the version in force.

A dossier is counted *eligible* under a parameter set when no criterion fails (« ko »): a
criterion that cannot be judged (« à vérifier », e.g. the evidence of no access to ordinary
credit not yet collected) does not exclude, as on the dossier's page where eligibility informs
and people decide. docs/whatif.md says it for the directors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.utils.translation import gettext as _

from loan_engine import (
    DeferralKind,
    Schedule,
    UsuryThreshold,
    annual_percentage_rate,
    build_schedule,
    check_usury,
    loan_terms,
)
from microcredit.core.formatting import format_eur, format_percent
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import evaluate_eligibility
from microcredit.programmes import rules as programme_rules
from microcredit.programmes.models import ProgrammeVersion
from microcredit.reporting.rules import Period
from microcredit.simulator.rules import Criterion, Outcome

# The most dossiers one replay reads (a CCAS receives a few hundred a year; docs/whatif.md gives
# the measured cost per 1,000 dossiers).
MAX_REPLAYED = 10_000
# The longest loan the engine schedules (deferral included), in months.
MAX_TOTAL_MONTHS = 1200
# The most dossiers each list (excluded, newly included) shows; the others are counted.
LIST_LIMIT = 50

# The parameters the director drafts: the scalar ones, then the two lists.
DRAFT_SCALARS = (
    "min_amount",
    "max_amount",
    "min_months",
    "max_months",
    "nominal_rate_percent",
    "max_deferral_months",
    "allow_interest_only_deferral",
    "allow_capitalised_deferral",
)
DRAFT_FIELDS = (*DRAFT_SCALARS, "purposes", "territory")

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")

# The columns the eligibility rule and the engine read (and the number, for the lists).
_DOSSIER_COLUMNS = (
    "number",
    "application_date",
    "purpose_category",
    "purpose_subcategory",
    "requested_amount",
    "requested_months",
    "requested_deferral_months",
    "requested_deferral_kind",
    "no_ordinary_credit",
    "no_ordinary_credit_evidence",
    "applicant__birth_date",
    "applicant__commune_code",
    "applicant__postcode",
)


# --- The draft -------------------------------------------------------------------------------


def draft_values(version: ProgrammeVersion) -> programme_rules.ParameterValues:
    """The drafted parameters as they stand in `version` (the form's starting point)."""
    values = {name: getattr(version, name) for name in DRAFT_FIELDS}
    return cast(programme_rules.ParameterValues, values)


def draft_version(
    base: ProgrammeVersion, values: programme_rules.ParameterValues
) -> ProgrammeVersion:
    """An unsaved version: `base`'s parameters with the drafted ones replaced (never saved: it
    has no primary key and nothing here calls `save`)."""
    fields: dict[str, Any] = {
        field.attname: getattr(base, field.attname)
        for field in ProgrammeVersion._meta.concrete_fields
        if not field.primary_key
    }
    fields.update({name: values[name] for name in DRAFT_FIELDS if name in values})  # type: ignore[literal-required]
    return ProgrammeVersion(**fields)


def usury_problem(version: ProgrammeVersion, today: date) -> str | None:
    """A French message when a loan under `version`'s bounds, at its rate, would have a TAEG above
    the usury threshold in force `today` (the version's dated table), else None.

    The TAEG (from the engine, with no fees) is checked at the amount bounds and at each band's
    upper bound between them, over the longest duration (the rate is the same for every loan of
    the scheme; the band decides the threshold). No applicable threshold: nothing to say.
    """
    table = [UsuryThreshold(**row) for row in version.usury_rows()]
    amounts = {version.min_amount, version.max_amount}
    amounts |= {
        row.amount_up_to
        for row in table
        if row.amount_up_to is not None
        and version.min_amount <= row.amount_up_to <= version.max_amount
    }
    for amount in sorted(amounts):
        schedule = build_schedule(
            loan_terms(
                principal=amount,
                months=version.max_months,
                disbursement_date=today,
                rate_percent=version.nominal_rate_percent,
            )
        )
        apr = annual_percentage_rate(schedule)
        check = check_usury(apr, amount, today, table)
        if check.threshold is not None and not check.ok:
            return _(
                "Avec un taux nominal de %(rate)s, le TAEG d'un prêt de %(amount)s serait de "
                "%(apr)s : au-dessus du seuil de l'usure (%(threshold)s)."
            ) % {
                "rate": format_percent(version.nominal_rate_percent, 3),
                "amount": format_eur(amount),
                "apr": format_percent(apr),
                "threshold": format_percent(check.threshold),
            }
    return None


def draft_problems(
    draft: programme_rules.ParameterValues, base: ProgrammeVersion, today: date
) -> dict[str, list[str]]:
    """What is wrong with the draft, by field (French messages); empty when it can be replayed.

    The consistency checks are the version form's (`check_parameters`); the usury check runs
    once the bounds and the rate are consistent.
    """
    check = programme_rules.check_parameters(
        cast(programme_rules.ParameterValues, {name: draft.get(name) for name in DRAFT_SCALARS})
    )
    errors = {name: list(messages) for name, messages in check.errors.items()}
    if not draft.get("purposes"):
        errors.setdefault("purposes", []).append(_("Cochez au moins un projet éligible."))
    if not draft.get("territory"):
        errors.setdefault("territory", []).append(_("Indiquez au moins une commune du territoire."))
    longest = (draft.get("max_months") or 0) + (draft.get("max_deferral_months") or 0)
    if longest > MAX_TOTAL_MONTHS:
        errors.setdefault("max_months", []).append(
            _(
                "La durée maximale et le différé maximal ne peuvent pas dépasser %(limit)s mois "
                "à eux deux."
            )
            % {"limit": f"{MAX_TOTAL_MONTHS:,}".replace(",", "\u202f")}
        )
    if not errors:
        problem = usury_problem(draft_version(base, draft), today)
        if problem:
            errors["nominal_rate_percent"] = [problem]
    return errors


# --- The demand ------------------------------------------------------------------------------


def period_demand(
    *, organisation_id: int, programme_id: int, period: Period
) -> list[Dossier] | None:
    """The scheme's dossiers received in `period` (application date, both ends included) with a
    request (amount and duration known, above zero), oldest first: one query, only the columns
    the replay reads. None when there are more than `MAX_REPLAYED`."""
    dossiers = list(
        Dossier.objects.filter(
            organisation_id=organisation_id,
            programme_id=programme_id,
            application_date__gte=period.start,
            application_date__lte=period.end,
            requested_amount__gt=0,
            requested_months__gt=0,
        )
        .select_related("applicant")
        .only(*_DOSSIER_COLUMNS)
        .order_by("application_date", "pk")[: MAX_REPLAYED + 1]
    )
    if len(dossiers) > MAX_REPLAYED:
        return None
    return dossiers


# --- The comparison --------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionCount:
    label: str
    count: int


@dataclass(frozen=True)
class Side:
    """The figures of one parameter set over the period's demand."""

    eligible: int
    requested_amount: Decimal  # sum of the amounts the eligible dossiers asked for
    total_installment: Decimal  # sum of their regular installments (from the engine)
    average_installment: Decimal | None  # per eligible dossier, half-up to the cent
    total_interest: Decimal  # sum of their loans' interest (from the engine)
    refusals: tuple[CriterionCount, ...]  # dossiers failing each criterion (criterion order)

    @property
    def average_amount(self) -> Decimal | None:
        if not self.eligible:
            return None
        return (self.requested_amount / self.eligible).quantize(_CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Change:
    """A dossier whose eligibility the draft changes, and the criteria that decide it: for an
    excluded dossier, those the draft fails; for a newly included one, those the parameters in
    force failed (with their reasons then)."""

    dossier_id: int
    number: str
    application_date: date
    requested_amount: Decimal
    requested_months: int
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Comparison:
    dossiers: int  # the period's dossiers with a request
    actual: Side
    draft: Side
    excluded: tuple[Change, ...]  # the first LIST_LIMIT
    excluded_count: int
    included: tuple[Change, ...]  # the first LIST_LIMIT
    included_count: int

    @property
    def excluded_more(self) -> int:
        return self.excluded_count - len(self.excluded)

    @property
    def included_more(self) -> int:
        return self.included_count - len(self.included)

    @property
    def eligible_difference(self) -> int:
        return self.draft.eligible - self.actual.eligible


class _Tally:
    """One side's running sums; schedules are shared between identical loans."""

    def __init__(self, version: ProgrammeVersion) -> None:
        self.version = version
        self.eligible = 0
        self.amount = _ZERO
        self.installment = _ZERO
        self.interest = _ZERO
        self.refusals: dict[str, int] = {}
        self.labels: list[str] = []
        self._schedules: dict[tuple[Decimal, int, int, str], Schedule] = {}

    def judge(self, dossier: Dossier) -> tuple[bool, tuple[Criterion, ...]]:
        _, criteria = evaluate_eligibility(dossier, self.version)
        failed = tuple(c for c in criteria if c.outcome == Outcome.KO)
        if not self.labels:
            self.labels = [c.label for c in criteria]
        for criterion in failed:
            self.refusals[criterion.label] = self.refusals.get(criterion.label, 0) + 1
        if failed:
            return False, failed
        schedule = self._schedule(dossier)
        self.eligible += 1
        self.amount += dossier.requested_amount or _ZERO
        self.installment += schedule.installment
        self.interest += schedule.total_interest
        return True, failed

    def _schedule(self, dossier: Dossier) -> Schedule:
        """The engine's schedule of the loan asked for at this set's rate, disbursed on the
        application date (the installment and the interest do not depend on the date)."""
        amount = dossier.requested_amount or _ZERO
        months = dossier.requested_months or 0
        deferral = dossier.requested_deferral_months
        kind = dossier.requested_deferral_kind if deferral else DeferralKind.NONE.value
        key = (amount, months, deferral, kind)
        schedule = self._schedules.get(key)
        if schedule is None:
            schedule = build_schedule(
                loan_terms(
                    principal=amount,
                    months=months,
                    disbursement_date=dossier.application_date,
                    rate_percent=self.version.nominal_rate_percent,
                    deferral_months=deferral,
                    deferral_kind=kind,
                )
            )
            self._schedules[key] = schedule
        return schedule

    def side(self) -> Side:
        average = (
            (self.installment / self.eligible).quantize(_CENT, ROUND_HALF_UP)
            if self.eligible
            else None
        )
        return Side(
            eligible=self.eligible,
            requested_amount=self.amount,
            total_installment=self.installment,
            average_installment=average,
            total_interest=self.interest,
            refusals=tuple(
                CriterionCount(label, self.refusals[label])
                for label in self.labels
                if label in self.refusals
            ),
        )


def _change(dossier: Dossier, criteria: Sequence[Criterion]) -> Change:
    return Change(
        dossier_id=dossier.pk,
        number=dossier.number,
        application_date=dossier.application_date,
        requested_amount=dossier.requested_amount or _ZERO,
        requested_months=dossier.requested_months or 0,
        criteria=tuple(criteria),
    )


def compare(
    dossiers: Iterable[Dossier], actual: ProgrammeVersion, draft: ProgrammeVersion
) -> Comparison:
    """Each dossier judged under both parameter sets (no query: the dossiers come with their
    applicant's columns); the figures of each side and the dossiers that change side."""
    before, after = _Tally(actual), _Tally(draft)
    count = 0
    excluded: list[Change] = []
    included: list[Change] = []
    excluded_count = included_count = 0
    for dossier in dossiers:
        count += 1
        was, failed_before = before.judge(dossier)
        now, failed_after = after.judge(dossier)
        if was and not now:
            excluded_count += 1
            if len(excluded) < LIST_LIMIT:
                excluded.append(_change(dossier, failed_after))
        elif now and not was:
            included_count += 1
            if len(included) < LIST_LIMIT:
                included.append(_change(dossier, failed_before))
    return Comparison(
        dossiers=count,
        actual=before.side(),
        draft=after.side(),
        excluded=tuple(excluded),
        excluded_count=excluded_count,
        included=tuple(included),
        included_count=included_count,
    )


def replay(
    *,
    organisation_id: int,
    programme_id: int,
    period: Period,
    actual: ProgrammeVersion,
    draft: ProgrammeVersion,
) -> Comparison | None:
    """The draft beside the parameters in force on the period's demand (one query); None when
    the period holds more than `MAX_REPLAYED` dossiers."""
    dossiers = period_demand(
        organisation_id=organisation_id, programme_id=programme_id, period=period
    )
    if dossiers is None:
        return None
    return compare(dossiers, actual, draft)
