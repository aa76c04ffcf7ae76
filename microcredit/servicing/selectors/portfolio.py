"""The portfolio page (portefeuille): the loans a user may see (the loan funnel: CCAS staff the
loans of their organisation, the bank adviser those of their bank), each with where it stood on
the nightly job's latest date (ArrearsSnapshot), PAR30 and the count per bucket at that date.

A loan disbursed since the job last ran has no snapshot at that date: it is still listed, its
figures "non calculé". Every figure comes from the snapshots the job wrote with the loan engine;
PAR30 is the engine's ratio (`portfolio_at_risk_ratio`, as `par30`) over the snapshots' sums.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import overload

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)

from loan_engine import portfolio_at_risk_ratio
from microcredit.accounts.models import Membership, User
from microcredit.core.cache import cached
from microcredit.dossiers.selectors import dossier_list
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.loans.rules import arrears_bucket_label
from microcredit.loans.selectors import access_loans_for_user
from microcredit.servicing.models import ArrearsSnapshot
from microcredit.servicing.rules.arrears import PAR_DAYS

PAGE_SIZE = 50
ZERO = Decimal("0.00")
# How long a portfolio's summary stays cached at most (#19: grouping every visible loan took
# 300–650 ms at 25,000 loans on each view). A new day of the nightly job, a snapshot added to the
# day or a loan disbursed changes its key at once; a loan recomputed in place by `arrears_run
# --full` shows within this delay.
SUMMARY_TTL_SECONDS = 300


@dataclass(frozen=True)
class PortfolioFilters:
    """The page's filters: a loan state, an engine bucket ("30+"), a number or a name."""

    state: str = ""
    bucket: str = ""
    query: str = ""

    @property
    def active(self) -> bool:
        return bool(self.state or self.bucket or self.query)


@dataclass(frozen=True)
class BucketCount:
    bucket: str
    label: str
    count: int


@dataclass(frozen=True)
class PortfolioSummary:
    """The whole visible portfolio on `as_of` (None: the nightly job never ran on it)."""

    as_of: date | None
    loans: int
    computed: int
    uncomputed: int
    outstanding: Decimal
    at_risk: Decimal
    par30: Decimal
    buckets: list[BucketCount]

    @property
    def par30_percent(self) -> Decimal:
        """PAR30 in percent, 2 decimals (the engine's ratio has 4)."""
        return self.par30 * 100


@dataclass(frozen=True)
class PortfolioRow:
    """One loan of the page, with its snapshot on the portfolio's date (None: not computed)."""

    loan: Loan
    snapshot: ArrearsSnapshot | None

    @property
    def bucket_label(self) -> str:
        return arrears_bucket_label(self.snapshot.bucket) if self.snapshot else ""


@dataclass(frozen=True)
class PortfolioPage:
    page: Page[int]  # the loans' ids
    rows: list[PortfolioRow]


