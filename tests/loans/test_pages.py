"""The loan page: as many queries with one repayment as with a year of them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.loans import services
from microcredit.loans.models import Loan
from microcredit.loans.services import RepaymentLine
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db


def _repay(loan: Loan, adviser: User, months: range) -> None:
    services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(
                f"VIR-{loan.pk}-{m}",
                loan.dossier.number,
                loan.disbursement_date + timedelta(days=30 * m),
                Decimal("20.00"),
            )
            for m in months
        ],
        today=timezone.localdate() + timedelta(days=400),
        via="api",
    )


def _incident(loan: Loan, adviser: User, n: int) -> None:
    services.incident_record(
        actor=adviser,
        membership=membership_of(adviser),
        reference=f"IMP-{loan.pk}-{n}",
        dossier_number=loan.dossier.number,
        kind="missed_installment",
        date=loan.disbursement_date + timedelta(days=31 * n),
        amount=Decimal("20.00"),
        note="",
        today=timezone.localdate() + timedelta(days=400),
        via="api",
    )


@pytest.mark.parametrize("who", ["adviser", "referent"])
def test_the_loan_page_makes_as_many_queries_whatever_its_history(
    client, referent: User, adviser: User, count_queries, who: str
) -> None:  # type: ignore[no-untyped-def]
    short = make_loan(created_by=referent, adviser=adviser)
    long = make_loan(created_by=referent, adviser=adviser)
    _repay(short, adviser, range(1, 2))
    _incident(short, adviser, 1)
    _repay(long, adviser, range(1, 12))
    for n in range(1, 6):
        _incident(long, adviser, n)
    client.force_login(adviser if who == "adviser" else referent)
    counts = [
        count_queries(lambda loan=loan: client.get(f"/prets/{loan.pk}/")) for loan in (short, long)
    ]
    assert counts[0] == counts[1], counts
    page = client.get(f"/prets/{long.pk}/").content.decode()
    assert f"VIR-{long.pk}-11" in page and f"IMP-{long.pk}-5" in page


def test_the_loan_list_makes_as_many_queries_for_one_loan_as_for_four(
    client, referent: User, adviser: User, count_queries
) -> None:  # type: ignore[no-untyped-def]
    make_loan(created_by=referent, adviser=adviser)

    def counts() -> list[int]:
        result = []
        for user in (adviser, referent):
            client.force_login(user)
            result.append(count_queries(lambda: client.get("/prets/")))
        return result

    few = counts()
    extra = [make_loan(created_by=referent, adviser=adviser) for _ in range(3)]
    assert counts() == few
    for user in (adviser, referent):
        client.force_login(user)
        content = client.get("/prets/").content.decode()
        assert all(loan.dossier.number in content for loan in extra)
