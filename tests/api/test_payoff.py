"""GET /api/v1/dossiers/{number}/payoff?on=YYYY-MM-DD: the payoff of a date as 2-decimal strings
(404 for another bank's or an unknown dossier, or one without a loan; 422 in French for a bad
date); and the money guard of POST /api/v1/repayments (99,999,999.99 € on a 1 200 € loan).

The loan: 1 200 € over 24 months at 1.75 %, disbursed on 10/03/2027 (tests/loans/test_payoff.py
derives the figures: installment 50.92; the first one, due 10/04, is 1.75 interest and 49.17
principal, balance 1 150.83; on 20/04, 10 of 30 days accrued: 1 150.83 × 1.75 % / 12 × 10 / 30
= 0.5594… → 0.56).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from microcredit.core.models import AccessLog
from microcredit.loans.models import Loan, Repayment, ScheduleVersion
from tests.api.helpers import assert_error
from tests.factories import make_granted_dossier, make_loan

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DISBURSED = date(2027, 3, 10)
TODAY = date(2027, 4, 20)


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


@pytest.fixture
def loan(referent, adviser) -> Loan:  # type: ignore[no-untyped-def]
    with on(DISBURSED):
        return make_loan(created_by=referent, adviser=adviser)  # type: ignore[no-any-return]


def url(loan: Loan) -> str:
    return f"/api/v1/dossiers/{loan.dossier.number}/payoff"


def test_the_payoff_of_a_date(api, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    with on(TODAY):
        response = api.get(url(loan), on="2027-04-20")
    assert response.status_code == 200, response.content
    # Nothing paid: the 10/04 installment is overdue; 1 150.83 + 0.56 + 50.92 = 1 202.31.
    assert response.json() == {
        "number": loan.dossier.number,
        "on": "2027-04-20",
        "principal": "1150.83",
        "accrued_interest": "0.56",
        "overdue": "50.92",
        "credit": "0.00",
        "total": "1202.31",
    }
    log = AccessLog.objects.get(action="api_dossier_payoff")
    assert log.object_id == str(loan.dossier.pk)


def test_without_a_date_it_is_today_and_paying_it_closes_the_schedule(api, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    with on(TODAY):
        body = api.get(url(loan)).json()
        assert (body["on"], body["total"]) == ("2027-04-20", "1202.31")
        line = {
            "reference": "SOLDE",
            "dossier_number": loan.dossier.number,
            "date": body["on"],
            "amount": body["total"],
            "early_repayment": True,
        }
        response = api.post("/api/v1/repayments", {"repayments": [line]})
        assert response.status_code == 200, response.content
        after = api.get(url(loan)).json()
    assert after["total"] == "0.00"
    version = ScheduleVersion.objects.filter(loan=loan).order_by("-number").first()
    assert version is not None and version.reason == "Remboursement anticipé total du 20/04/2027"


@pytest.mark.parametrize(
    ("day", "code", "message"),
    [
        ("2027-02-30", "invalid_input", "Une date au format AAAA-MM-JJ est attendue."),
        ("20/04/2027", "invalid_input", "Une date au format AAAA-MM-JJ est attendue."),
        (
            "2027-03-09",
            "date_before_disbursement",
            "La date doit être celle du décaissement du prêt (10/03/2027) ou une date postérieure.",
        ),
    ],
)
def test_a_bad_date_is_422_in_french(api, loan: Loan, day: str, code: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with on(TODAY):
        body = assert_error(api.get(url(loan), on=day), 422, code)
    assert body["errors"] == {"on": [message]}
    assert not AccessLog.objects.filter(action="api_dossier_payoff").exists()


def test_another_banks_an_unknown_dossier_or_one_without_loan_is_404(
    api, api_b, loan: Loan, referent, adviser
) -> None:  # type: ignore[no-untyped-def]
    granted = make_granted_dossier(created_by=referent, adviser=adviser)
    with on(TODAY):
        assert_error(api_b.get(url(loan), on="2027-04-20"), 404, "not_found")
        assert_error(api.get("/api/v1/dossiers/MC-2099-99999/payoff"), 404, "not_found")
        assert_error(api.get(f"/api/v1/dossiers/{granted.number}/payoff"), 404, "not_found")


def test_a_repayment_of_99_999_999_99_is_refused_and_nothing_is_recorded(api, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {"reference": "VIR-1", "dossier_number": loan.dossier.number, "date": "2027-04-10",
         "amount": "50.92"},
        {"reference": "VIR-2", "dossier_number": loan.dossier.number, "date": "2027-04-20",
         "amount": "99999999.99"},
    ]  # fmt: skip
    with on(TODAY):
        body = assert_error(api.post("/api/v1/repayments", {"repayments": lines}), 422)
    assert body["code"] == "amount_exceeds_due"
    # After the first installment, 1 150.83 + 0.56 are due on 20/04; with 10 € of tolerance,
    # 1 161.39 at most.
    [message] = body["errors"]["repayments.1"]
    assert message.startswith("Ligne 2 (référence « VIR-2 ») : le montant dépasse ce qui est dû")
    assert "au plus 1\u202f161,39\xa0€" in message
    assert not Repayment.objects.exists()
