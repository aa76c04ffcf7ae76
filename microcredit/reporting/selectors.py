"""The bilan's figures, by SQL aggregation (`bilan()` → `rules.Bilan`).

Every figure is one aggregate query (COUNT/SUM with CASE or a subquery, or a `values().annotate()`
grouping), so the number of queries is the same whatever the number of dossiers: about 25.
The medians are taken in Python from a histogram the database makes (one row per distinct
number of days), the same way on SQLite and PostgreSQL. docs/reporting.md (« Définitions des
chiffres ») says how each figure is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.applicants.enums import Activity, HouseholdType, Relationship
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets.enums import LineKind, ResourceType
from microcredit.budgets.models import Budget, BudgetLine
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.selectors import version_in_force
from microcredit.reporting import rules
from microcredit.reporting.rules import (
    Bilan,
    FunnelStage,
    Period,
    Profiles,
    RightRow,
    Row,
)
from microcredit.rights.enums import RightCode, RightOutcome
from microcredit.rights.models import RightOutcomeRecord
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import (
    ArrearsSnapshot,
    Bonification,
    GuaranteeClaim,
    RepaymentPlan,
)
from microcredit.servicing.rules.arrears import PAR_DAYS
from microcredit.servicing.selectors.portfolio import portfolio_par30
from microcredit.simulator.models import ContactRequest

ZERO = Decimal("0.00")
COUPLE_SITUATIONS = ("married", "civil_partnership", "cohabiting")

__all__ = ["bilan", "default_periods"]


# --- Periods -------------------------------------------------------------------------------


def default_periods(
    today: date, *, organisation_ids: Sequence[int] | None = None
) -> list[tuple[str, Period]]:
    """The two periods the dashboard offers first: the calendar year of `today` (1 January to
    31 December) and « Depuis le début » (from the earliest application date of the
    organisations' dossiers, or `today` when there is none, to `today`). Without
    `organisation_ids`, the earliest date of every dossier (a date only, never a figure)."""
    dossiers = Dossier.objects.all()
    if organisation_ids is not None:
        dossiers = dossiers.filter(organisation_id__in=list(organisation_ids))
    earliest: date | None = dossiers.aggregate(first=Min("application_date"))["first"]
    start = min(earliest, today) if earliest else today
    return [
        (
            _("Année %(year)s") % {"year": today.year},
            Period(date(today.year, 1, 1), date(today.year, 12, 31)),
        ),
        (_("Depuis le début"), Period(start, today)),
    ]


def money(amount: Decimal | None) -> Decimal:
    """A sum the database made, to the cent (SQLite's sums carry more places); 0.00 for none."""
    return (amount or ZERO).quantize(rules.CENT)


def _instant(day: date) -> datetime:
    """Midnight at the start of `day`, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


# --- The bilan -----------------------------------------------------------------------------


def bilan(
    *,
    organisation_ids: Sequence[int],
    period: Period,
    programme_id: int | None = None,
    today: date | None = None,
) -> Bilan:
    """The figures of `period` for the dossiers of `organisation_ids` (and of `programme_id`
    when given). A fixed number of queries whatever the data. `today` is accepted for the
    callers' symmetry; every figure is read as of the period's end (the caseload as it stands)."""
    del today  # every figure is dated by the period; kept in the signature for the callers
    orgs = tuple(sorted(set(organisation_ids)))
    dossiers = Dossier.objects.filter(organisation_id__in=orgs)
    loans = Loan.objects.filter(organisation_id__in=orgs)
    if programme_id is not None:
        dossiers = dossiers.filter(programme_id=programme_id)
        loans = loans.filter(dossier__programme_id=programme_id)
    start, end = period.start, period.end
    until = _instant(end + timedelta(days=1))

    cohort = dossiers.filter(application_date__gte=start, application_date__lte=end)
    with _funnel_pass(cohort, until) as funnel_histograms:
        return _bilan(orgs, programme_id, period, dossiers, loans, cohort, until, funnel_histograms)


def _bilan(
    orgs: tuple[int, ...],
    programme_id: int | None,
    period: Period,
    dossiers: QuerySet[Dossier],
    loans: QuerySet[Loan],
    cohort: QuerySet[Dossier],
    until: datetime,
    funnel_histograms: Callable[[], FunnelHistograms],
) -> Bilan:
    """The figures, the funnel's pass running meanwhile (`_funnel_pass`)."""
    start, end = period.start, period.end
    since = _instant(start)

    disbursed = loans.filter(disbursement_date__gte=start, disbursement_date__lte=end)
    totals = disbursed.aggregate(n=Count("pk"), amount=Sum("principal"))
    disbursed_count: int = totals["n"]
    disbursed_amount: Decimal = money(totals["amount"])

    claims = GuaranteeClaim.objects.filter(
        loan__in=disbursed.values("pk"), acceleration_date__lte=end
    ).aggregate(n=Count("pk"), amount=Sum("outstanding_principal"))
    calls: int = claims["n"]
    calls_amount: Decimal = money(claims["amount"])

    as_of, outstanding, par30 = _portfolio(loans, end)
    reference = _reference(orgs, programme_id, end)
    bonifications = Bonification.objects.filter(
        loan__in=loans.values("pk"), paid_on__gte=start, paid_on__lte=end
    ).aggregate(n=Count("pk"), amount=Sum("amount"))

    figures: dict[str, Any] = {
        "contacts": ContactRequest.objects.filter(
            organisation_id__in=orgs, created_at__gte=since, created_at__lt=until
        ).count(),
        "reorientations": _reorientations(cohort),
        "caseload": _caseload(dossiers),
        "purposes": _purposes(disbursed, orgs),
        "amount_bands": _amount_bands(disbursed),
        "duration_bands": _duration_bands(disbursed),
        "profiles": Profiles(
            household_types=_household_types(disbursed),
            activities=_activities(disbursed),
            age_bands=_age_bands(disbursed),
            income_sources=_income_sources(disbursed),
        ),
        "plans": _plans(loans, since, until),
        "completions": _completions(loans, start, end),
        "rights": _rights(dossiers, since, until),
    }
    # Last: the funnel's pass has run meanwhile on another connection where it could.
    received, people, funnel = _funnel(cohort, funnel_histograms())
    return Bilan(
        period=period,
        organisation_ids=orgs,
        programme_id=programme_id,
        received=received,
        people_received=people,
        funnel=funnel,
        disbursed_count=disbursed_count,
        disbursed_amount=disbursed_amount,
        portfolio_as_of=as_of,
        outstanding_principal=outstanding,
        par30_percent=par30,
        guarantee_calls=calls,
        guarantee_calls_amount=calls_amount,
        loss_rate_count_percent=rules.percent(calls, disbursed_count),
        loss_rate_amount_percent=rules.percent(calls_amount, disbursed_amount),
        national_reference_percent=reference.loss_rate_reference_percent if reference else None,
        national_reference_source=reference.loss_rate_reference_source if reference else "",
        national_reference_basis=reference.loss_rate_reference_basis if reference else "",
        bonifications_count=bonifications["n"],
        bonifications_amount=money(bonifications["amount"]),
        **figures,
    )


# The funnel's histograms: ({furthest stage: dossiers}, {stage: {days: dossiers}}).
FunnelHistograms = tuple[dict[int, int], dict[int, dict[int, int]]]


@contextmanager
def _funnel_pass(
    cohort: QuerySet[Dossier], until: datetime
) -> Iterator[Callable[[], FunnelHistograms]]:
    """The funnel's pass, the bilan's heaviest query (every event of the cohort), run on a second
    connection while this one reads the other figures; the function it yields gives its result.

    On PostgreSQL and outside a transaction only: rows the caller has not committed would be
    invisible to another connection (inside one, as in the tests, the pass runs in turn). Both
    connections read the same snapshot: this one's transaction is REPEATABLE READ and exports
    its snapshot, which the other imports (`pg_export_snapshot`, `SET TRANSACTION SNAPSHOT`),
    so that every figure is as of one instant. Elsewhere, the pass runs in turn."""
    tzname = timezone.get_current_timezone_name()
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield lambda: _funnel_histograms(cohort, until, tzname)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        with ThreadPoolExecutor(max_workers=1) as pool:
            aside = pool.submit(_funnel_histograms_in_snapshot, cohort, until, tzname, snapshot)
            yield aside.result


def _funnel_histograms_in_snapshot(
    cohort: QuerySet[Dossier], until: datetime, tzname: str, snapshot: str
) -> FunnelHistograms:
    """`_funnel_histograms` on this thread's own connection, in the snapshot `snapshot`."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return _funnel_histograms(cohort, until, tzname)
    finally:
        connection.close()


# --- People and the funnel -----------------------------------------------------------------


def _events_into(states: Iterable[str], until: datetime) -> QuerySet[DossierEvent]:
    """The events of the outer dossier into one of `states`, before `until`."""
    return DossierEvent.objects.filter(
        dossier=OuterRef("pk"), to_state__in=list(states), at__lt=until
    )


def _funnel(
    cohort: QuerySet[Dossier], histograms_pass: FunnelHistograms
) -> tuple[int, int, tuple[FunnelStage, ...]]:
    """(received, distinct people, the stages): one query for the cohort's size, and the funnel's
    pass (`_funnel_histograms`): the number of dossiers per furthest stage reached and, per
    stage, its delays' histogram."""
    stages = rules.FUNNEL_STAGES
    totals = cohort.aggregate(received=Count("pk"), people=Count("applicant", distinct=True))
    # The furthest stage each dossier reached ({stage index: dossiers}; a dossier reached every
    # stage up to its furthest) and the delays' histograms.
    per_furthest, histograms = histograms_pass
    reached_at = [0] * len(stages)
    for furthest, n in per_furthest.items():
        reached_at[furthest] += n
    counts: dict[str, int] = {"received": totals["received"]}
    for index, (key, _label, _states) in enumerate(stages[1:], start=1):
        counts[key] = sum(reached_at[index:])
    counts["people"] = totals["people"]

    result: list[FunnelStage] = []
    previous_count: int | None = None
    for index, (key, label, _states) in enumerate(stages):
        count: int = counts[key]
        median: Decimal | None = None
        measured = 0
        if index > 0:
            median = rules.median_from_histogram(histograms[index])
            measured = sum(histograms[index].values())
        result.append(
            FunnelStage(
                key=key,
                label=_(label),
                count=count,
                conversion_percent=(
                    rules.percent(count, previous_count) if previous_count is not None else None
                ),
                median_days=median,
                delays_measured=measured,
            )
        )
        previous_count = count
    return counts["received"], counts["people"], tuple(result)


# The number of days between two dates in SQL, per database (the histogram's key).
_DAYS_BETWEEN = {
    "postgresql": '("{later}" - "{earlier}")',
    "sqlite": 'CAST(julianday("{later}") - julianday("{earlier}") AS INTEGER)',
}


def _stage_rank() -> Case:
    """The index of the funnel stage an event enters (0: none, as a reorientation)."""
    return Case(
        *[
            When(to_state__in=list(states), then=Value(index))
            for index, (_key, _label, states) in enumerate(rules.FUNNEL_STAGES)
            if index > 0
        ],
        default=Value(0),
        output_field=IntegerField(),
    )


def _funnel_histograms(cohort: QuerySet[Dossier], until: datetime, tzname: str) -> FunnelHistograms:
    """({the furthest stage reached by the end: how many dossiers}, for each stage after the
    first (by index) {days from the previous stage's entry day to this one's: how many
    dossiers}, over the dossiers that have both days).

    One pass over the cohort's events, grouped per dossier (its first instant into each stage),
    and one grouping of that per histogram: a single query on PostgreSQL and SQLite. A
    dossier's furthest stage is the highest one it has an entry into (the stages' states are
    disjoint), its entry day the local date of its first instant there (the local date never
    goes back as time goes on: in France the clocks change at night, not across midnight). On
    another database, the same histograms come from correlated subqueries, one query per
    histogram (slower)."""
    stages = rules.FUNNEL_STAGES
    vendor = connection.vendor
    if vendor not in _DAYS_BETWEEN:
        return _furthest_per_dossier(cohort, until), _delay_histograms_per_stage(cohort, until)
    later = range(1, len(stages))
    firsts = (
        cohort.order_by()
        .values("pk")
        .annotate(
            e0=F("application_date"),
            **{
                f"t{index}": Min(
                    "events__at",
                    filter=Q(events__to_state__in=list(stages[index][2]), events__at__lt=until),
                )
                for index in later
            },
        )
    )
    histograms: dict[int, dict[int, int]] = {index: {} for index in range(len(stages))}
    try:
        inner, inner_params = firsts.query.sql_with_params()
    except EmptyResultSet:  # no organisation: no dossier
        return histograms.pop(0), histograms
    days_sql: list[str] = []
    params: list[Any] = []
    for index in later:
        day, day_params = connection.ops.datetime_cast_date_sql(f'"t{index}"', (), tzname)
        days_sql.append(f'{day} AS "e{index}"')
        params.extend(day_params)
    params.extend(inner_params)
    furthest = " ".join(f'WHEN "e{index}" IS NOT NULL THEN {index}' for index in reversed(later))
    # Only names and numbers this function writes; the values are the ORM's parameters.
    selects = ['SELECT 0 AS stage, "furthest" AS days, COUNT(*) AS n FROM entries GROUP BY 2']
    for index in later:
        earlier, entered = f"e{index - 1}", f"e{index}"
        days = _DAYS_BETWEEN[vendor].format(earlier=earlier, later=entered)
        selects.append(
            f"SELECT {index} AS stage, {days} AS days, COUNT(*) AS n FROM entries "  # noqa: S608
            f'WHERE "{earlier}" IS NOT NULL AND "{entered}" IS NOT NULL GROUP BY {days}'
        )
    sql = (
        f'WITH days AS (SELECT "e0", {", ".join(days_sql)} FROM ({inner}) firsts), '  # noqa: S608
        f'entries AS (SELECT *, CASE {furthest} ELSE 0 END AS "furthest" FROM days) '
        + " UNION ALL ".join(selects)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for stage, days, n in cursor.fetchall():
            histograms[int(stage)][int(days)] = int(n)
    return histograms.pop(0), histograms


def _furthest_per_dossier(cohort: QuerySet[Dossier], until: datetime) -> dict[int, int]:
    """{the furthest stage reached by the end: how many dossiers}, by a correlated subquery
    (any database)."""
    furthest = (
        DossierEvent.objects.filter(dossier=OuterRef("pk"), at__lt=until)
        .order_by()
        .values("dossier")
        .annotate(furthest=Max(_stage_rank()))
        .values("furthest")
    )
    groups = (
        cohort.annotate(furthest=Subquery(furthest, output_field=IntegerField()))
        .values("furthest")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, int] = {}
    for group in groups:
        key = group["furthest"] or 0
        result[key] = result.get(key, 0) + group["n"]
    return result


def _delay_histograms_per_stage(
    cohort: QuerySet[Dossier], until: datetime
) -> dict[int, dict[int, int]]:
    """The same histograms as `_delay_histograms`, one query per stage (any database)."""
    stages = rules.FUNNEL_STAGES

    def entry(states: tuple[str, ...]) -> Subquery:
        """The day of the outer dossier's first event into `states` (before `until`)."""
        first = (
            _events_into(states, until)
            .order_by("at", "pk")
            .annotate(day=TruncDate("at"))
            .values("day")[:1]
        )
        return Subquery(first, output_field=DateField())

    histograms: dict[int, dict[int, int]] = {}
    for index in range(1, len(stages)):
        previous_entry: Any = F("application_date") if index == 1 else entry(stages[index - 1][2])
        rows = (
            cohort.annotate(entered_before=previous_entry, entered=entry(stages[index][2]))
            .filter(entered_before__isnull=False, entered__isnull=False)
            .values(
                days=ExpressionWrapper(
                    F("entered") - F("entered_before"), output_field=DurationField()
                )
            )
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_days: dict[int, int] = {}
        for row in rows:
            days = row["days"].days if isinstance(row["days"], timedelta) else 0
            by_days[days] = by_days.get(days, 0) + row["n"]
        histograms[index] = by_days
    return histograms


def _reorientations(cohort: QuerySet[Dossier]) -> tuple[Row, ...]:
    groups = (
        cohort.exclude(reorientation_scheme="")
        .values("reorientation_scheme")
        .annotate(n=Count("pk"), label=Max("reorientation_label"))
        .order_by("-n", "reorientation_scheme")
    )
    return tuple(
        Row(g["reorientation_scheme"], g["label"] or g["reorientation_scheme"], g["n"])
        for g in groups
    )


def _caseload(dossiers: QuerySet[Dossier]) -> tuple[Row, ...]:
    groups = (
        dossiers.exclude(state__in=rules.FINAL_STATES)
        .values("referent_id", "referent__first_name", "referent__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n", "referent__last_name", "referent__first_name", "referent_id")
    )
    rows = []
    for g in groups:
        if g["referent_id"] is None:
            rows.append(Row(rules.NOT_GIVEN, _("sans référent"), g["n"]))
        else:
            name = f"{g['referent__first_name']} {g['referent__last_name']}".strip()
            rows.append(Row(str(g["referent_id"]), name, g["n"]))
    return tuple(rows)


# --- Loans ---------------------------------------------------------------------------------


def _purpose_labels(orgs: Sequence[int]) -> dict[str, str]:
    """The purpose categories' labels in the organisations' parameter versions (the newest
    label of a code wins); one query, the versions being few."""
    labels: dict[str, str] = {}
    versions = ProgrammeVersion.objects.filter(programme__organisation_id__in=orgs).order_by(
        "valid_from", "pk"
    )
    for purposes in versions.values_list("purposes", flat=True):
        for purpose in purposes or []:
            if isinstance(purpose, dict) and purpose.get("code"):
                labels[str(purpose["code"])] = str(purpose.get("label") or purpose["code"])
    return labels


def _purposes(disbursed: QuerySet[Loan], orgs: Sequence[int]) -> tuple[Row, ...]:
    labels = _purpose_labels(orgs)
    groups = (
        disbursed.values("dossier__purpose_category")
        .annotate(n=Count("pk"), amount=Sum("principal"))
        .order_by("-n", "dossier__purpose_category")
    )
    return tuple(
        Row(
            g["dossier__purpose_category"],
            labels.get(g["dossier__purpose_category"], g["dossier__purpose_category"]),
            g["n"],
            money(g["amount"]),
        )
        for g in groups
    )


def _banded(
    disbursed: QuerySet[Loan], band: Case, bands: Sequence[tuple[str, str]]
) -> tuple[Row, ...]:
    """Count and amount per band (every band listed, in order, empty ones at 0)."""
    found = {
        g["band"]: g
        for g in disbursed.annotate(band=band)
        .values("band")
        .annotate(n=Count("pk"), amount=Sum("principal"))
        .order_by()
    }
    return tuple(
        Row(
            key,
            _(label),
            found[key]["n"] if key in found else 0,
            money(found[key]["amount"]) if key in found else ZERO,
        )
        for key, label in bands
    )


def _amount_bands(disbursed: QuerySet[Loan]) -> tuple[Row, ...]:
    whens = [
        When(principal__lt=upper, then=Value(key))
        for key, _label, _lower, upper in rules.AMOUNT_BANDS
        if upper is not None
    ]
    case = Case(*whens, default=Value(rules.AMOUNT_BANDS[-1][0]))
    return _banded(disbursed, case, [(k, label) for k, label, _l, _u in rules.AMOUNT_BANDS])


def _duration_bands(disbursed: QuerySet[Loan]) -> tuple[Row, ...]:
    whens = [
        When(months__lte=highest, then=Value(key))
        for key, _label, _lowest, highest in rules.DURATION_BANDS
        if highest is not None
    ]
    case = Case(*whens, default=Value(rules.DURATION_BANDS[-1][0]))
    return _banded(disbursed, case, [(k, label) for k, label, _l, _h in rules.DURATION_BANDS])


# --- The borrowers' profiles ---------------------------------------------------------------


def household_type(applicant: str) -> Case:
    """The household's type in SQL, `applicant` being the path to the applicant (« applicant »,
    « dossier__applicant »): the one an imported history declared, else from the family
    situation and whether a child is in the household. The bilan and the exports read this one
    definition."""
    has_child = Exists(
        HouseholdMember.objects.filter(
            applicant=OuterRef(applicant), relationship=Relationship.CHILD
        )
    )
    couple = Q(**{f"{applicant}__family_situation__in": COUPLE_SITUATIONS})
    return Case(
        When(
            ~Q(**{f"{applicant}__imported_household_type": ""}),
            then=F(f"{applicant}__imported_household_type"),
        ),
        When(couple & has_child, then=Value(HouseholdType.COUPLE_WITH_CHILDREN.value)),
        When(couple, then=Value(HouseholdType.COUPLE_NO_CHILDREN.value)),
        When(has_child, then=Value(HouseholdType.SINGLE_PARENT.value)),
        default=Value(HouseholdType.SINGLE_PERSON.value),
    )


def _household_types(disbursed: QuerySet[Loan]) -> tuple[Row, ...]:
    found = {
        g["household"]: g["n"]
        for g in disbursed.annotate(household=household_type("dossier__applicant"))
        .values("household")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return tuple(Row(t.value, str(t.label), found.get(t.value, 0)) for t in HouseholdType)


def _activities(disbursed: QuerySet[Loan]) -> tuple[Row, ...]:
    found = {
        g["dossier__applicant__activity"]: g["n"]
        for g in disbursed.values("dossier__applicant__activity").annotate(n=Count("pk")).order_by()
    }
    rows = [Row(a.value, str(a.label), found.pop(a.value)) for a in Activity if a.value in found]
    rows += [Row(code, code, n) for code, n in sorted(found.items())]  # codes no longer listed
    return tuple(sorted(rows, key=lambda row: -row.count))


def _age_bands(disbursed: QuerySet[Loan]) -> tuple[Row, ...]:
    """Whole years at the disbursement date: a histogram of ages in SQL, banded here."""
    birthday_not_yet = Q(disbursed_month__lt=F("birth_month")) | Q(
        disbursed_month=F("birth_month"), disbursed_day__lt=F("birth_day")
    )
    ages = (
        disbursed.annotate(
            disbursed_year=ExtractYear("disbursement_date"),
            disbursed_month=ExtractMonth("disbursement_date"),
            disbursed_day=ExtractDay("disbursement_date"),
            birth_year=ExtractYear("dossier__applicant__birth_date"),
            birth_month=ExtractMonth("dossier__applicant__birth_date"),
            birth_day=ExtractDay("dossier__applicant__birth_date"),
        )
        .annotate(
            age=ExpressionWrapper(
                F("disbursed_year")
                - F("birth_year")
                - Case(When(birthday_not_yet, then=Value(1)), default=Value(0)),
                output_field=IntegerField(),
            )
        )
        .values("age")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for g in ages:
        band = rules.age_band(g["age"])
        counts[band] = counts.get(band, 0) + g["n"]
    return tuple(Row(key, _(label), counts.get(key, 0)) for key, label, _lo, _hi in rules.AGE_BANDS)


def _income_sources(disbursed: QuerySet[Loan]) -> tuple[Row, ...]:
    """The type of the largest resource line of the dossier's latest budget version."""
    latest_budget = (
        Budget.objects.filter(dossier=OuterRef(OuterRef("dossier_id")))
        .order_by("-version")
        .values("pk")[:1]
    )
    main = (
        BudgetLine.objects.filter(
            budget_id=Subquery(latest_budget), kind=LineKind.RESOURCE, amount__gt=0
        )
        .order_by("-amount", "type")
        .values("type")[:1]
    )
    found = {
        g["income"]: g["n"]
        for g in disbursed.annotate(income=Subquery(main))
        .values("income")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = [
        Row(t.value, str(t.label), found.pop(t.value)) for t in ResourceType if t.value in found
    ]
    not_given = found.pop(None, 0)
    rows += [Row(code, code, n) for code, n in sorted(found.items())]
    rows.sort(key=lambda row: -row.count)
    if not_given:
        rows.append(Row(rules.NOT_GIVEN, _("non renseigné"), not_given))
    return tuple(rows)


# --- Servicing -----------------------------------------------------------------------------


def _portfolio(
    loans: QuerySet[Loan], end: date
) -> tuple[date | None, Decimal | None, Decimal | None]:
    """(the latest arrears date on or before `end`, the outstanding principal then, PAR30 in
    percent): the nightly job's snapshots, summed; the engine's ratio."""
    snapshots = ArrearsSnapshot.objects.filter(loan__in=loans.values("pk"))
    as_of: date | None = snapshots.filter(as_of__lte=end).aggregate(d=Max("as_of"))["d"]
    if as_of is None:
        return None, None, None
    sums = snapshots.filter(as_of=as_of).aggregate(
        outstanding=Sum("outstanding_principal"),
        at_risk=Sum("outstanding_principal", filter=Q(days_past_due__gte=PAR_DAYS)),
    )
    outstanding: Decimal = money(sums["outstanding"])
    at_risk: Decimal = money(sums["at_risk"])
    ratio = portfolio_par30(outstanding, at_risk)
    return as_of, outstanding, (ratio * rules.HUNDRED).quantize(rules.CENT)


def _plans(loans: QuerySet[Loan], since: datetime, until: datetime) -> tuple[Row, ...]:
    found = {
        g["state"]: g
        for g in RepaymentPlan.objects.filter(
            loan__in=loans.values("pk"), proposed_at__gte=since, proposed_at__lt=until
        )
        .values("state")
        .annotate(n=Count("pk"), amount=Sum("overdue_amount"))
        .order_by()
    }
    return tuple(
        Row(
            s.value,
            str(s.label),
            found[s.value]["n"] if s.value in found else 0,
            money(found[s.value]["amount"]) if s.value in found else ZERO,
        )
        for s in PlanState
    )


def _completions(loans: QuerySet[Loan], start: date, end: date) -> tuple[Row, ...]:
    """Loans repaid whose last repayment falls in the period; early when that repayment was an
    early repayment, or when it came before the month of the original schedule's last due
    date; normal otherwise."""
    last_payment = Repayment.objects.filter(loan=OuterRef("pk")).order_by("-date", "-pk")
    original_end = ScheduleLine.objects.filter(
        version__loan=OuterRef("pk"), version__number=1
    ).order_by("-due_date")
    closing_early = Repayment.objects.filter(
        loan=OuterRef("pk"), early_repayment=True, date=OuterRef("ended")
    )
    repaid = (
        loans.filter(state=LoanState.REPAID)
        .annotate(
            ended=Subquery(last_payment.values("date")[:1], output_field=DateField()),
            original_last_due=Subquery(original_end.values("due_date")[:1]),
        )
        .filter(ended__gte=start, ended__lte=end)
        .annotate(original_last_month=TruncMonth("original_last_due", output_field=DateField()))
    )
    groups = (
        repaid.annotate(
            early=Case(
                When(Exists(closing_early), then=Value(True)),
                When(ended__lt=F("original_last_month"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .values("early")
        .annotate(n=Count("pk"), amount=Sum("principal"))
        .order_by()
    )
    found = {bool(g["early"]): g for g in groups}
    empty: dict[str, Any] = {"n": 0, "amount": ZERO}
    early, normal = found.get(True, empty), found.get(False, empty)
    return (
        Row("early", _("remboursements anticipés"), early["n"], money(early["amount"])),
        Row("normal", _("remboursements à l'échéance"), normal["n"], money(normal["amount"])),
    )


def _reference(orgs: Sequence[int], programme_id: int | None, end: date) -> ProgrammeVersion | None:
    """The parameter version in force at the period's end of the scheme (or of the first
    organisation's first scheme), which holds the national loss-rate reference."""
    programme = (
        Programme.objects.filter(pk=programme_id, organisation_id__in=orgs).first()
        if programme_id is not None
        else Programme.objects.filter(organisation_id__in=orgs)
        .order_by("organisation_id", "pk")
        .first()
    )
    return version_in_force(programme, end) if programme is not None else None


def _rights(dossiers: QuerySet[Dossier], since: datetime, until: datetime) -> tuple[RightRow, ...]:
    groups = (
        RightOutcomeRecord.objects.filter(
            assessment__dossier__in=dossiers.values("pk"),
            recorded_at__gte=since,
            recorded_at__lt=until,
        )
        .values("right", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for g in groups:
        counts.setdefault(g["right"], {})[g["outcome"]] = g["n"]
    rows = []
    for right in RightCode:
        outcomes = counts.get(right.value)
        if not outcomes:
            continue
        rows.append(
            RightRow(
                right=right.value,
                label=str(right.label),
                detected=sum(outcomes.values()),
                opened=outcomes.get(RightOutcome.OPENED, 0),
                already_received=outcomes.get(RightOutcome.ALREADY_RECEIVED, 0),
                claim_started=outcomes.get(RightOutcome.CLAIM_STARTED, 0),
                not_eligible=outcomes.get(RightOutcome.NOT_ELIGIBLE, 0),
            )
        )
    return tuple(rows)
