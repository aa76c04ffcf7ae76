"""A small loan taken to its end for the closing tests, its figures derived by hand.

600 € over 3 months at the scheme's 1.75 %, disbursed on 10 March 2026 (due on the 10th):
- i = 0.0175 / 12 = 0.001458333…; (1 + i)^−3 = 0.995637729…; 1 − (1 + i)^−3 = 0.004362271…;
  A = 600 × i / 0.004362271 = 0.875 / 0.004362271 = 200.5836… → 200.58 (half-up).
- 10 April: interest 600 × 1.75 % / 12 = 0.875 → 0.88; principal 200.58 − 0.88 = 199.70;
  balance 400.30.
- 10 May: interest 400.30 × 1.75 % / 12 = 0.58377… → 0.58; principal 200.00; balance 200.30.
- 10 June (last): interest 200.30 × 1.75 % / 12 = 0.29210… → 0.29; principal 200.30 (what
  remains); payment 200.30 + 0.29 = 200.59.
- A total early repayment on 20 May (after the first two installments): 200.30 of principal plus
  the interest accrued over 10 of the period's 31 days (10 May → 10 June):
  200.30 × 1.75 % / 12 × 10 / 31 = 0.09422… → 0.09; payoff 200.39.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from microcredit.accounts.models import User
from microcredit.dossiers.services import dossier_transition
from microcredit.loans.models import Loan
from microcredit.loans.services import repayment_record_for_loan
from tests.factories import make_loan, membership_of, pdf_bytes

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
DISBURSED = date(2026, 3, 10)
DUE = (date(2026, 4, 10), date(2026, 5, 10), date(2026, 6, 10))
INSTALLMENT = D("200.58")  # A, derived above
LAST_INSTALLMENT = D("200.59")  # 200.30 + 0.29
EARLY_DAY = date(2026, 5, 20)
PAYOFF = D("200.39")  # 200.30 + 0.09
AFTER = date(2026, 6, 15)  # the day of the tests: the schedule is over

# Paid as due: 200.58, 200.58, then 200.59.
ON_TIME = (
    (DUE[0], INSTALLMENT, False),
    (DUE[1], INSTALLMENT, False),
    (DUE[2], LAST_INSTALLMENT, False),
)
# Two installments, then the payoff on 20 May (a total early repayment).
PAID_OFF_EARLY = (
    (DUE[0], INSTALLMENT, False),
    (DUE[1], INSTALLMENT, False),
    (EARLY_DAY, PAYOFF, True),
)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def repaid_loan(
    referent: User,
    adviser: User,
    payments: tuple[tuple[date, Decimal, bool], ...] = ON_TIME,
    *,
    record_repaid: bool = True,
) -> Loan:
    """The 600 € loan, its `payments` recorded by the bank on their day, then (by default)
    « constater le remboursement complet » by the adviser on the day of the tests."""
    with on(DISBURSED):
        loan = make_loan(
            created_by=referent,
            adviser=adviser,
            referent=referent,
            requested_amount=D("600.00"),
            requested_months=3,
        )
    for n, (day, amount, early) in enumerate(payments, start=1):
        with on(day):
            repayment_record_for_loan(
                actor=adviser,
                membership=membership_of(adviser),
                loan_id=loan.pk,
                reference=f"VIR-{loan.pk}-{n}",
                date=day,
                amount=amount,
                early_repayment=early,
                today=day,
            )
    if record_repaid:
        with on(AFTER):
            dossier_transition(
                actor=adviser,
                membership=membership_of(adviser),
                dossier_id=loan.dossier_id,
                transition="record_repaid",
            )
    loan.refresh_from_db()
    return loan


def invoice(tag: str = "facture", name: str = "facture.pdf") -> SimpleUploadedFile:
    """A real (tiny) PDF invoice; `tag` makes its content distinct."""
    return SimpleUploadedFile(name, pdf_bytes(tag), "application/pdf")


def not_a_pdf(name: str = "facture.pdf") -> SimpleUploadedFile:
    """A text file named like a PDF: the documents rules refuse it by its first bytes."""
    return SimpleUploadedFile(name, b"Ceci n'est pas une facture.\n", "application/pdf")
