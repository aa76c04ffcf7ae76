"""The guarantee claim through the pages: the bank adviser calls the guarantee from the loan's
follow-up page, then records the guarantor's payment; a refusal comes back in French with nothing
recorded; the CCAS staff read the claim and the loss ledger; who reaches the claim page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.models import AccessLog
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from microcredit.servicing.models import GuaranteeClaim
from tests.factories import make_second_bank
from tests.servicing.claim_helpers import (
    ACCELERATION,
    CLAIM_DAY,
    FIRST_UNPAID,
    REASON,
    defaulted_loan,
    on,
    record,
    snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    return defaulted_loan(referent, adviser)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, loan: Loan) -> str:
    return reverse(f"servicing:{name}", args=[loan.pk])


def _claim_form(**overrides: str) -> dict[str, str]:
    data = {
        "claim-acceleration_date": ACCELERATION.isoformat(),
        "claim-first_unpaid_date": FIRST_UNPAID.isoformat(),
        "claim-reason": REASON,
        "claim-reference": "GAR-PORTAIL-1",
    }
    data.update(overrides)
    return data


def test_the_adviser_calls_the_guarantee_then_records_the_payment(
    adviser: User, loan: Loan
) -> None:
    client = _client(adviser)
    with on(CLAIM_DAY):
        followup = client.get(_url("loan", loan)).content.decode()
        assert "La garantie n'a pas été appelée." in followup
        assert _url("claim", loan) in followup
        page = client.get(_url("claim", loan))
        assert page.status_code == 200
        text = page.content.decode()
        # Today (3 July): 15 May unpaid first; 901.97 outstanding, as on 1 July (no due date
        # between); 450.99 called for a déchéance du terme today.
        assert "15/05/2026" in text
        assert "901,97" in text and "450,99" in text
        assert AccessLog.objects.filter(action="loan_detail", object_id=str(loan.pk)).exists()
        response = client.post(_url("claim_record", loan), _claim_form())
        assert response.status_code == 302
        assert response["Location"] == _url("loan", loan)
        claim = GuaranteeClaim.objects.get(loan=loan)
        assert (claim.reference, str(claim.amount)) == ("GAR-PORTAIL-1", "450.99")
        assert Dossier.objects.get(pk=loan.dossier_id).state == DossierState.GUARANTEE_CALLED
        followup = client.get(_url("loan", loan)).content.decode()
        assert "Envoyé au garant" in followup and "attendue" in followup
        assert "Enregistrer le paiement du garant" in followup
    with on(CLAIM_DAY.replace(month=9)):
        client = _client(adviser)  # two months later: a new session
        response = client.post(
            _url("claim_payment", loan),
            {"payment-paid_amount": "400,00", "payment-paid_on": "2026-09-03"},
        )
        assert response.status_code == 302
        assert response["Location"] == _url("loan", loan)
        followup = client.get(_url("loan", loan)).content.decode()
    assert "Payé par le garant" in followup
    assert "501,97" in followup  # the bank's share: 901.97 − 400.00
    assert "Enregistrer le paiement du garant" not in followup


def test_a_refused_claim_comes_back_in_french_and_records_nothing(
    adviser: User, loan: Loan
) -> None:
    client = _client(adviser)
    before = snapshot(loan)
    with on(CLAIM_DAY):
        response = client.post(
            _url("claim_record", loan), _claim_form(**{"claim-first_unpaid_date": "2026-04-15"})
        )
    assert response.status_code == 200
    assert "L&#x27;échéance du 15/04/2026 est payée" in response.content.decode()
    assert snapshot(loan) == before


def test_a_refused_payment_comes_back_in_french(adviser: User, loan: Loan) -> None:
    record(adviser, loan)
    client = _client(adviser)
    before = snapshot(loan)
    with on(CLAIM_DAY):
        response = client.post(
            _url("claim_payment", loan),
            {"payment-paid_amount": "500,00", "payment-paid_on": CLAIM_DAY.isoformat()},
        )
    assert response.status_code == 200
    assert "ne paie pas plus que le montant appelé" in response.content.decode()
    assert snapshot(loan) == before


def test_the_ccas_staff_read_the_claim_and_its_ledger(
    referent: User, adviser: User, loan: Loan
) -> None:
    record(adviser, loan)
    client = _client(referent)
    with on(CLAIM_DAY):
        text = client.get(_url("loan", loan)).content.decode()
        assert "450,99" in text and "450,98" in text  # the guarantor's and the bank's shares
        assert "01/07/2026" in text and "15/05/2026" in text and "50,00" in text
        assert _url("claim", loan) not in text  # nothing to record for the CCAS
        assert client.get(_url("claim", loan)).status_code == 403
        response = client.post(_url("claim_payment", loan), {})
        assert response.status_code == 403


def test_another_banks_adviser_gets_a_404(make_user, saint_etienne, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    bank_b, _programme = make_second_bank(saint_etienne)
    other = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    client = _client(other)
    before = snapshot(loan)
    with on(CLAIM_DAY):
        assert client.get(_url("claim", loan)).status_code == 404
        assert client.post(_url("claim_record", loan), _claim_form()).status_code == 404
    assert snapshot(loan) == before
