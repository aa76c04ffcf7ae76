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
from typing import Any

from microcredit.accounts.models import User
from microcredit.loans.models import Loan
from microcredit.reporting.rules import Bilan, FunnelStage, Period, Profiles, RightRow, Row
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


def hand_bilan(**changes: Any) -> Bilan:
    """A bilan built by hand: categories of 1 and 2 among the purposes, the households, the
    reorientations and the rights (the published report groups them)."""
    values: dict[str, Any] = {
        "period": Period(date(2026, 1, 1), date(2026, 12, 31)),
        "organisation_ids": (1,),
        "programme_id": None,
        "contacts": 4,
        "received": 9,
        "people_received": 8,
        "funnel": (
            FunnelStage("received", "reçus", 9, None, None, 0),
            FunnelStage("disbursed", "décaissés", 6, Decimal("66.67"), Decimal("21"), 6),
        ),
        "reorientations": (Row("fsl", "Fonds de solidarité logement", 1),),
        "caseload": (Row("7", "Alice Martin", 4),),
        "disbursed_count": 6,
        "disbursed_amount": Decimal("4100.00"),
        "purposes": (
            Row("mobilite", "Mobilité", 3, Decimal("2400.00")),
            Row("sante", "Santé", 2, Decimal("1200.00")),
            Row("logement", "Logement", 1, Decimal("500.00")),
            Row("emploi", "Emploi et formation", 0, Decimal("0.00")),
        ),
        "amount_bands": (Row("lt500", "moins de 500 €", 6),),
        "duration_bands": (Row("le12", "12 mois ou moins", 6),),
        "profiles": Profiles(
            household_types=(Row("single", "personne seule", 5), Row("couple", "couple", 1)),
            activities=(Row("job_seeker", "demandeur d'emploi", 6),),
            age_bands=(Row("25_34", "de 25 à 34 ans", 6),),
            income_sources=(),
        ),
        "portfolio_as_of": None,
        "outstanding_principal": None,
        "par30_percent": None,
        "plans": (),
        "completions": (),
        "guarantee_calls": 0,
        "guarantee_calls_amount": Decimal("0.00"),
        "loss_rate_count_percent": Decimal("0.00"),
        "loss_rate_amount_percent": Decimal("0.00"),
        "national_reference_percent": Decimal("7.02"),
        "national_reference_source": "CDC",
        "national_reference_basis": "count",
        "bonifications_count": 0,
        "bonifications_amount": Decimal("0.00"),
        "rights": (
            RightRow("ppa", "prime d'activité", 4, 2, 1, 1, 0),
            RightRow("asf", "allocation de soutien familial (ASF)", 1, 1, 0, 0, 0),
        ),
    }
    values.update(changes)
    return Bilan(**values)
