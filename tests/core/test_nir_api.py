"""The bank's API refuses a social-security number in its free texts (api.schemas.Text): 422
with the French sentence of the forms, and nothing is recorded."""

from __future__ import annotations

import pytest
from django.test import Client

from microcredit.accounts.enums import Role
from microcredit.banking.models import BankDecision
from microcredit.dossiers.enums import DossierState
from microcredit.loans.models import Incident
from tests.api.helpers import assert_error
from tests.factories import make_api_token, make_loan, make_transmitted_dossier

pytestmark = pytest.mark.django_db

MESSAGE = "Ce texte semble contenir un numéro de sécurité sociale : il ne doit pas être saisi ici."


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def api(adviser):  # type: ignore[no-untyped-def]
    client = Client()
    headers = {"Authorization": f"Bearer {make_api_token(adviser)}"}
    return lambda url, data: client.post(
        url, data, content_type="application/json", headers=headers
    )


def test_a_refusal_text_with_a_nir_is_422_in_french_and_changes_nothing(  # type: ignore[no-untyped-def]
    api, make_user
) -> None:
    dossier = make_transmitted_dossier(created_by=make_user(Role.REFERENT))
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    body = assert_error(
        api(
            url,
            {
                "outcome": "refused",
                "refusal_reason": "other",
                "refusal_text": "Emprunteur 1 85 03 42 218 123 64 déjà connu.",
            },
        ),
        422,
        "invalid_input",
    )
    assert body["errors"] == {"refusal_text": [MESSAGE]}
    dossier.refresh_from_db()
    assert dossier.state == DossierState.TRANSMITTED_TO_BANK
    assert not BankDecision.objects.filter(dossier=dossier).exists()
    # The same text without the number goes through.
    response = api(
        url, {"outcome": "refused", "refusal_reason": "other", "refusal_text": "Déjà connu."}
    )
    assert response.status_code == 200, response.content


def test_an_incident_note_with_a_nir_is_422(api, adviser, make_user) -> None:  # type: ignore[no-untyped-def]
    loan = make_loan(created_by=make_user(Role.REFERENT), adviser=adviser)
    incident = {
        "reference": "INC-NIR-1",
        "dossier_number": loan.dossier.number,
        "kind": "rejected_payment",
        "date": loan.disbursement_date.isoformat(),
        "note": "NIR 185034221812364",
    }
    body = assert_error(api("/api/v1/incidents", incident), 422, "invalid_input")
    assert body["errors"] == {"note": [MESSAGE]}
    assert not Incident.objects.filter(loan=loan).exists()
