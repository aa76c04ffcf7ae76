"""A loan in default for the guarantee claim tests, its figures derived by hand.

1,200 € over 12 months at the scheme's 1.75 %, disbursed on 15 January 2026 (due on the 15th):
- i = 0.0175 / 12 = 0.00145833…; (1 + i)^−12 = 0.98266476…; 1 − (1 + i)^−12 = 0.01733524…;
  A = 1200 × i / 0.01733524 = 1.75 / 0.01733524 = 100.9504… → 100.95 (half-up).
- 15 Feb: interest 1200 × 1.75 % / 12 = 1.75; principal 100.95 − 1.75 = 99.20; balance 1100.80.
- 15 Mar: interest 1100.80 × 1.75 % / 12 = 1.6053… → 1.61; principal 99.34; balance 1001.46.
- 15 Apr: interest 1001.46 × 1.75 % / 12 = 1.4604… → 1.46; principal 99.49; balance 901.97.
- 15 May: interest 901.97 × 1.75 % / 12 = 1.3154… → 1.32; principal 99.63; balance 802.34.
- 15 Jun: interest 802.34 × 1.75 % / 12 = 1.1700… → 1.17; principal 99.78; balance 702.56.
The first three installments are paid on their day, then nothing: the installment of 15 May is
the first unpaid one. The déchéance du terme is on 1 July 2026:
- outstanding principal: 901.97 (the balance after the third row: 702.56 + 99.78 + 99.63);
- interest: 1.32 + 1.17 unpaid, plus 16 days accrued of the 30-day period 15 Jun → 15 Jul:
  702.56 × 1.75 % / 12 × 16 / 30 = 0.54643… → 0.55; in all 1.32 + 1.17 + 0.55 = 3.04;
- claim at the scheme's 50 %, principal only: 901.97 × 0.5 = 450.985 → 450.99 (half-up);
  the bank bears the rest, 901.97 − 450.99 = 450.98;
- with the interest: (901.97 + 3.04) × 0.5 = 905.01 × 0.5 = 452.505 → 452.51.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from microcredit.accounts.models import User
from microcredit.core.models import AuditEvent
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Loan
from microcredit.loans.services import repayment_record_for_loan
from microcredit.servicing.models import GuaranteeClaim
from microcredit.servicing.services.claims import guarantee_claim_paid, guarantee_claim_record
from tests.factories import make_loan, membership_of

PARIS = ZoneInfo("Europe/Paris")
D = Decimal
DISBURSED = date(2026, 1, 15)
DUE = tuple(date(2026, month, 15) for month in range(2, 13))  # rows 1 to 11 (Feb to Dec)
INSTALLMENT = D("100.95")
ACCELERATION = date(2026, 7, 1)
FIRST_UNPAID = date(2026, 5, 15)
CLAIM_DAY = date(2026, 7, 3)  # the day the bank records the claim
OUTSTANDING = D("901.97")
INTEREST = D("3.04")
CLAIMED = D("450.99")
CLAIMED_WITH_INTEREST = D("452.51")
REASON = "Trois échéances impayées malgré les relances : déchéance du terme prononcée."


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def defaulted_loan(referent: User, adviser: User, paid: int = 3) -> Loan:
    """The 1,200 € loan, its first `paid` installments paid by the bank on their day."""
    with on(DISBURSED):
        loan = make_loan(
            created_by=referent,
            adviser=adviser,
            referent=referent,
            requested_amount=D("1200.00"),
            requested_months=12,
        )
    for n, day in enumerate(DUE[:paid], start=1):
        pay(adviser, loan, day, INSTALLMENT, f"VIR-{loan.pk}-{n}")
    loan.refresh_from_db()
    return loan


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


def record(user: User, loan: Loan, **overrides: Any) -> GuaranteeClaim:
    """guarantee_claim_record by `user` on CLAIM_DAY, with the data above unless overridden."""
    values: dict[str, Any] = {
        "acceleration_date": ACCELERATION,
        "first_unpaid_date": FIRST_UNPAID,
        "reason": REASON,
        "reference": "GAR-2026-001",
        "today": CLAIM_DAY,
    }
    values.update(overrides)
    with on(values["today"]):
        return guarantee_claim_record(
            actor=user, membership=membership_of(user), loan_id=loan.pk, **values
        )


def record_payment(
    user: User, loan: Loan, amount: Decimal, paid_on: date, today: date | None = None
) -> GuaranteeClaim:
    with on(today or paid_on):
        return guarantee_claim_paid(
            actor=user,
            membership=membership_of(user),
            loan_id=loan.pk,
            paid_amount=amount,
            paid_on=paid_on,
            today=today or paid_on,
        )


def snapshot(loan: Loan) -> tuple[Any, ...]:
    """What a refusal must leave as it was: the claims, the dossier, the loan, the history."""
    dossier = Dossier.objects.get(pk=loan.dossier_id)
    return (
        list(GuaranteeClaim.objects.values()),
        dossier.state,
        dossier.state_changed_at,
        Loan.objects.get(pk=loan.pk).state,
        DossierEvent.objects.filter(dossier=dossier).count(),
        AuditEvent.objects.count(),
    )
