"""Issue #19: the servicing lists at volume. The portfolio (each filter, a second page), the
alerts list (to handle, handled), the statement imports: as many SQL queries at 10 dossiers (3
loans) as at 1,000 (250 loans, `generate_volume`), and never more rows than a page; the guarantee
claim's page and the follow-up page of one loan do not read the other loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.paginator import Page
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.demo.volume import ADVISER, DIRECTOR, REFERENT, generate_volume
from microcredit.loans.models import Loan
from microcredit.servicing.enums import AlertKind, ImportState
from microcredit.servicing.models import Alert, ArrearsSnapshot, StatementImport
from microcredit.servicing.selectors import alerts, portfolio, statements
from tests.planner import analyze

pytestmark = pytest.mark.django_db

SMALL = (10, 3)  # dossiers, loans
LARGE = (1000, 250)
BUCKETS = ("current", "late", "30+", "60+", "90+")


@dataclass
class Volume:
    clients: dict[str, Client]
    loan: Loan  # the first loan (the per-loan pages)
    name: str  # its borrower's last name (a search)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _fill(loans: list[Loan]) -> None:
    """What the nightly job would have left (snapshots on today, alerts for the référent and
    the bank, one handled and one not) and one statement import per ten loans, in bulk."""
    today = timezone.localdate()
    adviser = User.objects.get(username=ADVISER)
    ArrearsSnapshot.objects.bulk_create(
        ArrearsSnapshot(
            loan=loan,
            as_of=today,
            days_past_due=(n * 7) % 120,
            bucket=BUCKETS[n % len(BUCKETS)],
            overdue_amount=Decimal("10.00"),
            outstanding_principal=Decimal("500.00"),
            installment=loan.installment,
            next_due_date=today + timedelta(days=10),
        )
        for n, loan in enumerate(loans)
    )
    now = timezone.now()
    Alert.objects.bulk_create(
        Alert(
            loan=loan,
            kind=AlertKind.MISSED_INSTALLMENT,
            key=f"{today.isoformat()}-{handled}",
            recipient_id=recipient_id,
            as_of=today,
            days_past_due=10,
            handled_at=now if handled else None,
            handled_by=adviser if handled else None,
        )
        for loan in loans
        for recipient_id in (loan.dossier.referent_id, adviser.pk)
        for handled in (False, True)
    )
    bank = Membership.objects.get(user=adviser).organisation_id
    StatementImport.objects.bulk_create(
        StatementImport(
            organisation_id=bank,
            original_name=f"releve-{n}.csv",
            sha256=f"{n:064d}",
            encoding="utf-8",
            content="",
            state=ImportState.PREVIEWED,
            uploaded_by=adviser,
        )
        for n in range(max(1, len(loans) // 2))
    )


def _build(dossiers: int, loans: int) -> Volume:
    generate_volume(dossiers=dossiers, loans=loans, today=timezone.localdate(), seed=19)
    all_loans = list(Loan.objects.select_related("dossier").order_by("pk"))
    _fill(all_loans)
    analyze()
    # One référent's caseload: the one of the first loan (the alerts go to them).
    first = Loan.objects.select_related("dossier__applicant", "dossier__referent").earliest("pk")
    return Volume(
        clients={
            "adviser": _client(ADVISER),
            "director": _client(DIRECTOR),
            "referent": _client(first.dossier.referent.username),
            "main_referent": _client(REFERENT),
        },
        loan=first,
        name=first.dossier.applicant.last_name,
    )


@dataclass
class Seen:
    queries: int
    rows: int  # the rows of the page's list
    per_page: int
    has_next: bool


def _rows(response) -> tuple[int, int, bool]:  # type: ignore[no-untyped-def]
    page = response.context.get("page")
    if not isinstance(page, Page):  # a page about one loan
        return 0, 0, False
    return len(page.object_list), page.paginator.per_page, page.has_next()


def _see(client: Client, url: str) -> Seen:
    response = client.get(url, follow=True)  # a name searched: redirected to its key
    if response.redirect_chain:
        url = response.redirect_chain[-1][0]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    rows, per_page, has_next = _rows(response)
    return Seen(len(captured), rows, per_page, has_next)


def _pages(volume: Volume) -> dict[tuple[str, str], str]:
    """(page, who) → URL."""
    portfolio_url = reverse("servicing:portfolio")
    alerts_url = reverse("servicing:alerts")
    loan = volume.loan.pk
    urls = {}
    for who in ("adviser", "director"):
        urls["portefeuille", who] = portfolio_url
        urls["portefeuille page 2", who] = f"{portfolio_url}?page=2"
        urls["portefeuille état", who] = f"{portfolio_url}?etat=active"
        urls["portefeuille tranche", who] = f"{portfolio_url}?tranche=30%2B"
        urls["portefeuille nom", who] = f"{portfolio_url}?q={volume.name}"
        urls["portefeuille numéro", who] = f"{portfolio_url}?q={volume.loan.dossier.number}"
    for who in ("adviser", "referent"):
        urls["alertes", who] = alerts_url
        urls["alertes traitées", who] = f"{alerts_url}?etat=traitees"
    urls["relevés", "adviser"] = reverse("servicing:statement_upload")
    urls["appel en garantie", "adviser"] = reverse("servicing:claim", args=[loan])
    urls["suivi du prêt", "adviser"] = reverse("servicing:loan", args=[loan])
    urls["suivi du prêt", "referent"] = reverse("servicing:loan", args=[loan])
    return urls


def _measure(dossiers: int, loans: int) -> dict[tuple[str, str], Seen]:
    with transaction.atomic():
        volume = _build(dossiers, loans)
        seen = {key: _see(volume.clients[key[1]], url) for key, url in _pages(volume).items()}
        transaction.set_rollback(True)
    return seen


def test_the_servicing_lists_read_as_many_queries_at_1000_dossiers_and_one_page_of_rows() -> None:
    small = _measure(*SMALL)
    large = _measure(*LARGE)
    grew = {key: (small[key].queries, large[key].queries) for key in small}
    assert {k: v for k, v in grew.items() if v[0] != v[1]} == {}
    for key, seen in large.items():
        assert seen.rows <= seen.per_page or seen.per_page == 0, key
    # The bounds are exercised: at 1,000 dossiers these lists hold more than one page.
    assert large["portefeuille", "adviser"].has_next
    assert large["portefeuille", "director"].rows == portfolio.PAGE_SIZE
    assert large["alertes", "adviser"].has_next
    assert large["alertes", "adviser"].rows == alerts.PAGE_SIZE
    assert large["alertes traitées", "adviser"].has_next
    assert large["relevés", "adviser"].has_next
    assert large["relevés", "adviser"].rows == statements.PAGE_SIZE
