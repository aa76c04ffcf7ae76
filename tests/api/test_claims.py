"""The guarantee claim through the bank's API: call, payment and read, amounts as strings with
two decimals (figures derived by hand in tests/servicing/claim_helpers.py), idempotent retries,
refusals in French that change nothing, another bank's dossier invisible."""

from __future__ import annotations

from typing import Any

import pytest

from microcredit.core.models import AccessLog
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from microcredit.servicing.models import GuaranteeClaim
from tests.api.helpers import assert_error
from tests.factories import make_granted_dossier
from tests.servicing.claim_helpers import (
    ACCELERATION,
    CLAIM_DAY,
    FIRST_UNPAID,
    REASON,
    defaulted_loan,
    on,
    snapshot,
)

pytestmark = pytest.mark.django_db
CLAIM = {
    "acceleration_date": ACCELERATION.isoformat(),
    "first_unpaid_date": FIRST_UNPAID.isoformat(),
    "reason": REASON,
    "reference": "GAR-API-1",
}
PAID_DAY = CLAIM_DAY.replace(month=9)


@pytest.fixture
def defaulted(referent, adviser) -> Loan:  # type: ignore[no-untyped-def]
    return defaulted_loan(referent, adviser)


def _url(loan: Loan, tail: str = "") -> str:
    return f"/api/v1/dossiers/{loan.dossier.number}/guarantee-claim{tail}"


def _post(api, loan: Loan, data: dict[str, Any], tail: str = "", day=CLAIM_DAY) -> Any:  # type: ignore[no-untyped-def]
    with on(day):
        return api.post(_url(loan, tail), data)


def test_the_bank_calls_the_guarantee_and_reads_the_ledger(api, defaulted: Loan) -> None:  # type: ignore[no-untyped-def]
    response = _post(api, defaulted, CLAIM)
    assert response.status_code == 200, response.content
    body = response.json()
    # 901.97 outstanding on 1 July; × 50 % = 450.985 → 450.99; the bank bears 450.98.
    assert {k: body[k] for k in ("outstanding_principal", "accrued_interest", "amount")} == {
        "outstanding_principal": "901.97",
        "accrued_interest": "3.04",
        "amount": "450.99",
    }
    assert (body["state"], body["rate_percent"], body["includes_interest"]) == (
        "sent",
        "50.00",
        False,
    )
    assert (body["acceleration_date"], body["first_unpaid_date"], body["reference"]) == (
        "2026-07-01",
        "2026-05-15",
        "GAR-API-1",
    )
    assert body["paid_amount"] is None and body["paid_on"] is None
    assert body["ledger"] == {
        "exposure": "901.97",
        "guarantor_share": "450.99",
        "guarantor_paid": False,
        "bank_share": "450.98",
    }
    assert Dossier.objects.get(pk=defaulted.dossier_id).state == DossierState.GUARANTEE_CALLED
    with on(CLAIM_DAY):
        read = api.get(_url(defaulted))
    assert read.status_code == 200 and read.json() == body
    assert list(AccessLog.objects.values_list("action", flat=True)) == [
        "api_dossier_guarantee_claim",
        "api_dossier_guarantee_claim",
    ]


def test_the_guarantors_payment(api, defaulted: Loan) -> None:  # type: ignore[no-untyped-def]
    _post(api, defaulted, CLAIM)
    payment = {"paid_amount": "400.00", "paid_on": PAID_DAY.isoformat()}
    response = _post(api, defaulted, payment, "/payment", PAID_DAY)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["paid_amount"], body["paid_on"]) == (
        "paid",
        "400.00",
        "2026-09-03",
    )
    # The guarantor paid 400.00 of the 450.99 called: the bank bears 901.97 − 400.00.
    assert body["ledger"]["guarantor_share"] == "400.00"
    assert body["ledger"]["bank_share"] == "501.97"
    assert body["ledger"]["guarantor_paid"] is True
    again = _post(api, defaulted, payment, "/payment", PAID_DAY)
    assert again.status_code == 200 and again.json() == body
    other = _post(api, defaulted, {**payment, "paid_amount": "450.99"}, "/payment", PAID_DAY)
    assert assert_error(other, 409, "claim_conflict")["message"] == (
        "Le paiement du garant est déjà enregistré : 400,00\u00a0€ le 03/09/2026."
    )


def test_a_retry_answers_the_same_claim_other_data_are_a_conflict(  # type: ignore[no-untyped-def]
    api, defaulted: Loan
) -> None:
    first = _post(api, defaulted, CLAIM).json()
    before = snapshot(defaulted)
    again = _post(api, defaulted, CLAIM)
    assert again.status_code == 200 and again.json() == first
    conflict = _post(api, defaulted, {**CLAIM, "first_unpaid_date": "2026-06-15"})
    body = assert_error(conflict, 409, "claim_conflict")
    assert body["message"].startswith("La garantie de ce prêt est déjà appelée")
    assert snapshot(defaulted) == before
    assert GuaranteeClaim.objects.count() == 1


def test_refusals_name_the_field_in_french_and_change_nothing(api, defaulted: Loan) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(defaulted)
    paid = _post(api, defaulted, {**CLAIM, "first_unpaid_date": "2026-04-15"})
    body = assert_error(paid, 422)
    assert body["errors"]["first_unpaid_date"] == [
        "L'échéance du 15/04/2026 est payée d'après les remboursements enregistrés : la "
        "première échéance impayée est celle du 15/05/2026."
    ]
    future = _post(api, defaulted, {**CLAIM, "acceleration_date": "2026-07-04"})
    assert "dans le futur" in assert_error(future, 422)["errors"]["acceleration_date"][0]
    empty = _post(api, defaulted, {**CLAIM, "reason": ""})
    assert assert_error(empty, 422, "invalid_input")["errors"]["reason"]
    not_called = _post(api, defaulted, {"paid_amount": "1.00", "paid_on": "2026-07-03"}, "/payment")
    assert_error(not_called, 409, "no_claim")
    with on(CLAIM_DAY):
        assert_error(api.get(_url(defaulted)), 409, "no_claim")
    assert snapshot(defaulted) == before


def test_the_payment_is_bounded_by_the_amount_called(api, defaulted: Loan) -> None:  # type: ignore[no-untyped-def]
    _post(api, defaulted, CLAIM)
    before = snapshot(defaulted)
    response = _post(
        api, defaulted, {"paid_amount": "451.00", "paid_on": "2026-09-03"}, "/payment", PAID_DAY
    )
    body = assert_error(response, 422)
    assert "ne paie pas plus que le montant appelé (450,99" in body["errors"]["paid_amount"][0]
    assert snapshot(defaulted) == before


def test_another_banks_dossier_is_not_found_and_no_loan_is_a_conflict(  # type: ignore[no-untyped-def]
    api, api_b, referent, adviser, defaulted: Loan
) -> None:
    before = snapshot(defaulted)
    assert_error(_post(api_b, defaulted, CLAIM), 404, "not_found")
    with on(CLAIM_DAY):
        assert_error(api_b.get(_url(defaulted)), 404, "not_found")
    assert snapshot(defaulted) == before
    granted = make_granted_dossier(created_by=referent, adviser=adviser)
    with on(CLAIM_DAY):
        response = api.post(f"/api/v1/dossiers/{granted.number}/guarantee-claim", CLAIM)
        assert_error(response, 409, "no_loan")
        assert_error(api.get(f"/api/v1/dossiers/{granted.number}/guarantee-claim"), 409, "no_loan")
