"""The acceptance letter's figures, computed here by hand from docs LOAN_CONVENTIONS.md.

Nothing here comes from the loan engine: the schedule is worked out with Decimal arithmetic
following the conventions, the TAEG by bisection on the annex formula (art. R314-3 of the Code
de la consommation), and the PDF the task wrote must show exactly those figures.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

import pytest
import time_machine

from microcredit.banking.services import bank_accept
from microcredit.letters.models import Letter
from tests.factories import make_transmitted_dossier, membership_of
from tests.letters.test_writing import letter_text

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
RATE = Decimal("0.0175")  # Saint-Étienne's nominal rate, no fees, no insurance

# 1 000 € over 12 installments after a 2-month interest-only deferral, decided (and so,
# provisionally, paid out) on 31 January 2026: the due dates test the month-end rule too.
PRINCIPAL = Decimal("1000.00")
MONTHS = 12
DEFERRAL = 2
DECIDED = datetime(2026, 1, 31, 10, 0, tzinfo=PARIS)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def interest(balance: Decimal) -> Decimal:
    """balance × annual rate / 12, multiplied before dividing, rounded half-up once."""
    return cents(balance * RATE / 12)


def due(anchor: date, k: int) -> date:
    """k months after the anchor; a day the month lacks becomes its last day."""
    year, month = divmod(anchor.month - 1 + k, 12)
    year, month = anchor.year + year, month + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def hand_schedule() -> list[tuple[int, date, Decimal, Decimal, Decimal, Decimal]]:
    """(number, due date, payment, interest, principal, balance after) of every row."""
    anchor = DECIDED.date()
    rows = []
    balance = PRINCIPAL
    for k in range(1, DEFERRAL + 1):  # interest-only deferral: each month pays its interest
        i = interest(balance)
        rows.append((k, due(anchor, k), i, i, Decimal("0.00"), balance))
    with localcontext() as context:
        context.prec = 40
        i_m = RATE / 12
        installment = cents(PRINCIPAL * i_m / (1 - (1 + i_m) ** -MONTHS))
    for j in range(1, MONTHS + 1):
        i = interest(balance)
        principal = balance if j == MONTHS else installment - i  # the last takes the rest
        balance -= principal
        k = DEFERRAL + j
        rows.append((k, due(anchor, k), i + principal, i, principal, balance))
    return rows


def taeg_percent(payments: list[Decimal]) -> Decimal:
    """X solving PRINCIPAL = Σ payment_k·(1+X)^(−k/12), by bisection, in % with 2 decimals."""
    with localcontext() as context:
        context.prec = 40

        def gap(x: Decimal) -> Decimal:
            return (
                sum(p * (1 + x) ** (Decimal(-k) / 12) for k, p in enumerate(payments, 1))
                - PRINCIPAL
            )

        low, high = Decimal(0), Decimal(1)
        for _ in range(100):
            middle = (low + high) / 2
            low, high = (middle, high) if gap(middle) > 0 else (low, middle)
        return cents(low * 100)


def eur(value: Decimal) -> str:
    """French money: 1 000,00 € (the letter's thin spaces are folded by `normalised`)."""
    return f"{value:,.2f} €".replace(",", " ").replace(".", ",")


def test_the_hand_schedule_follows_the_conventions() -> None:
    rows = hand_schedule()
    # Worked by hand: 1000 × 0.0175 / 12 = 1.458333… → 1.46 for each deferral month;
    # A = 1000·i / (1 − (1+i)^−12) = 84.1279… → 84.13.
    assert rows[0][2:4] == rows[1][2:4] == (Decimal("1.46"), Decimal("1.46"))
    assert rows[2][2] == Decimal("84.13")
    assert sum(r[4] for r in rows) == PRINCIPAL and rows[-1][5] == 0
    assert [r[1] for r in rows[:5]] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
    ]


def test_the_bisection_gives_the_published_taeg_without_fees() -> None:
    """Exact (unrounded) payments at the monthly rate: the annex formula's answer is
    (1 + 0.0175/12)^12 − 1 = 1.7630… % → 1.76 % (docs LOAN_CONVENTIONS.md), deferral or not."""
    with localcontext() as context:
        context.prec = 40
        i_m = RATE / 12
        exact = PRINCIPAL * i_m / (1 - (1 + i_m) ** -MONTHS)
        deferral = PRINCIPAL * i_m
    assert taeg_percent([exact] * MONTHS) == Decimal("1.76")
    assert taeg_percent([deferral] * DEFERRAL + [exact] * MONTHS) == Decimal("1.76")


def test_acceptance_letter_with_an_interest_only_deferral_shows_the_hand_figures(
    adviser, referent, django_capture_on_commit_callbacks
) -> None:
    with (
        time_machine.travel(DECIDED, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        dossier = make_transmitted_dossier(created_by=referent, referent=referent)
        bank_accept(
            actor=adviser,
            membership=membership_of(adviser),
            dossier_id=dossier.pk,
            amount=PRINCIPAL,
            months=MONTHS,
            deferral_months=DEFERRAL,
            deferral_kind="interest_only",
            today=DECIDED.date(),
        )
    letter = Letter.objects.get(dossier=dossier)
    text = letter_text(letter)
    rows = hand_schedule()
    total_interest = sum((r[3] for r in rows), Decimal("0.00"))
    taeg = taeg_percent([r[2] for r in rows])
    # The figures worked out above, for the record: 2 × 1.46 + 9.51 of interest; the cent
    # rounding of the deferral interest (1.4583 → 1.46) lifts the TAEG to 1.7654 % → 1.77 %,
    # above the 1.76 % of the same rate without deferral.
    assert (rows[2][2], rows[-1][2], total_interest, taeg) == (
        Decimal("84.13"),
        Decimal("84.08"),
        Decimal("12.43"),
        Decimal("1.77"),
    )
    assert "Montant prêté 1 000,00 €" in text
    assert "Durée de remboursement 12 mois" in text
    assert "Différé 2 mois pendant lesquels vous ne payez que les intérêts" in text
    assert "Mensualité 84,13 €" in text
    assert f"(TAEG) {taeg:.2f} %".replace(".", ",") in text
    assert f"Total des intérêts {eur(total_interest)}" in text
    assert f"Montant total à rembourser {eur(PRINCIPAL + total_interest)}" in text
    for number, on, payment, part_interest, principal, balance in rows:
        line = (
            f"{number} {on:%d/%m/%Y} {eur(payment)} {eur(part_interest)} {eur(principal)} "
            f"{eur(balance)}"
        )
        assert line in text, line
    assert "31/03/2027" in text and "01/04/2027" not in text  # 14 rows, the last on 31 March
