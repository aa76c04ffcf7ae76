"""The closing page of a repaid loan, as the référent clicks through it: the amount shown before
it is recorded, the invoice uploaded (multipart), a refused file, the bonification paid, then
« Clôturer le dossier », refused with its reasons in French until everything is recorded; who
reaches the page. The follow-up page's section says where things stand."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.models import AccessLog
from microcredit.documents.models import Document
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.servicing.models import Bonification, ProjectProof
from tests.servicing.closing_helpers import AFTER, invoice, not_a_pdf, on, repaid_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    return repaid_loan(referent, adviser)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, loan: Loan) -> str:
    return reverse(f"servicing:{name}", args=[loan.pk])


def test_the_referent_records_everything_then_closes(referent: User, loan: Loan) -> None:
    client = _client(referent)
    with on(AFTER):
        page = client.get(_url("closing", loan))
        assert page.status_code == 200
        text = page.content.decode()
        assert "200,59" in text  # the last installment paid, shown before it is recorded
        assert "(due une fois la facture du projet enregistrée)" in text
        assert AccessLog.objects.filter(action="loan_closing", object_id=str(loan.pk)).exists()

        refused = client.post(_url("close", loan), {"close-expected_state": "repaid"})
        assert refused.status_code == 200
        assert "Le justificatif du projet (la facture) n&#x27;est pas enregistré" in (
            refused.content.decode()
        )
        assert Dossier.objects.get(pk=loan.dossier_id).state == DossierState.REPAID

        response = client.post(_url("proof_record", loan), {"proof-upload": invoice()})
        assert response.status_code == 302
        assert ProjectProof.objects.get(loan=loan).document is not None

        response = client.post(
            _url("bonification_record", loan),
            {
                "bonification-paid_on": AFTER.isoformat(),
                "bonification-mode": "cheque",
                "bonification-expected_amount": "200.59",
            },
        )
        assert response.status_code == 302
        assert str(Bonification.objects.get(loan=loan).amount) == "200.59"

        response = client.post(_url("close", loan), {"close-expected_state": "repaid"})
        assert response.status_code == 302
        assert response["Location"] == _url("loan", loan)
        assert Dossier.objects.get(pk=loan.dossier_id).state == DossierState.CLOSED
        followup = client.get(_url("loan", loan)).content.decode()
    assert "Le dossier est clôturé." in followup
    assert "200,59" in followup and "chèque" in followup


def test_a_file_that_is_not_a_pdf_is_refused_on_the_form(referent: User, loan: Loan) -> None:
    documents = Document.objects.count()
    with on(AFTER):
        response = _client(referent).post(_url("proof_record", loan), {"proof-upload": not_a_pdf()})
    assert response.status_code == 200
    assert "n&#x27;est pas un PDF, une image JPEG ou PNG" in response.content.decode()
    assert not ProjectProof.objects.exists()
    assert Document.objects.count() == documents


def test_waivers_from_the_page(referent: User, loan: Loan) -> None:
    client = _client(referent)
    with on(AFTER):
        empty = client.post(_url("proof_waive", loan), {"proof_waive-reason": ""})
        assert empty.status_code == 200 and not ProjectProof.objects.exists()
        client.post(_url("proof_waive", loan), {"proof_waive-reason": "Projet abandonné."})
        page = client.get(_url("closing", loan)).content.decode()
        # No invoice: no amount is due, the page says why.
        assert "Le justificatif du projet a été dispensé" in page
        client.post(
            _url("bonification_waive", loan), {"bonification_waive-reason": "Projet abandonné."}
        )
        client.post(_url("close", loan), {"close-expected_state": "repaid"})
    assert ProjectProof.objects.get().waived_reason == "Projet abandonné."
    assert Bonification.objects.get().waived_reason == "Projet abandonné."
    assert Dossier.objects.get(pk=loan.dossier_id).state == DossierState.CLOSED


def test_who_reaches_the_closing_page(make_user, client_for, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    assert client_for(Role.DIRECTOR, username="dir").get(_url("closing", loan)).status_code == 200
    for role in (Role.AGENT, Role.BANK_ADVISER, Role.COMMITTEE_MEMBER, Role.PARTNER_WORKER):
        client = client_for(role, username=f"u-{role}")
        assert client.get(_url("closing", loan)).status_code == 403, role
        response = client.post(_url("proof_waive", loan), {"proof_waive-reason": "x"})
        assert response.status_code == 403, role
    roanne = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    other = _client(make_user(Role.REFERENT, username="roanne", organisation=roanne))
    assert other.get(_url("closing", loan)).status_code == 404
    assert other.post(_url("proof_waive", loan), {"proof_waive-reason": "x"}).status_code == 404
    assert not ProjectProof.objects.exists()


def test_the_bank_sees_the_section_without_the_link(adviser: User, loan: Loan) -> None:
    with on(AFTER):
        page = _client(adviser).get(_url("loan", loan)).content.decode()
    assert "Aucun justificatif enregistré." in page
    assert _url("closing", loan) not in page
