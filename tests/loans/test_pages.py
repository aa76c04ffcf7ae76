"""The loan page: as many queries with one repayment as with a year of them (and several
schedule versions); the arrears in French, a credit when the borrower paid in advance."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.loans import rules, services
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.loans.services import RepaymentLine
from tests.factories import make_loan, membership_of

PARIS = ZoneInfo("Europe/Paris")

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
    # Two early repayments: the long loan's schedule has three versions, two of them past.
    services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(
                f"ANT-{long.pk}-{n}",
                long.dossier.number,
                long.disbursement_date + timedelta(days=n),
                Decimal("100.00"),
                early_repayment=True,
            )
            for n in (2, 4)
        ],
        today=timezone.localdate() + timedelta(days=400),
        via="api",
    )
    assert ScheduleVersion.objects.filter(loan=long).count() == 3
    client.force_login(adviser if who == "adviser" else referent)
    counts = [
        count_queries(lambda loan=loan: client.get(f"/prets/{loan.pk}/")) for loan in (short, long)
    ]
    assert counts[0] == counts[1], counts
    page = client.get(f"/prets/{long.pk}/").content.decode()
    assert f"VIR-{long.pk}-11" in page and f"IMP-{long.pk}-5" in page
    assert "Version 3 — Remboursement anticipé partiel" in page
    assert "Version 2 — Remboursement anticipé partiel" in page
    assert "Version 1 — Échéancier initial" in page


@pytest.mark.parametrize("who", ["adviser", "referent"])
def test_the_old_loan_list_sends_to_the_portfolio(
    client, referent: User, adviser: User, who: str
) -> None:  # type: ignore[no-untyped-def]
    # The list of loans is the servicing portfolio now (paginated, with the arrears).
    client.force_login(adviser if who == "adviser" else referent)
    response = client.get("/prets/")
    assert response.status_code == 302
    assert response["Location"] == "/suivi/portefeuille/"


def _arrears(page: str) -> str:
    start = page.index('id="arrears-title"')
    return page[start : page.index("</section>", start)]


def _page_on(client, user: User, loan: Loan, day: date) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        client.force_login(user)
        return str(client.get(f"/prets/{loan.pk}/").content.decode())


@pytest.mark.parametrize(
    ("days", "label"),
    [(0, "à jour"), (1, "en retard"), (29, "en retard"), (30, "30 jours et plus"),
     (60, "60 jours et plus"), (95, "90 jours et plus")],
)  # fmt: skip
def test_the_arrears_bucket_is_shown_in_french(
    client, referent: User, adviser: User, days: int, label: str
) -> None:  # type: ignore[no-untyped-def]
    loan = make_loan(created_by=referent, adviser=adviser)
    first_due = ScheduleLine.objects.filter(version__loan=loan).order_by("number")[0].due_date
    # Nothing paid: the first installment is overdue the day after its due date.
    section = _arrears(_page_on(client, referent, loan, first_due + timedelta(days=days)))
    if days:
        assert f"({label})" in section
        assert f"{days} jour" in section
    else:
        assert label in section
    for english in ("current", "late", "30+", "60+", "90+"):
        assert f"({english})" not in section


def test_every_engine_bucket_has_a_french_label() -> None:
    assert rules.arrears_bucket_label("current") == "à jour"
    assert rules.arrears_bucket_label("late") == "en retard"
    assert rules.arrears_bucket_label("30+") == "30 jours et plus"
    assert rules.arrears_bucket_label("120+") == "120 jours et plus"


def test_a_payment_in_advance_shows_as_a_credit(client, referent: User, adviser: User) -> None:  # type: ignore[no-untyped-def]
    loan = make_loan(created_by=referent, adviser=adviser)
    first = ScheduleLine.objects.filter(version__loan=loan).order_by("number")[0]
    # The first installment and 30 € more, paid on its due date: 30 € in advance on the next.
    services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(
                "VIR-AVANCE", loan.dossier.number, first.due_date, first.payment + Decimal(30)
            )
        ],
        today=first.due_date,
        via="api",
    )
    section = _arrears(_page_on(client, adviser, loan, first.due_date + timedelta(days=1)))
    assert "Avance" in section and format_eur(Decimal("30.00")) in section
    assert "à jour" in section and "Trop-perçu" not in section


def test_a_payment_beyond_the_schedule_shows_as_an_overpayment(
    client, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    loan = make_loan(created_by=referent, adviser=adviser)
    lines = list(ScheduleLine.objects.filter(version__loan=loan).order_by("number"))
    # Every installment on its due date, the last one with 5 € more: within the scheme's
    # tolerance (10 € above what is due), so accepted, and 5 € beyond the schedule.
    services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(
                f"VIR-{line.number}",
                loan.dossier.number,
                line.due_date,
                line.payment + (Decimal(5) if line is lines[-1] else 0),
            )
            for line in lines
        ],
        today=lines[-1].due_date,
        via="api",
    )
    section = _arrears(_page_on(client, adviser, loan, lines[-1].due_date + timedelta(days=1)))
    assert "Trop-perçu" in section and format_eur(Decimal("5.00")) in section


def test_each_read_of_the_loan_page_is_logged_with_the_loan(
    client, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.core.models import AccessLog

    loan = make_loan(created_by=referent, adviser=adviser)
    client.force_login(referent)
    assert client.get(f"/prets/{loan.pk}/").status_code == 200
    log = AccessLog.objects.get(action="loan_detail")
    assert (log.user_id, log.object_type, log.object_id) == (
        referent.pk,
        "loans.loan",
        str(loan.pk),
    )
    assert client.get(f"/prets/{loan.pk + 999}/").status_code == 404
    assert AccessLog.objects.filter(action="loan_detail").count() == 1
