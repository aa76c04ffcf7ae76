"""The portfolio page: each visible loan as the nightly job left it on its latest date, PAR30
derived by hand, the filters (state, bucket, number or name without accents), the pages, and as
many queries for 30 loans as for 3."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loan_engine import ArrearsState, par30
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.core.formatting import format_date, format_eur
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.servicing.models import ArrearsSnapshot
from microcredit.servicing.selectors import portfolio as selectors
from tests.factories import make_applicant, make_loan, saint_etienne_programme

pytestmark = pytest.mark.django_db

URL = reverse("servicing:portfolio")
D = timezone.localdate() + timedelta(days=75)  # the nightly job's latest date


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


def snapshot(
    loan: Loan,
    *,
    as_of: date = D,
    days: int,
    bucket: str,
    overdue: str = "0.00",
    outstanding: str = "1000.00",
    installment: str = "52.29",
    next_due: date | None = None,
) -> ArrearsSnapshot:
    """A row as the nightly job writes it (the job itself is tested in its own module)."""
    return ArrearsSnapshot.objects.create(
        loan=loan,
        as_of=as_of,
        days_past_due=days,
        bucket=bucket,
        overdue_amount=Decimal(overdue),
        outstanding_principal=Decimal(outstanding),
        installment=Decimal(installment),
        next_due_date=next_due,
    )


def applicant(referent: User, last: str, first: str) -> Applicant:
    return make_applicant(
        organisation=saint_etienne_programme().organisation,
        created_by=referent,
        last_name=last,
        first_name=first,
    )


@pytest.fixture
def portfolio(referent: User, adviser: User) -> dict[str, Loan]:
    """Four loans: 30 days late (at risk), 29 days late (not yet), up to date, and one disbursed
    after the job's last run (no snapshot on D). Older snapshots on D - 1 must not show."""
    loans = {
        "thirty": make_loan(
            created_by=referent, adviser=adviser, applicant=applicant(referent, "Lefèvre", "Zoé")
        ),
        "late": make_loan(
            created_by=referent, adviser=adviser, applicant=applicant(referent, "Mercier", "Ana")
        ),
        "current": make_loan(
            created_by=referent, adviser=adviser, applicant=applicant(referent, "Faure", "Paul")
        ),
        "new": make_loan(
            created_by=referent, adviser=adviser, applicant=applicant(referent, "Besson", "Lou")
        ),
    }
    snapshot(
        loans["thirty"],
        days=30,
        bucket="30+",
        overdue="104.58",
        outstanding="1234.56",
        next_due=D + timedelta(days=5),
    )
    snapshot(loans["late"], days=29, bucket="late", overdue="52.29", outstanding="765.44")
    snapshot(loans["current"], days=0, bucket="current", outstanding="2000.00")
    for loan in list(loans.values())[:3]:  # the day before: other figures, not shown
        snapshot(loan, as_of=D - timedelta(days=1), days=90, bucket="90+", outstanding="9.99")
    return loans


def _numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.loan.dossier.number for row in response.context["rows"]]


