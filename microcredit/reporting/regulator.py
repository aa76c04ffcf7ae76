"""The figures the Banque de France collects on microcredit (issue #16, point 6): every six
months the new loans (count, amount, rates), every year the outstanding amounts and the defaults.

Every figure is one SQL aggregate over the organisation's loans (optionally one scheme's): the
number of queries does not depend on the number of loans. The choices (what "outstanding" and
"default" mean here, where each date comes from) are written for the users in
docs/regulator_figures.md; in short:

- a half-year is S1 (1 January – 30 June) or S2 (1 July – 31 December); its new loans are those
  whose disbursement date (`Loan.disbursement_date`) falls in it;
- rates (nominal, `Loan.nominal_rate_percent`, and APR, `Loan.apr_percent`): minimum, average
  weighted by the principal, maximum, in percent with 2 decimals rounded half-up;
- the year's figures are taken at 31 December (at today's date while the year runs):
  outstanding principal = the balance of the last line due on or before that date in the
  schedule in force (the latest version; the principal lent when no line is due yet), over the
  loans disbursed by then whose guarantee was not called by then;
- loans 90 days or more past due: from the nightly job's arrears snapshots of that very date,
  shown only when every loan outstanding then has one;
- loans repaid in the year: loans now « remboursé » whose schedule in force ends in the year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.programmes.models import ProgrammeVersion
from microcredit.reporting.rules import Period, Row
from microcredit.servicing.models import GuaranteeClaim

# A loan is in default, for the regulator, from 90 days past due.
DEFAULT_DAYS = 90

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
# A rate (3 decimals) times a principal (2 decimals): exact with 5 decimals.
WEIGHTED_FIELD = DecimalField(max_digits=24, decimal_places=5)

HALVES = (1, 2)


@dataclass(frozen=True, order=True)
class HalfYear:
    year: int
    half: int  # 1: January–June, 2: July–December

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def code(self) -> str:
        """« 2026-S1 »: the name of the half-year in the CSV file's name."""
        return f"{self.year}-S{self.half}"

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


def last_complete_half(today: date) -> HalfYear:
    """The latest half-year that ended before `today` (the page's default)."""
    if today.month <= 6:
        return HalfYear(today.year - 1, 2)
    return HalfYear(today.year, 1)


def two_places(value: Decimal) -> Decimal:
    """2 decimals, rounded half-up (percents, averages)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> Decimal:
    """A sum from the database to the cent (SQLite gives "6000" for 6000.00; None: nothing)."""
    return ZERO if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RateSpread:
    """Minimum, average weighted by the principal lent, maximum (percent, 2 decimals);
    None when there is no loan."""

    minimum: Decimal | None
    weighted_average: Decimal | None
    maximum: Decimal | None


@dataclass(frozen=True)
class NewLoans:
    """The loans disbursed in the half-year."""

    count: int
    principal: Decimal
    average_principal: Decimal | None  # to the cent, half-up
    average_months: Decimal | None  # repayment duration (deferral excluded), 2 decimals
    nominal_rate: RateSpread
    apr: RateSpread
    purposes: tuple[Row, ...]  # key: the purpose category's code; count and principal


@dataclass(frozen=True)
class PastDue:
    """Loans `DEFAULT_DAYS` days or more past due on the year's date, from the arrears
    snapshots: their count and their outstanding principal as the snapshots hold it (the
    principal lent minus the principal actually repaid)."""

    count: int
    outstanding_principal: Decimal


@dataclass(frozen=True)
class YearEnd:
    year: int
    as_of: date  # 31 December, or today while the year runs
    complete: bool  # False while the year runs
    outstanding_principal: Decimal
    outstanding_count: int
    guarantee_calls: int  # deeds of acceleration dated in the year, up to `as_of`
    guarantee_calls_principal: Decimal  # outstanding principal claimed at those calls
    # None when the snapshots of `as_of` do not cover every outstanding loan:
    past_due: PastDue | None
    snapshots_missing: int  # outstanding loans without a snapshot on `as_of`
    repaid_count: int


@dataclass(frozen=True)
class RegulatorFigures:
    organisation_id: int
    programme_id: int | None
    half: HalfYear
    today: date
    new_loans: NewLoans
    year_end: YearEnd

    @property
    def half_complete(self) -> bool:
        return self.half.end < self.today


def organisation_loans(organisation_id: int, programme_id: int | None = None) -> QuerySet[Loan]:
    """The loans of one organisation (only its own), of one of its schemes when given."""
    loans = Loan.objects.filter(organisation_id=organisation_id)
    if programme_id is not None:
        loans = loans.filter(dossier__programme_id=programme_id)
    return loans


def first_loan_year(organisation_id: int) -> int | None:
    """The year of the organisation's first disbursement (None: no loan yet). One query."""
    first: date | None = organisation_loans(organisation_id).aggregate(
        first=Min("disbursement_date")
    )["first"]
    return first.year if first else None


