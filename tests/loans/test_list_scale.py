"""Issue #19: the loan page's lists that grow with the loan's life (the past versions of the
schedule, the repayments, the incidents) are paginated: as many SQL queries with 1 of each as
with 60, never more rows than a page, the next pages reachable."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.loans import selectors
from microcredit.loans.enums import IncidentKind, RecordedVia
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine, ScheduleVersion
from tests.factories import make_loan

pytestmark = pytest.mark.django_db

MANY = 60


def _grow(loan: Loan, count: int) -> None:
    """`count` repayments and incidents, and `count` versions of the schedule in all (each a
    copy of the first one's lines), in bulk."""
    first = ScheduleVersion.objects.get(loan=loan, number=1)
    lines = list(ScheduleLine.objects.filter(version=first))
    have = ScheduleVersion.objects.filter(loan=loan).count()
    for number in range(have + 1, count + 1):
        version = ScheduleVersion.objects.create(
            loan=loan,
            number=number,
            reason=f"version {number}",
            installment=first.installment,
            created_by=first.created_by,
        )
        for line in lines:
            line.pk, line.version = None, version
        ScheduleLine.objects.bulk_create(lines)
    have = Repayment.objects.filter(loan=loan).count()
    Repayment.objects.bulk_create(
        Repayment(
            loan=loan,
            bank_id=loan.bank_id,
            reference=f"R{n:05d}",
            date=loan.disbursement_date + timedelta(days=n),
            amount=Decimal("1.00"),
            recorded_by=first.created_by,
            via=RecordedVia.PORTAL,
        )
        for n in range(have, count)
    )
    have = Incident.objects.filter(loan=loan).count()
    Incident.objects.bulk_create(
        Incident(
            loan=loan,
            bank_id=loan.bank_id,
            reference=f"I{n:05d}",
            kind=IncidentKind.MISSED_INSTALLMENT,
            date=loan.disbursement_date + timedelta(days=n),
            recorded_by=first.created_by,
            via=RecordedVia.PORTAL,
        )
        for n in range(have, count)
    )


def test_the_loan_pages_lists_are_paginated_in_as_many_queries(client, make_user) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    loan = make_loan(created_by=referent, adviser=adviser)
    client.force_login(adviser)
    url = reverse("loans:detail", args=[loan.pk])
    counts, pages = [], []
    for count in (1, MANY):
        _grow(loan, count)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        counts.append(len(captured))
        pages.append(response.context["page"])
    assert counts[0] == counts[1]
    page = pages[1]
    assert len(page.repayments) == MANY  # the engine allocates them all
    assert len(page.repayments_page) == selectors.REPAYMENTS_PAGE_SIZE
    assert len(page.incidents_page) == selectors.INCIDENTS_PAGE_SIZE
    assert len(page.past_versions) == selectors.VERSIONS_PAGE_SIZE
    # The newest first: the last repayment, the last incident, the version before the one in
    # force.
    assert page.repayments_page[0].reference == f"R{MANY - 1:05d}"
    assert page.incidents_page[0].reference == f"I{MANY - 1:05d}"
    assert page.past_versions[0].version.number == MANY - 1
    assert all(len(past.lines) == len(page.lines) for past in page.past_versions)
    body = response.content.decode()
    assert "remboursements=2#remboursements" in body
    assert "incidents=2#incidents" in body
    assert "versions=2#echeancier" in body
    # The last page of each list, the other lists' pages and the payoff date kept in its links.
    last = client.get(url, {"remboursements": "3", "incidents": "3", "date": "2030-01-01"})
    repayments = last.context["page"].repayments_page
    assert [r.reference for r in repayments] == [
        f"R{n:05d}" for n in range(MANY - 2 * selectors.REPAYMENTS_PAGE_SIZE - 1, -1, -1)
    ]
    assert len(last.context["page"].incidents_page) == MANY - 2 * selectors.INCIDENTS_PAGE_SIZE
    assert "incidents=3&amp;date=2030-01-01&amp;remboursements=2#remboursements" in (
        last.content.decode()
    )