def test_the_adviser_reads_each_loan_at_the_jobs_latest_date_with_par30(
    client, adviser: User, portfolio: dict[str, Loan]
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert f"Situation au {format_date(D)}" in content
    # PAR30 = outstanding of loans 30+ days late / total outstanding, on D only:
    # 1 234.56 / (1 234.56 + 765.44 + 2 000.00) = 1 234.56 / 4 000.00 = 0.30864 → 0.3086
    # (4 decimals, half-up) → 30.86 %. The loan 29 days late is not at risk; the loan without a
    # snapshot on D is not in the basis.
    summary = response.context["summary"]
    assert summary.par30 == Decimal("0.3086")
    assert summary.outstanding == Decimal("4000.00")
    assert summary.at_risk == Decimal("1234.56")
    assert "30,86\u00a0%" in content
    assert "retard de 30 jours ou plus" in content  # the basis, in a sentence
    assert [(b.bucket, b.label, b.count) for b in summary.buckets] == [
        ("current", "à jour", 1),
        ("late", "en retard", 1),
        ("30+", "30 jours et plus", 1),
    ]
    assert summary.uncomputed == 1
    # The most days late first, by loan among equals; not computed last.
    assert _numbers(response) == [
        portfolio[key].dossier.number for key in ("thirty", "late", "current", "new")
    ]
    thirty = portfolio["thirty"]
    for text in (
        thirty.dossier.number,
        "Zoé LEFÈVRE",
        "1\u202f234,56\u00a0€",  # outstanding principal
        "104,58\u00a0€",  # overdue
        "52,29\u00a0€",  # installment in force
        "30 jours et plus",
        format_date(D + timedelta(days=5)),  # next due date
        reverse("loans:detail", args=[thirty.pk]),
        reverse("servicing:loan", args=[thirty.pk]),
        "non calculé",  # the loan disbursed since
    ):
        assert text in content, text
    assert format_eur(Decimal("9.99")) not in content  # the day before's figures


def test_the_page_says_when_the_job_never_ran(client, referent: User, adviser: User) -> None:  # type: ignore[no-untyped-def]
    loan = make_loan(created_by=referent, adviser=adviser)
    client.force_login(referent)
    response = client.get(URL)
    content = response.content.decode()
    assert "pas encore été calculée" in content
    assert loan.dossier.number in content
    assert "non calculé" in content
    assert response.context["summary"].uncomputed == 1


def test_par30_is_the_engines_over_the_loans_states() -> None:
    outstanding = [Decimal("1234.56"), Decimal("765.44"), Decimal("2000.00"), Decimal("0.01")]
    days = [30, 29, 0, 120]
    states = [
        ArrearsState(d, Decimal(0), Decimal(0), Decimal(0), o, "")
        for d, o in zip(days, outstanding, strict=True)
    ]
    at_risk = Decimal("1234.56") + Decimal("0.01")
    assert selectors.portfolio_par30(sum(outstanding, Decimal(0)), at_risk) == par30(states)
    # (1 234.56 + 0.01) / 4 000.01 = 0.308640… → 0.3086
    assert par30(states) == Decimal("0.3086")
    assert selectors.portfolio_par30(Decimal("0.00"), Decimal("0.00")) == Decimal("0.0000")


def test_filters_by_bucket_state_number_and_name_without_accents(
    client, adviser: User, portfolio: dict[str, Loan]
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    number = {key: loan.dossier.number for key, loan in portfolio.items()}
    assert _numbers(client.get(URL, {"tranche": "30+"})) == [number["thirty"]]
    assert _numbers(client.get(URL, {"tranche": "late"})) == [number["late"]]
    assert _numbers(client.post(URL, {"q": "lefevre"}, follow=True)) == [number["thirty"]]
    assert _numbers(client.post(URL, {"q": "ZOE LEFÈVRE"}, follow=True)) == [number["thirty"]]
    assert _numbers(client.get(URL, {"q": number["late"].lower()})) == [number["late"]]
    Loan.objects.filter(pk=portfolio["current"].pk).update(state=LoanState.REPAID)
    assert _numbers(client.get(URL, {"etat": "repaid"})) == [number["current"]]
    assert _numbers(client.get(URL, {"etat": "repaid", "tranche": "30+"})) == []
    empty = client.post(URL, {"q": "personne"}, follow=True).content.decode()
    assert "Aucun prêt ne correspond à cette recherche." in empty
    # The PAR30 and the counts stay those of the whole portfolio, whatever the filters.
    assert client.get(URL, {"tranche": "late"}).context["summary"].par30 == Decimal("0.3086")


def test_an_unknown_filter_is_not_applied(
    client, adviser: User, portfolio: dict[str, Loan]
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    response = client.get(URL, {"tranche": "1000+", "etat": "lost", "page": "x"})
    assert response.status_code == 200
    assert len(_numbers(response)) == 4


def test_a_finished_loan_without_snapshot_is_not_said_uncomputed(
    client, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    running = make_loan(created_by=referent, adviser=adviser)
    snapshot(running, days=0, bucket="current")
    repaid = make_loan(created_by=referent, adviser=adviser)
    Loan.objects.filter(pk=repaid.pk).update(state=LoanState.REPAID)
    client.force_login(referent)
    response = client.get(URL)
    assert "sans objet (prêt terminé)" in response.content.decode()
    assert response.context["summary"].uncomputed == 0


def test_the_list_is_paginated(
    client, adviser: User, portfolio: dict[str, Loan], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    client.force_login(adviser)
    first = client.get(URL, {"q": "", "tranche": ""})
    assert len(_numbers(first)) == 3
    assert "page=2" in first.content.decode()
    second = client.get(URL, {"page": "2"})
    assert _numbers(second) == [portfolio["new"].dossier.number]


@pytest.mark.parametrize("who", ["adviser", "referent"])
def test_as_many_queries_for_30_loans_as_for_3(
    client, referent: User, adviser: User, count_queries, who: str
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser if who == "adviser" else referent)
    counts = []
    for total in (3, 30):
        while Loan.objects.count() < total:
            loan = make_loan(created_by=referent, adviser=adviser)
            n = Loan.objects.count()
            if n % 3:  # a third without a snapshot (disbursed since the job ran)
                snapshot(loan, days=n, bucket="late" if n < 30 else "30+", next_due=D)
        response = client.get(URL)
        assert len(_numbers(response)) == total
        counts.append(count_queries(lambda: client.get(URL)))
        counts.append(count_queries(lambda: client.get(URL, {"q": "mc-", "tranche": "late"})))
    assert counts[:2] == counts[2:]


def test_the_pages_without_filter_read_the_same_order_as_with_one(
    client, referent: User, adviser: User, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Without a filter, the pages come from the snapshots' index then the loans without one,
    numbered by the summary (no COUNT of the loans): the same order, page after page, as the
    filtered list's single query, whichever page straddles the two."""
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    made = [make_loan(created_by=referent, adviser=adviser) for _ in range(7)]
    # Days late, in the order of the loans: ties at 5 and at 0, two not computed (None).
    for loan, days in zip(made, [0, 5, None, 0, 12, 5, None], strict=True):
        if days is not None:
            snapshot(loan, days=days, bucket="late" if days else "current")
        # The day before, other figures: not the portfolio's date, not in its order.
        snapshot(loan, as_of=D - timedelta(days=1), days=100 - loan.pk % 7, bucket="90+")
    expected = [made[i].pk for i in (4, 1, 5, 0, 3, 2, 6)]  # 12, 5, 5, 0, 0, then by loan
    client.force_login(referent)
    seen: list[int] = []
    for number in range(1, 5):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page": number})
        seen += [row.loan.pk for row in response.context["rows"]]
        assert response.context["page"].paginator.count == 7
        assert not [q for q in queries if 'COUNT(*) AS "__count" FROM "loans_loan"' in q["sql"]]
    assert seen == expected
    membership = Membership.objects.get(user=referent)
    ordered = selectors.portfolio_loans(
        referent, membership, D, selectors.PortfolioFilters(state=LoanState.ACTIVE)
    )
    assert list(ordered.values_list("pk", flat=True)) == expected
    # With a filter, its own count and the same order.
    filtered = client.get(URL, {"etat": LoanState.ACTIVE, "page": 2})
    assert filtered.context["page"].paginator.count == 7
    assert [row.loan.pk for row in filtered.context["rows"]] == expected[2:4]
    # A page past the end is the last one (the summary's count bounds the pages).
    last = client.get(URL, {"page": 99})
    assert [row.loan.pk for row in last.context["rows"]] == expected[6:]


def test_without_the_nightly_job_the_pages_go_by_loan(
    client, referent: User, adviser: User, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    made = [make_loan(created_by=referent, adviser=adviser) for _ in range(3)]
    client.force_login(referent)
    pages = [client.get(URL, {"page": number}).context["rows"] for number in (1, 2)]
    assert [row.loan.pk for rows in pages for row in rows] == [loan.pk for loan in made]
    assert all(row.snapshot is None for rows in pages for row in rows)