def _latest_version() -> Subquery:
    """The id of the schedule version in force (the latest) of the loan of the outer query's
    outer query (used inside a subquery on the schedule's lines)."""
    return Subquery(
        ScheduleVersion.objects.filter(loan=OuterRef(OuterRef("pk")))
        .order_by("-number")
        .values("pk")[:1]
    )


def scheduled_balance(as_of: date) -> Coalesce:
    """A loan's principal still due on `as_of` by its schedule in force: the balance of the last
    line due on or before that date, the principal lent when none is due yet."""
    line = (
        ScheduleLine.objects.filter(version=_latest_version(), due_date__lte=as_of)
        .order_by("-number")
        .values("balance")[:1]
    )
    return Coalesce(Subquery(line), F("principal"), output_field=MONEY_FIELD)


def schedule_end() -> Subquery:
    """The due date of the last line of a loan's schedule in force (its last installment, or
    the total early repayment that closed it)."""
    return Subquery(
        ScheduleLine.objects.filter(version=_latest_version())
        .order_by("-number")
        .values("due_date")[:1]
    )


def _spread(
    low: Decimal | None, weighted: Decimal | None, high: Decimal | None, total: Decimal
) -> RateSpread:
    if low is None or high is None or weighted is None or total <= 0:
        return RateSpread(None, None, None)
    return RateSpread(two_places(low), two_places(weighted / total), two_places(high))


def purpose_labels(organisation_id: int, programme_id: int | None) -> dict[str, str]:
    """code → French label of the purpose categories of the schemes' versions (a later
    version's label wins). One query; the versions of a scheme are few."""
    versions = ProgrammeVersion.objects.filter(programme__organisation_id=organisation_id)
    if programme_id is not None:
        versions = versions.filter(programme_id=programme_id)
    labels: dict[str, str] = {}
    for purposes in versions.order_by("valid_from", "pk").values_list("purposes", flat=True):
        for purpose in purposes or []:
            labels[str(purpose["code"])] = str(purpose["label"])
    return labels


def new_loans(
    organisation_id: int, programme_id: int | None, half: HalfYear, labels: dict[str, str]
) -> NewLoans:
    """The half-year's new loans: two queries (the figures, the split by purpose)."""
    loans = organisation_loans(organisation_id, programme_id).filter(
        disbursement_date__gte=half.start, disbursement_date__lte=half.end
    )
    sums = loans.aggregate(
        count=Count("pk"),
        total=Sum("principal"),
        total_months=Sum("months"),
        nominal_min=Min("nominal_rate_percent"),
        nominal_max=Max("nominal_rate_percent"),
        nominal_weighted=Sum(
            F("nominal_rate_percent") * F("principal"), output_field=WEIGHTED_FIELD
        ),
        apr_min=Min("apr_percent"),
        apr_max=Max("apr_percent"),
        apr_weighted=Sum(F("apr_percent") * F("principal"), output_field=WEIGHTED_FIELD),
    )
    count: int = sums["count"]
    principal = money(sums["total"])
    groups = (
        loans.order_by()
        .values("dossier__purpose_category")
        .annotate(n=Count("pk"), amount=Sum("principal"))
        .order_by("-n", "dossier__purpose_category")
    )
    purposes = tuple(
        Row(
            key=group["dossier__purpose_category"],
            label=labels.get(
                group["dossier__purpose_category"], group["dossier__purpose_category"]
            ),
            count=group["n"],
            amount=money(group["amount"]),
        )
        for group in groups
    )
    return NewLoans(
        count=count,
        principal=principal,
        average_principal=two_places(principal / count) if count else None,
        average_months=two_places(Decimal(sums["total_months"]) / count) if count else None,
        nominal_rate=_spread(
            sums["nominal_min"], sums["nominal_weighted"], sums["nominal_max"], principal
        ),
        apr=_spread(sums["apr_min"], sums["apr_weighted"], sums["apr_max"], principal),
        purposes=purposes,
    )


