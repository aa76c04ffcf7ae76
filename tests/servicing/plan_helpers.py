"""A loan one installment late, for the plan de reprise tests, and its figures by hand.

1,200 € at 1.75 % over 12 months, the cheque on 15/01/2026: due dates on the 15th, from
15/02/2026 to 15/01/2027 (LOAN_CONVENTIONS, "Schedule").

    i = 0.0175 / 12; A = 1200 · i / (1 − (1 + i)^−12) = 100.9504… → 100.95
    row 1 (15/02): interest 1200.00 × 0.0175 / 12 = 1.75;  principal 99.20; balance 1100.80
    row 2 (15/03): interest 1100.80 × 0.0175 / 12 = 1.6053… → 1.61; principal 99.34;
                   balance 1001.46
    row 3 (15/04): interest 1001.46 × 0.0175 / 12 = 1.4604… → 1.46; principal 99.49;
                   balance 901.97
    row 4 (15/05): 1.32 + 99.63 → 802.34;  row 5 (15/06): 1.17 + 99.78 → 702.56
    … row 12 (15/01/2027) takes what remains: 100.81 + 0.15 = 100.96.
    Total interest 1.75 + 1.61 + 1.46 + 1.32 + 1.17 + 1.02 + 0.88 + 0.73 + 0.59 + 0.44 + 0.29
    + 0.15 = 11.41; total due 11 × 100.95 + 100.96 = 1211.41.

Row 1 is paid on its due date; row 2 (15/03) is not: on 20/03/2026 the loan is 5 days late
with 100.95 € unpaid (1.61 of interest, 99.34 of principal).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from microcredit.accounts.models import User
from microcredit.loans.models import Loan
from microcredit.loans.services import repayment_record_for_loan
from tests.factories import make_loan, membership_of

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
DISBURSED = date(2026, 1, 15)
FIRST_DUE = date(2026, 2, 15)
MISSED = date(2026, 3, 15)
PROPOSED = date(2026, 3, 20)  # 5 days late
A = D("100.95")  # the installment, by hand above
UNPAID = A  # row 2: 1.61 + 99.34


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def pay(adviser: User, loan: Loan, day: date, amount: Decimal, reference: str) -> None:
    with on(day):
        repayment_record_for_loan(
            actor=adviser,
            membership=membership_of(adviser),
            loan_id=loan.pk,
            reference=reference,
            date=day,
            amount=amount,
            today=day,
        )


def late_loan(referent: User, adviser: User) -> Loan:
    """The loan above: row 1 paid on 15/02/2026, row 2 (15/03/2026) missed."""
    with on(DISBURSED):
        loan = make_loan(created_by=referent, adviser=adviser, amount=D("1200.00"), months=12)
    pay(adviser, loan, FIRST_DUE, A, "VIR-0001")
    return loan  # type: ignore[no-any-return]
