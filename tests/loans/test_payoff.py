"""The payoff quote of a date (LOAN_CONVENTIONS "Early repayment"): remaining principal +
interest accrued pro rata in days since the last due date (rounded once) + anything overdue,
less an advance; a total early repayment of that amount on that date closes the schedule.

The loan: 1 200 € over 24 months at 1.75 %, disbursed on 10/03/2027, due on the 10th. By hand:
- installment A = 1 200 · i / (1 − (1 + i)^−24), i = 0.0175 / 12: (1 + i)^24 = 1.035590…,
  1 − 1 / 1.035590… = 0.034367…, 1.75 / 0.034367… = 50.92;
- row 1 (10/04): interest 1 200 × 0.0175 / 12 = 1.75, principal 50.92 − 1.75 = 49.17, balance
  after it 1 150.83;
- on 20/04, 10 of the 30 days from 10/04 to 10/05 have passed: accrued interest
  1 150.83 × 0.0175 / 12 × 10 / 30 = 1.678293… / 3 = 0.5594… → 0.56.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.loans import selectors, services
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
DISBURSED = date(2027, 3, 10)
FIRST_DUE = date(2027, 4, 10)
ON = date(2027, 4, 20)
EARLY = date(2027, 3, 15)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    with on(DISBURSED):
        loan = make_loan(created_by=referent, adviser=adviser)
    assert (loan.principal, loan.months, loan.installment) == (D("1200.00"), 24, D("50.92"))
    return loan


def pay(
    adviser: User, loan: Loan, reference: str, day: date, amount: str, *, early: bool = False
) -> None:
    services.repayment_record_for_loan(
        actor=adviser,
        membership=membership_of(adviser),
        loan_id=loan.pk,
        reference=reference,
        date=day,
        amount=D(amount),
        early_repayment=early,
        today=date(2027, 6, 1),
    )


def quote(loan: Loan, day: date = ON) -> tuple[Decimal, ...]:
    p = selectors.loan_payoff(loan, day)
    return p.principal, p.accrued_interest, p.overdue, p.credit, p.total


def closes(adviser: User, loan: Loan, day: date, total: Decimal) -> None:
    """The acceptance: a total early repayment of `total` on `day` ends the schedule."""
    pay(adviser, loan, "SOLDE", day, str(total), early=True)
    version = ScheduleVersion.objects.filter(loan=loan).order_by("-number").first()
    assert version is not None
    last = ScheduleLine.objects.filter(version=version).order_by("-number").first()
    assert last is not None and (last.kind, last.due_date, last.balance) == (
        "early-repayment",
        day,
        D("0.00"),
    )
    status = selectors.loan_position(loan, date(2027, 6, 1))
    assert status.position.fully_repaid
    assert (status.position.excess, status.credit, status.pending_early_repayment) == (0, 0, 0)
    assert selectors.loan_payoff(loan, date(2027, 6, 1)).total == 0


def test_before_the_first_due_date(loan: Loan, adviser: User) -> None:
    # 1 200 × 0.0175 / 12 = 1.75 × 5 / 31 days = 0.2822… → 0.28; total 1 200.28.
    assert quote(loan, EARLY) == (D("1200.00"), D("0.28"), D("0.00"), D("0.00"), D("1200.28"))
    closes(adviser, loan, EARLY, D("1200.28"))


def test_an_unpaid_installment_is_in_the_payoff(loan: Loan, adviser: User) -> None:
    # Nothing paid on 10/04: 50.92 overdue; 1 150.83 + 0.56 + 50.92 = 1 202.31.
    assert quote(loan) == (D("1150.83"), D("0.56"), D("50.92"), D("0.00"), D("1202.31"))
    closes(adviser, loan, ON, D("1202.31"))


def test_a_partly_paid_installment_leaves_its_rest_overdue(loan: Loan, adviser: User) -> None:
    # 20 € on 10/04 of the 50.92 due: 30.92 overdue; 1 150.83 + 0.56 + 30.92 = 1 182.31.
    pay(adviser, loan, "VIR-1", FIRST_DUE, "20.00")
    assert quote(loan) == (D("1150.83"), D("0.56"), D("30.92"), D("0.00"), D("1182.31"))
    closes(adviser, loan, ON, D("1182.31"))


def test_an_advance_is_deducted(loan: Loan, adviser: User) -> None:
    # 80.92 on 10/04: the installment and 30 € in advance on the next one.
    # 1 150.83 + 0.56 − 30 = 1 121.39.
    pay(adviser, loan, "VIR-1", FIRST_DUE, "80.92")
    assert quote(loan) == (D("1150.83"), D("0.56"), D("0.00"), D("30.00"), D("1121.39"))
    closes(adviser, loan, ON, D("1121.39"))


def test_after_a_partial_early_repayment_the_quote_starts_from_it(
    loan: Loan, adviser: User
) -> None:
    # 600 € early on 15/03 (keep the installment): 0.28 accrued, 599.72 principal, balance
    # 600.28 (test_early_repayment). On 20/04, the first new row (10/04: interest over the 26
    # days from 15/03, 600.28 × 0.0175 / 12 × 26 / 31 = 0.7342… → 0.73, principal
    # 50.92 − 0.73 = 50.19, balance 550.09) is unpaid: overdue 50.92; accrued
    # 550.09 × 0.0175 / 12 × 10 / 30 = 0.2674… → 0.27. Total 550.09 + 0.27 + 50.92 = 601.28.
    pay(adviser, loan, "ANT-1", EARLY, "600.00", early=True)
    assert quote(loan) == (D("550.09"), D("0.27"), D("50.92"), D("0.00"), D("601.28"))
    with pytest.raises(ValidationError) as caught:
        selectors.loan_payoff(loan, date(2027, 3, 12))
    assert caught.value.code == "date_before_last_version"
    assert "dernier remboursement anticipé (15/03/2027)" in caught.value.messages[0]
    closes(adviser, loan, ON, D("601.28"))


def test_a_date_before_the_disbursement_is_refused_in_french(loan: Loan) -> None:
    with pytest.raises(ValidationError) as caught:
        selectors.loan_payoff(loan, date(2027, 3, 9))
    assert caught.value.code == "date_before_disbursement"
    assert caught.value.messages == [
        "La date doit être celle du décaissement du prêt (10/03/2027) ou une date postérieure."
    ]


def payoff_section(page: str) -> str:
    start = page.index('id="payoff-title"')
    return page[start : page.index("</section>", start)]


@pytest.mark.parametrize("who", ["adviser", "referent"])
def test_the_loan_page_shows_the_payoff_of_the_date_picked(
    client, loan: Loan, referent: User, adviser: User, who: str
) -> None:  # type: ignore[no-untyped-def]
    with on(date(2027, 5, 2)):
        client.force_login(adviser if who == "adviser" else referent)
        section = payoff_section(client.get(f"/prets/{loan.pk}/?date=2027-04-20").content.decode())
        assert "Total à verser le 20/04/2027" in section
        for amount in ("1150.83", "0.56", "50.92", "1202.31"):
            assert format_eur(D(amount)) in section
        # Without a date: today's quote (10/04 unpaid; 22 of the 30 days to 10/05:
        # 1 150.83 × 0.0175 / 12 × 22 / 30 = 1.2307… → 1.23; 1 150.83 + 1.23 + 50.92 = 1 202.98).
        section = payoff_section(client.get(f"/prets/{loan.pk}/").content.decode())
        assert "Total à verser le 02/05/2027" in section
        assert format_eur(D("1202.98")) in section


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2027-02-30", "Saisissez une date valide, par exemple 15/03/2027."),
        ("demain", "Saisissez une date valide, par exemple 15/03/2027."),
        ("2027-03-01", "La date doit être celle du décaissement du prêt (10/03/2027)"),
    ],
)
def test_a_bad_date_is_answered_in_french(
    client, loan: Loan, adviser: User, typed: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    with on(ON):
        client.force_login(adviser)
        response = client.get(f"/prets/{loan.pk}/", {"date": typed})
    assert response.status_code == 200
    section = payoff_section(response.content.decode())
    assert message.replace("'", "&#x27;") in section
    assert "Total à verser" not in section
