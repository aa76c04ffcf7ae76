"""The loan page reconciles: its conditions are those of the schedule in force (the original
ones in the versions' history), and an ordinary advance is a credit on the next installment,
never « remboursement anticipé en attente » (only an early repayment without its version is).

The loan: 1 200 € over 24 months at 1.75 %, disbursed on 10/03/2027 (see test_payoff.py: the
installment is 50.92, the first one due on 10/04/2027).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loan_engine import Keep, partial_repayment
from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.loans import selectors, services
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.services.schedules import schedule_version_store
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
RATE = Fraction(175, 10000)
DISBURSED = date(2027, 3, 10)
FIRST_DUE = date(2027, 4, 10)
EARLY = date(2027, 3, 15)
TODAY = date(2027, 4, 25)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def half_up(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    with on(DISBURSED):
        return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def page_of(client, user: User, loan: Loan) -> str:  # type: ignore[no-untyped-def]
    with on(TODAY):
        client.force_login(user)
        return str(client.get(f"/prets/{loan.pk}/").content.decode())


def section(page: str, title_id: str) -> str:
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


def pay(adviser: User, loan: Loan, reference: str, day: date, amount: str, early: bool) -> None:
    services.repayment_record_for_loan(
        actor=adviser,
        membership=membership_of(adviser),
        loan_id=loan.pk,
        reference=reference,
        date=day,
        amount=D(amount),
        early_repayment=early,
        early_repayment_keep="end_date",
        today=TODAY,
    )


def test_the_conditions_are_those_of_the_schedule_in_force(
    client, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    original = (loan.installment, loan.total_interest, loan.total_due)
    assert original[0] == D("50.92")
    # 600 € on 15/03, keeping the end date: 0.28 accrued (1 200 × 1.75 % / 12 × 5 / 31), the
    # balance 1 200 − 599.72 = 600.28 is amortised over the 24 due dates left with
    # A = 600.28 · i / (1 − (1 + i)^−24), i = 1.75 % / 12.
    pay(adviser, loan, "ANT-1", EARLY, "600.00", True)
    i = RATE / 12
    lower = half_up(Fraction(D("600.28")) * i / (1 - (1 + i) ** -24))
    v2 = ScheduleVersion.objects.get(loan=loan, number=2)
    assert v2.installment == lower < original[0]
    lines = list(ScheduleLine.objects.filter(version=v2))
    interest = sum((line.interest for line in lines), D(0))
    total_due = sum((line.payment for line in lines), D(0))
    assert total_due == D("1200.00") + interest  # the principal lent and the new interest
    assert interest < original[1]

    page = page_of(client, adviser, loan)
    terms = section(page, "terms-title")
    for amount in (lower, interest, total_due):
        assert format_eur(amount) in terms
    for amount in original:
        assert format_eur(amount) not in terms
    assert "version 2 en vigueur" in terms
    # The original terms stay readable in the versions' history.
    schedule = section(page, "schedule-title")
    history = schedule[schedule.index("<details>") :]
    assert "Version 1 — Échéancier initial" in history
    assert (
        f"mensualité {format_eur(original[0])}, intérêts {format_eur(original[1])}, "
        f"montant total dû {format_eur(original[2])}"
    ) in history


def test_an_ordinary_advance_is_a_credit_on_the_next_installment(
    client, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    # 80.92 on 10/04: the installment (50.92) and 30 € in advance.
    pay(adviser, loan, "VIR-1", FIRST_DUE, "80.92", False)
    arrears = section(page_of(client, adviser, loan), "arrears-title")
    assert "Avance" in arrears and format_eur(D("30.00")) in arrears
    assert "à valoir sur la prochaine échéance" in arrears
    assert "en attente" not in arrears


def test_an_advance_left_out_of_an_older_version_is_still_a_credit(
    client, loan: Loan, adviser: User, referent: User
) -> None:  # type: ignore[no-untyped-def]
    # An advance of 30 €, then 500 € early on 20/04 whose version was made, as before the
    # engine took advances into the lump sum, without the advance: the lump sum is 500 € and
    # the 30 € are left over. It is the borrower's advance, not an early repayment waiting.
    pay(adviser, loan, "VIR-1", FIRST_DUE, "80.92", False)
    day = date(2027, 4, 20)
    older = partial_repayment(selectors.loan_schedule(loan), day, D("500.00"), Keep.INSTALLMENT)
    assert older.rows[1].payment == D("500.00")
    schedule_version_store(actor=adviser, loan=loan, schedule=older, reason="Version ancienne")
    Repayment.objects.create(
        loan=loan,
        bank=loan.bank,
        reference="ANT-1",
        date=day,
        amount=D("500.00"),
        early_repayment=True,
        early_repayment_keep="installment",
        recorded_by=adviser,
        via="api",
    )
    status = selectors.loan_position(loan, TODAY)
    assert status.position.pending_early_repayment == D("30.00")  # the engine's view
    assert (status.credit, status.pending_early_repayment) == (D("30.00"), 0)
    arrears = section(page_of(client, referent, loan), "arrears-title")
    assert "Avance" in arrears and format_eur(D("30.00")) in arrears
    assert "en attente" not in arrears


def test_an_early_repayment_without_its_version_is_pending(
    client, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    # 600 € flagged early on 15/03 with no new version: nothing is due yet, all of it waits.
    Repayment.objects.create(
        loan=loan,
        bank=loan.bank,
        reference="ANT-1",
        date=EARLY,
        amount=D("600.00"),
        early_repayment=True,
        early_repayment_keep="installment",
        recorded_by=adviser,
        via="api",
    )
    arrears = section(page_of(client, adviser, loan), "arrears-title")
    assert "Remboursement anticipé en attente" in arrears
    assert format_eur(D("600.00")) in arrears and "Avance" not in arrears
