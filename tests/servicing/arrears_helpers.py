"""Loans for the tests of the nightly arrears job, built at fixed dates.

The reference loan: 1,200.00 EUR over 24 months at the scheme's 1.75 %, disbursed on 15 January
2026 (a Thursday), no deferral. By LOAN_CONVENTIONS:
- due dates: the 15th of each month from 15 February 2026 (row k, k months after the anchor);
- i = 0.0175 / 12; A = 1200 · i / (1 − (1 + i)^−24) = 50.9165… → 50.92 (half-up);
- row 1: interest 1200 × 1.75 % / 12 = 1.75, principal 50.92 − 1.75 = 49.17, balance 1150.83;
- row 2: interest 1150.83 × 1.75 % / 12 = 1.6783… → 1.68, principal 49.24, balance 1101.59;
- row 3: interest 1101.59 × 1.75 % / 12 = 1.6065… → 1.61, principal 49.31, balance 1052.28.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from microcredit.accounts.models import User
from microcredit.banking.models import Disbursement
from microcredit.dossiers.enums import DossierState
from microcredit.loans.enums import RecordedVia
from microcredit.loans.models import Loan
from microcredit.loans.services import RepaymentLine, repayments_record_batch
from microcredit.loans.services.schedules import loan_create
from tests.factories import make_dossier, make_loan, membership_of

PARIS = ZoneInfo("Europe/Paris")
DISBURSED = date(2026, 1, 15)
INSTALLMENT = Decimal("50.92")
FEB, MAR, APR, MAY = date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15), date(2026, 5, 15)
# Outstanding principal after rows 1, 2 and 3 are paid (module docstring).
BALANCE_1, BALANCE_2, BALANCE_3 = Decimal("1150.83"), Decimal("1101.59"), Decimal("1052.28")


@contextmanager
def on(day: date, hour: int = 9) -> Iterator[time_machine.Coordinates]:
    """The clock at `hour` o'clock, Paris time, on `day` (not ticking)."""
    with time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    ) as traveller:
        yield traveller


def reference_loan(*, referent: User, adviser: User) -> Loan:
    """The reference loan, through the bank's services (cheque recorded by `adviser`), followed
    by `referent`."""
    with on(DISBURSED):
        loan: Loan = make_loan(created_by=referent, adviser=adviser, referent=referent)
    assert loan.disbursement_date == DISBURSED and loan.installment == INSTALLMENT
    return loan


def pay(
    loan: Loan,
    adviser: User,
    *days: date,
    amount: Decimal = INSTALLMENT,
    recorded_on: date | None = None,
) -> None:
    """The bank records one installment paid on each of `days`, on the last of them or on
    `recorded_on` (a payment that reaches the bank's file late)."""
    lines = [
        RepaymentLine(
            reference=f"R-{loan.pk}-{day.isoformat()}",
            dossier_number=loan.dossier.number,
            date=day,
            amount=amount,
        )
        for day in days
    ]
    today = recorded_on or max(days)
    with on(today):
        repayments_record_batch(
            actor=adviser,
            membership=membership_of(adviser),
            lines=lines,
            today=today,
            via=RecordedVia.API,
        )


def quick_loan(*, referent: User, adviser: User) -> Loan:
    """A loan like the reference one, written without the bank's pages (for volume): a
    disbursed dossier, its loan and schedule (loans' own service), the cheque."""
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.DISBURSED, eligible=True
    )
    loan = loan_create(
        actor=adviser,
        dossier=dossier,
        bank_id=dossier.bank_id or dossier.programme.bank_partner_id,
        principal=Decimal("1200.00"),
        nominal_rate_percent=Decimal("1.750"),
        months=24,
        deferral_months=0,
        deferral_kind="none",
        disbursement_date=DISBURSED,
    )
    Disbursement.objects.create(
        dossier=dossier,
        bank_id=loan.bank_id,
        cheque_number=f"Q{dossier.pk:07d}",
        date=DISBURSED,
        amount=loan.principal,
        payee_name=dossier.payee_name,
        recorded_by=adviser,
    )
    return loan
