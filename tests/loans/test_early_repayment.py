"""Early repayment: a repayment flagged early replaces the schedule with version n+1, as the
conventions say (LOAN_CONVENTIONS.md, "Early repayment"); the loan then shows no false arrears.

The expected figures are computed here from the rules, not from the engine: a period's interest
is balance × 1.75 % / 12 rounded half-up once (pro rata in days over the period's days for a
part of a period), the installment A = P·i / (1 − (1+i)^−n) rounded half-up, the last
installment takes what remains.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.core.models import AuditEvent
from microcredit.loans import selectors, services
from microcredit.loans.models import Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.services import RepaymentLine
from tests.factories import make_api_token, make_loan, membership_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
RATE = Fraction(175, 10000)  # 1.75 %, the scheme's nominal rate
DISBURSED = date(2027, 3, 10)  # the cheque's day: due dates on the 10th
FIRST_DUE = date(2027, 4, 10)  # 31 days after the disbursement
EARLY = date(2027, 3, 15)  # 5 days after the disbursement, 26 days before the first due date
TODAY = date(2027, 7, 1)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def half_up(amount: Fraction) -> Decimal:
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def interest(balance: Decimal, days: int | None = None, period: int | None = None) -> Decimal:
    """balance × rate / 12 (× days / period), multiplied before dividing, rounded once."""
    value = Fraction(balance) * RATE / 12
    if days is not None and period is not None:
        value = value * days / period
    return half_up(value)


def installment(balance: Decimal, n: int) -> Decimal:
    i = RATE / 12
    return half_up(Fraction(balance) * i / (1 - (1 + i) ** -n))


def due(k: int) -> date:
    """The k-th due date (k from 0): the 10th of each month after the disbursement."""
    month = FIRST_DUE.month - 1 + k
    return date(FIRST_DUE.year + month // 12, month % 12 + 1, 10)


def rows_after(
    balance: Decimal, payment: Decimal, count: int, first_days: tuple[int, int]
) -> list[tuple[date, Decimal, Decimal, Decimal, Decimal]]:
    """(due, payment, interest, principal, balance) of the installments amortising `balance`
    with the installment `payment` over at most `count` due dates; the first row's interest
    covers only `first_days` = (days, period days); the last installment takes what remains."""
    rows = []
    for k in range(count):
        it = interest(balance, *first_days) if k == 0 else interest(balance)
        last = k == count - 1 or balance + it <= payment
        principal = balance if last else payment - it
        balance -= principal
        rows.append((due(k), it + principal, it, principal, balance))
        if last:
            break
    return rows


def stored(version: ScheduleVersion) -> list[tuple[date, Decimal, Decimal, Decimal, Decimal]]:
    return [
        (line.due_date, line.payment, line.interest, line.principal, line.balance)
        for line in ScheduleLine.objects.filter(version=version).order_by("number")
    ]


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    """1 200 € over 24 months at 1.75 %, disbursed on 10/03/2027."""
    with on(DISBURSED):
        loan = make_loan(created_by=referent, adviser=adviser)
    assert (loan.principal, loan.months, loan.disbursement_date) == (D("1200.00"), 24, DISBURSED)
    return loan


def repay(
    adviser: User, loan: Loan, *lines: tuple[str, date, str, bool, str]
) -> services.BatchResult:
    return services.repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[
            RepaymentLine(ref, loan.dossier.number, day, D(amount), early, keep)
            for ref, day, amount, early, keep in lines
        ],
        today=TODAY,
        via="api",
    )


def versions(loan: Loan) -> list[ScheduleVersion]:
    return list(ScheduleVersion.objects.filter(loan=loan).order_by("number"))


# 600 € on 15/03 with nothing due yet: interest accrued over 5 of the 31 days of the period,
# 1 200 × 1.75 % / 12 = 1.75 → × 5 / 31 = 0.2822… → 0.28; principal 600 − 0.28 = 599.72;
# balance 1 200 − 599.72 = 600.28.
LUMP = (EARLY, D("600.00"), D("0.28"), D("599.72"), D("600.28"))


def test_keeping_the_installment_gives_fewer_installments(loan: Loan, adviser: User) -> None:
    first = versions(loan)[0]
    before = stored(first)
    repay(adviser, loan, ("ANT-1", EARLY, "600.00", True, "installment"))
    v1, v2 = versions(loan)
    assert (v2.number, v2.reason) == (
        2,
        "Remboursement anticipé partiel du 15/03/2027 (durée réduite)",
    )
    a = installment(D("1200.00"), 24)
    assert v1.installment == v2.installment == loan.installment == a
    lines = stored(v2)
    assert lines[0] == LUMP
    assert ScheduleLine.objects.get(version=v2, number=1).kind == "early-repayment"
    # Then the same installment; the first one's interest covers the 26 days from 15/03 to 10/04.
    expected = rows_after(D("600.28"), a, 24, (26, 31))
    assert lines[1:] == expected
    assert lines[1][2] == D("0.73")  # 600.28 × 1.75 % / 12 × 26 / 31 = 0.7342… → 0.73
    assert len(expected) < 24 and expected[-1][1] <= a and expected[-1][4] == 0
    assert sum(line[3] for line in lines) == D("1200.00")
    # Version 1 stays as it was.
    assert stored(v1) == before and len(before) == 24
    assert AuditEvent.objects.filter(action="schedule_version_created").count() == 1


def test_keeping_the_end_date_gives_a_lower_installment(loan: Loan, adviser: User) -> None:
    repay(adviser, loan, ("ANT-1", EARLY, "600.00", True, "end_date"))
    _v1, v2 = versions(loan)
    assert v2.reason == "Remboursement anticipé partiel du 15/03/2027 (mensualité réduite)"
    lower = installment(D("600.28"), 24)  # the formula over the 24 installments left
    assert v2.installment == lower < loan.installment
    lines = stored(v2)
    assert lines[0] == LUMP
    assert lines[1:] == rows_after(D("600.28"), lower, 24, (26, 31))
    assert len(lines) == 25 and lines[-1][0] == due(23) == date(2029, 3, 10)
    assert Repayment.objects.get(reference="ANT-1").early_repayment_keep == "end_date"


def arrears_section(page: str) -> str:
    start = page.index('id="arrears-title"')
    return page[start : page.index("</section>", start)]


def test_after_an_early_repayment_the_loan_page_shows_no_false_arrears(
    client, loan: Loan, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    lower = installment(D("600.28"), 24)
    tail = rows_after(D("600.28"), lower, 24, (26, 31))
    # The borrower pays 600 € early, then the two new installments on their due dates.
    repay(
        adviser,
        loan,
        ("ANT-1", EARLY, "600.00", True, "end_date"),
        ("VIR-1", due(0), str(tail[0][1]), False, "installment"),
        ("VIR-2", due(1), str(tail[1][1]), False, "installment"),
    )
    with on(FIRST_DUE + timedelta(days=40)):
        client.force_login(adviser)
        page = client.get(f"/prets/{loan.pk}/").content.decode()
    section = arrears_section(page)
    assert "à jour" in section and "retard" not in section
    outstanding = tail[1][4]  # the balance after the second new installment
    assert outstanding == D("600.28") - tail[0][3] - tail[1][3]
    assert format_eur(outstanding) in section
    assert format_eur(D("1200.00")) not in section
    # The version in force and the past one, still readable.
    assert "Version 2 — Remboursement anticipé partiel du 15/03/2027" in page
    assert "Version 1 — Échéancier initial" in page and "<details>" in page


def test_a_payment_of_the_payoff_ends_the_schedule(loan: Loan, adviser: User) -> None:
    # Payoff on 15/03: the principal 1 200 + the interest accrued since the disbursement (0.28).
    repay(adviser, loan, ("SOLDE", EARLY, "1200.28", True, "installment"))
    _v1, v2 = versions(loan)
    assert v2.reason == "Remboursement anticipé total du 15/03/2027"
    assert stored(v2) == [(EARLY, D("1200.28"), D("0.28"), D("1200.00"), D("0.00"))]
    status = selectors.loan_position(loan, FIRST_DUE + timedelta(days=40))
    assert status.position.fully_repaid
    assert (status.arrears.days_past_due, status.arrears.outstanding_principal) == (0, 0)


def test_an_early_repayment_first_settles_the_missed_installment(loan: Loan, adviser: User) -> None:
    # Nothing paid on 10/04; 600 € on 15/04: first the missed installment (A), then the interest
    # accrued over 5 of the 30 days from 10/04 to 10/05 on the balance after it, the rest
    # reduces the principal.
    a = installment(D("1200.00"), 24)
    first_interest = interest(D("1200.00"))
    balance = D("1200.00") - (a - first_interest)
    accrued = interest(balance, 5, 30)
    day = FIRST_DUE + timedelta(days=5)
    repay(adviser, loan, ("ANT-1", day, "600.00", True, "installment"))
    lines = stored(versions(loan)[1])
    reduction = D("600.00") - a - accrued
    assert lines[1] == (day, accrued + reduction, accrued, reduction, balance - reduction)
    status = selectors.loan_position(loan, day + timedelta(days=1))
    assert status.arrears.days_past_due == 0 and status.arrears.overdue_amount == 0
    assert status.arrears.outstanding_principal == balance - reduction


@pytest.mark.parametrize(
    ("amount", "code"),
    # The payoff on 15/03 is 1 200.28 (test_a_payment_of_the_payoff_ends_the_schedule):
    # 1 205 passes the money guard (10 € of tolerance) but not the engine; 1 300 neither.
    [("0.20", "amount_too_small"), ("1205.00", "amount_exceeds_payoff"),
     ("1300.00", "amount_exceeds_due")],
)  # fmt: skip
def test_an_impossible_early_repayment_is_refused_and_nothing_is_written(
    loan: Loan, adviser: User, amount: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        repay(
            adviser,
            loan,
            # 5 € on 10/04, well within what is still due then whatever ANT-1 is.
            ("VIR-OK", FIRST_DUE, "5.00", False, "installment"),
            ("ANT-1", EARLY, amount, True, "installment"),
        )
    [error] = caught.value.error_list
    assert (error.code, error.params) == (code, {"line": 2, "reference": "ANT-1"})
    what = "le montant dépasse" if code == "amount_exceeds_due" else "remboursement anticipé"
    assert error.message.startswith(f"Ligne 2 (référence « ANT-1 ») : {what}")
    assert not Repayment.objects.exists()
    assert len(versions(loan)) == 1


def test_an_unknown_choice_is_refused(loan: Loan, adviser: User) -> None:
    with pytest.raises(ValidationError) as caught:
        repay(adviser, loan, ("ANT-1", EARLY, "600.00", True, "shorter"))
    assert [e.code for e in caught.value.error_list] == ["invalid_keep"]
    assert not Repayment.objects.exists()


def test_the_same_early_repayment_sent_twice_makes_one_version(loan: Loan, adviser: User) -> None:
    line = ("ANT-1", EARLY, "600.00", True, "end_date")
    repay(adviser, loan, line)
    again = repay(adviser, loan, line)
    assert [r.reference for r in again.already_recorded] == ["ANT-1"]
    assert len(versions(loan)) == 2
    with pytest.raises(ValidationError) as caught:
        repay(adviser, loan, ("ANT-1", EARLY, "600.00", True, "installment"))
    assert [e.code for e in caught.value.error_list] == ["reference_conflict"]


def test_the_portal_form_records_the_borrowers_choice(client, loan: Loan, adviser: User) -> None:  # type: ignore[no-untyped-def]
    with on(EARLY):
        client.force_login(adviser)
        response = client.post(
            f"/prets/{loan.pk}/remboursements/",
            {
                "rep-reference": "GUICHET-ANT",
                "rep-date": EARLY.isoformat(),
                "rep-amount": "600,00",
                "rep-early_repayment": "on",
                "rep-early_repayment_keep": "end_date",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/prets/{loan.pk}/"
    v2 = versions(loan)[1]
    assert v2.installment == installment(D("600.28"), 24)
    assert "mensualité réduite" in v2.reason


def test_the_api_passes_the_borrowers_choice(client, loan: Loan, adviser: User) -> None:  # type: ignore[no-untyped-def]
    token = make_api_token(adviser)
    body = {
        "repayments": [
            {
                "reference": "API-ANT",
                "dossier_number": loan.dossier.number,
                "date": EARLY.isoformat(),
                "amount": "600.00",
                "early_repayment": True,
                "early_repayment_keep": "end_date",
            }
        ]
    }
    with on(TODAY):
        response = client.post(
            "/api/v1/repayments",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.content
    assert versions(loan)[1].installment == installment(D("600.28"), 24)