def year_end(organisation_id: int, programme_id: int | None, year: int, today: date) -> YearEnd:
    """The year's outstanding amounts and defaults at 31 December (today while the year runs):
    three queries."""
    as_of = min(date(year, 12, 31), today)
    start = date(year, 1, 1)
    loans = organisation_loans(organisation_id, programme_id)
    live = Q(balance__gt=0)
    late = Q(snap__days_past_due__gte=DEFAULT_DAYS)
    portfolio = (
        loans.filter(disbursement_date__lte=as_of)
        .filter(Q(guarantee_claim__isnull=True) | Q(guarantee_claim__acceleration_date__gt=as_of))
        .annotate(
            balance=scheduled_balance(as_of),
            snap=FilteredRelation("arrears_snapshots", condition=Q(arrears_snapshots__as_of=as_of)),
        )
        .aggregate(
            outstanding=Sum("balance", filter=live),
            count=Count("pk", filter=live),
            missing=Count("pk", filter=live & Q(snap__id__isnull=True)),
            late_count=Count("pk", filter=late),
            late_principal=Sum("snap__outstanding_principal", filter=late),
        )
    )
    claims = GuaranteeClaim.objects.filter(
        loan__in=loans.values("pk"), acceleration_date__gte=start, acceleration_date__lte=as_of
    ).aggregate(count=Count("pk"), principal=Sum("outstanding_principal"))
    repaid = (
        loans.filter(state=LoanState.REPAID)
        .annotate(ended=schedule_end())
        .filter(ended__gte=start, ended__lte=as_of)
        .count()
    )
    missing: int = portfolio["missing"]
    return YearEnd(
        year=year,
        as_of=as_of,
        complete=as_of == date(year, 12, 31) and as_of < today,
        outstanding_principal=money(portfolio["outstanding"]),
        outstanding_count=portfolio["count"],
        guarantee_calls=claims["count"],
        guarantee_calls_principal=money(claims["principal"]),
        past_due=None
        if missing
        else PastDue(portfolio["late_count"], money(portfolio["late_principal"])),
        snapshots_missing=missing,
        repaid_count=repaid,
    )


def regulator_figures_for(
    *, organisation_id: int, half: HalfYear, today: date, programme_id: int | None = None
) -> RegulatorFigures:
    """Every figure of the page and of the CSV file: six queries whatever the number of loans."""
    labels = purpose_labels(organisation_id, programme_id)
    return RegulatorFigures(
        organisation_id=organisation_id,
        programme_id=programme_id,
        half=half,
        today=today,
        new_loans=new_loans(organisation_id, programme_id, half, labels),
        year_end=year_end(organisation_id, programme_id, half.year, today),
    )


@dataclass(frozen=True)
class Figure:
    """One line of the CSV file: section, indicator, value (None: not available), unit."""

    section: str
    indicator: str
    value: Decimal | int | str | None
    unit: str


def figure_lines(figures: RegulatorFigures, *, organisation: str, programme: str) -> list[Figure]:
    """The figures one per line, in a fixed order (the same lines whatever the data, but for
    one pair of lines per purpose category)."""
    half, loans, year = figures.half, figures.new_loans, figures.year_end
    eur, pct, n_loans = _("EUR"), "%", _("prêts")
    head = _("Période")
    lines = [
        Figure(head, _("Organisation"), organisation, ""),
        Figure(head, _("Dispositif"), programme, ""),
        Figure(head, _("Semestre"), half.code, ""),
        Figure(head, _("Début du semestre"), half.start.isoformat(), _("date")),
        Figure(head, _("Fin du semestre"), half.end.isoformat(), _("date")),
        Figure(head, _("Chiffres annuels arrêtés au"), year.as_of.isoformat(), _("date")),
    ]
    new = _("Nouveaux prêts du semestre")
    lines += [
        Figure(new, _("Nombre de prêts décaissés"), loans.count, n_loans),
        Figure(new, _("Montant total prêté"), loans.principal, eur),
        Figure(new, _("Montant moyen prêté"), loans.average_principal, eur),
        Figure(new, _("Durée moyenne de remboursement"), loans.average_months, _("mois")),
    ]
    for name, spread in ((_("Taux nominal"), loans.nominal_rate), (_("TAEG"), loans.apr)):
        lines += [
            Figure(new, _("%(rate)s minimum") % {"rate": name}, spread.minimum, pct),
            Figure(
                new,
                _("%(rate)s moyen pondéré par le montant") % {"rate": name},
                spread.weighted_average,
                pct,
            ),
            Figure(new, _("%(rate)s maximum") % {"rate": name}, spread.maximum, pct),
        ]
    split = _("Répartition par objet du prêt")
    for row in loans.purposes:
        lines += [
            Figure(split, _("%(purpose)s : nombre") % {"purpose": row.label}, row.count, n_loans),
            Figure(split, _("%(purpose)s : montant") % {"purpose": row.label}, row.amount, eur),
        ]
    annual = _("Encours et défauts de l'année")
    lines += [
        Figure(annual, _("Capital restant dû"), year.outstanding_principal, eur),
        Figure(annual, _("Nombre de prêts en cours"), year.outstanding_count, n_loans),
        Figure(annual, _("Appels en garantie de l'année"), year.guarantee_calls, n_loans),
        Figure(
            annual,
            _("Capital restant dû appelé en garantie"),
            year.guarantee_calls_principal,
            eur,
        ),
        Figure(
            annual,
            _("Prêts en retard de %(days)s jours ou plus") % {"days": DEFAULT_DAYS},
            year.past_due.count if year.past_due else None,
            n_loans,
        ),
        Figure(
            annual,
            _("Capital restant dû des prêts en retard de %(days)s jours ou plus")
            % {"days": DEFAULT_DAYS},
            year.past_due.outstanding_principal if year.past_due else None,
            eur,
        ),
        Figure(annual, _("Prêts remboursés dans l'année"), year.repaid_count, n_loans),
    ]
    return lines
