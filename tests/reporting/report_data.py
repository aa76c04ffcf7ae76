"""A small bilan for the annual report's and the statistics export's tests, its figures derived
by hand.

In 2026, three loans of the Saint-Étienne scheme are disbursed through the bank's services:
- 1,200 € over 12 months on 15 January, three installments paid, then the guarantee called on
  3 July (déchéance du terme on 1 July): tests/servicing/claim_helpers derives its outstanding
  principal at the call by hand, 901.97 €;
- 300 € over 6 months on 10 March, and 300 € over 6 months on 14 April.
So: 3 loans, 1,800.00 € lent (600.00 € on average), 1 guarantee call; the loss rate on the
count basis is 1 / 3 = 33.333… → 33.33 %, on the amount basis 901.97 / 1,800 = 50.109… →
50.11 %; the scheme's national reference is 7.02 % on the count basis (CDC, Q2 2014). Every
dossier's purpose is « Mobilité »; the three borrowers are alone, job seekers, 37 years old.

`extra` adds that many 300 € loans (the query-count tests: the same queries for more data).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from microcredit.accounts.models import User
from microcredit.loans.models import Loan
from tests.factories import make_loan
from tests.servicing.claim_helpers import OUTSTANDING, defaulted_loan, on, record

LOANS = 3
LENT = Decimal("1800.00")
CLAIMED_PRINCIPAL = OUTSTANDING  # 901.97
SMALL_LOAN_DAYS = (date(2026, 3, 10), date(2026, 4, 14))


def small_loan(referent: User, adviser: User, day: date) -> Loan:
    with on(day):
        loan: Loan = make_loan(
            created_by=referent,
            adviser=adviser,
            referent=referent,
            requested_amount=Decimal("300.00"),
            requested_months=6,
        )
    return loan


def loans_of_2026(referent: User, adviser: User, extra: int = 0) -> list[Loan]:
    defaulted = defaulted_loan(referent, adviser)
    record(adviser, defaulted)
    days = [*SMALL_LOAN_DAYS, *(date(2026, 5, 4 + n) for n in range(extra))]
    return [defaulted, *(small_loan(referent, adviser, day) for day in days)]