def portfolio_as_of(loans: QuerySet[Loan]) -> date | None:
    """The latest date the nightly job computed for any of `loans` (one query: the snapshots
    read backwards by date, index arrears_day_dpd, down to the first one of a visible loan; a
    MAX over the visible loans' snapshots read their whole history)."""
    found: date | None = (
        ArrearsSnapshot.objects.filter(loan__in=loans.values("pk"))
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    return found


def _snapshot_on(as_of: date) -> FilteredRelation:
    """A loan's snapshot on `as_of` (a left join on the unique (loan, as_of)), as `snap`."""
    return FilteredRelation("arrears_snapshots", condition=Q(arrears_snapshots__as_of=as_of))


def portfolio_par30(outstanding: Decimal, at_risk: Decimal) -> Decimal:
    """PAR30 of the portfolio from the two sums the database made (the engine's ratio)."""
    return portfolio_at_risk_ratio(at_risk, outstanding)


def portfolio_summary(user: User, membership: Membership | None) -> PortfolioSummary:
    """PAR30 and the count per bucket of every loan `user` may see, on the latest computed date:
    the latest date and what identifies the day's figures (two queries), then the summary from
    Django's cache, or computed (one query whatever the number of loans) and cached for
    SUMMARY_TTL_SECONDS under the membership (who sees which loans), the date, the number of
    snapshots of the day and the newest loan of the platform."""
    loans = access_loans_for_user(user, membership)
    as_of = portfolio_as_of(loans)
    if as_of is None or membership is None:
        return _summary(loans, as_of)
    day_rows = ArrearsSnapshot.objects.filter(as_of=as_of).count()
    newest_loan = Loan.objects.aggregate(newest=Max("pk"))["newest"]
    key = (
        f"servicing:portfolio_summary:{membership.pk}:{as_of.isoformat()}:{day_rows}:{newest_loan}"
    )
    return cached(key, SUMMARY_TTL_SECONDS, lambda: _summary(loans, as_of))


def _summary(loans: QuerySet[Loan], as_of: date | None) -> PortfolioSummary:
    """The summary of `loans` on `as_of` (None: the job never ran for them), computed."""
    if as_of is None:
        counts = loans.aggregate(
            n=Count("pk"), active=Count("pk", filter=Q(state=LoanState.ACTIVE))
        )
        return PortfolioSummary(
            as_of=None,
            loans=counts["n"],
            computed=0,
            uncomputed=counts["active"],
            outstanding=ZERO,
            at_risk=ZERO,
            par30=portfolio_at_risk_ratio(ZERO, ZERO),
            buckets=[],
        )
    groups = (
        loans.annotate(snap=_snapshot_on(as_of))
        .order_by()
        .values("snap__bucket")
        .annotate(
            n=Count("pk"),
            active=Count("pk", filter=Q(state=LoanState.ACTIVE)),
            outstanding=Sum("snap__outstanding_principal"),
            at_risk=Sum("snap__outstanding_principal", filter=Q(snap__days_past_due__gte=PAR_DAYS)),
            least=Min("snap__days_past_due"),
        )
    )
    buckets: list[tuple[int, BucketCount]] = []
    total = computed = uncomputed = 0
    outstanding = at_risk = ZERO
    for group in groups:
        total += group["n"]
        bucket = group["snap__bucket"]
        if bucket is None:  # no snapshot on `as_of`
            uncomputed += group["active"]
            continue
        computed += group["n"]
        outstanding += group["outstanding"] or ZERO
        at_risk += group["at_risk"] or ZERO
        buckets.append(
            (group["least"], BucketCount(bucket, arrears_bucket_label(bucket), group["n"]))
        )
    return PortfolioSummary(
        as_of=as_of,
        loans=total,
        computed=computed,
        uncomputed=uncomputed,
        outstanding=outstanding,
        at_risk=at_risk,
        par30=portfolio_par30(outstanding, at_risk),
        buckets=[count for _least, count in sorted(buckets, key=lambda item: item[0])],
    )


def portfolio_loans(
    user: User, membership: Membership | None, as_of: date | None, filters: PortfolioFilters
) -> QuerySet[Loan]:
    """The visible loans, filtered, in the portfolio's order: the most days late on `as_of`
    first, then by loan (the order of disbursement); the loans without a snapshot on `as_of`
    last, by loan.

    The tie-break is the loan, not the dossier number (until #19's volume pass): the number
    lives on the dossier, so ordering by it read and sorted every visible loan's dossier for
    any page (32 ms at 25,000 loans), while (as_of, days late, loan) is the order of the
    snapshots' index `arrears_day_dpd`, read only as far as the page asked for."""
    loans = access_loans_for_user(user, membership)
    if filters.state:
        loans = loans.filter(state=filters.state)
    if filters.query:
        # The dossier list's search (number, or every word of the folded name), on the dossiers
        # the same user may see: one search for the whole product.
        found = dossier_list(user, membership, query=filters.query)
        loans = loans.filter(dossier__in=found.values("pk"))
    if as_of is None:
        return loans.none() if filters.bucket else _in_portfolio_order(loans, None)
    return _in_portfolio_order(loans, as_of, bucket=filters.bucket)


def _in_portfolio_order(
    loans: QuerySet[Loan], as_of: date | None, *, bucket: str = ""
) -> QuerySet[Loan]:
    """`loans` in the portfolio's order (portfolio_loans): the most days late on `as_of` first
    (none: last), then by loan; by loan alone when the job never ran. `bucket`: only the loans
    in that bucket on `as_of`."""
    if as_of is None:
        return loans.order_by("pk")
    with_snapshot = loans.annotate(snap=_snapshot_on(as_of))
    if bucket:
        with_snapshot = with_snapshot.filter(snap__bucket=bucket)
    return with_snapshot.order_by(F("snap__days_past_due").desc(nulls_last=True), "pk")


class _WholePortfolio:
    """The ids of every visible loan in the portfolio's order, for the Paginator, when no
    filter is set: their number and how many have a snapshot on `as_of` are the summary's
    (no COUNT), and a page reads only its own rows and those before it in an index.

    The loans with a snapshot come first, read from the snapshots of the day in the order of
    their index `arrears_day_dpd` (as_of, days late DESC, loan); the others after them, read by
    loan. A page takes the slice it needs from one or both, in one query. The summary is
    cached (SUMMARY_TTL_SECONDS) under a key that changes with each snapshot or loan added: its
    counts are exact unless a loan or a snapshot was deleted since, and then at worst a page
    boundary shifts by as many loans until the cache expires."""

    def __init__(self, loans: QuerySet[Loan], as_of: date | None, total: int, computed: int):
        self.loans = loans
        self.as_of = as_of
        self.total = total
        self.computed = computed if as_of is not None else 0

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[int]:
        return iter(self[0 : self.total])

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...
    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start = index.start or 0
        stop = self.total if index.stop is None else min(index.stop, self.total)
        as_of, computed = self.as_of, self.computed
        # Each part unordered: a member of a UNION may not have an ORDER BY (SQLite).
        parts: list[QuerySet[Loan, int]] = []
        if as_of is not None and start < computed:
            with_snapshot = (
                ArrearsSnapshot.objects.filter(as_of=as_of, loan__in=self.loans.values("pk"))
                .order_by("-days_past_due", "loan_id")
                .values("loan_id")
            )
            sliced = with_snapshot[start : min(stop, computed)]
            parts.append(Loan.objects.filter(pk__in=sliced).order_by().values_list("pk", flat=True))
        if stop > computed:
            without = self.loans.order_by("pk").values("pk")
            if as_of is not None:
                day = ArrearsSnapshot.objects.filter(loan=OuterRef("pk"), as_of=as_of)
                without = without.filter(~Exists(day))
            rest = without[max(start - computed, 0) : stop - computed]
            parts.append(Loan.objects.filter(pk__in=rest).order_by().values_list("pk", flat=True))
        if not parts:
            return []
        # The page that straddles both: one IN over their UNION ALL (an OR of the two made the
        # database test every loan against both).
        wanted = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
        page = _in_portfolio_order(Loan.objects.filter(pk__in=wanted), as_of)
        return list(page.values_list("pk", flat=True))


def portfolio_page(
    user: User,
    membership: Membership | None,
    summary: PortfolioSummary,
    filters: PortfolioFilters,
    page_number: str | None,
) -> PortfolioPage:
    """One page of the portfolio on the summary's date: the loans and their snapshots (a fixed
    number of queries). Without a filter, the summary numbers the pages (_WholePortfolio)."""
    # The order and the page on the loans' ids alone (a narrow read), then the page's loans
    # with their dossier, borrower and bank.
    as_of = summary.as_of
    ids: _WholePortfolio | QuerySet[Loan, int]
    if filters.active:
        ids = portfolio_loans(user, membership, as_of, filters).values_list("pk", flat=True)
    else:
        ids = _WholePortfolio(
            access_loans_for_user(user, membership), as_of, summary.loans, summary.computed
        )
    page = Paginator(ids, PAGE_SIZE).get_page(page_number)
    page_ids = list(page.object_list)
    by_id = Loan.objects.select_related("dossier", "dossier__applicant", "bank").in_bulk(page_ids)
    on_page = [by_id[pk] for pk in page_ids if pk in by_id]
    snapshots: dict[int, ArrearsSnapshot] = {}
    if as_of is not None and on_page:
        snapshots = {
            s.loan_id: s
            for s in ArrearsSnapshot.objects.filter(
                as_of=as_of, loan_id__in=[loan.pk for loan in on_page]
            )
        }
    return PortfolioPage(
        page=page, rows=[PortfolioRow(loan, snapshots.get(loan.pk)) for loan in on_page]
    )
