"""The bank portal's pages: the list, the dossier page and its forms, the loan page; and the
wall between banks: everything not transmitted to the adviser's bank answers 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from loan_engine import (
    LoanTerms,
    annual_percentage_rate,
    build_schedule,
)
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.formatting import format_eur, format_percent
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine
from tests.factories import (
    make_dossier,
    make_granted_dossier,
    make_loan,
    make_second_bank,
    make_transmitted_dossier,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[object, ...]:
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "state")),
        BankDecision.objects.count(),
        Disbursement.objects.count(),
        Loan.objects.count(),
        ScheduleLine.objects.count(),
        Repayment.objects.count(),
        Incident.objects.count(),
        DossierEvent.objects.count(),
        AuditEvent.objects.count(),
        Document.objects.count(),
    )


def test_the_list_groups_the_dossiers_in_a_fixed_number_of_queries(
    client, referent: User, adviser: User, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    url = reverse("banking:list")
    make_transmitted_dossier(created_by=referent)
    make_granted_dossier(created_by=referent, adviser=adviser)
    make_loan(created_by=referent, adviser=adviser)
    client.get(url)  # the counts per group, cached until a state changes (counted once seen)
    few = count_queries(lambda: client.get(url))
    for _ in range(3):
        make_transmitted_dossier(created_by=referent)
        make_loan(created_by=referent, adviser=adviser)
    response = client.get(url)
    assert count_queries(lambda: client.get(url)) == few
    content = response.content.decode()
    assert "À décider (4)" in content
    assert "Décaissés (4)" in content
    assert "chèque à enregistrer" in content


def test_the_bank_page_shows_the_borrower_and_the_request(
    client, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    client.force_login(adviser)
    response = client.get(reverse("banking:dossier", args=[dossier.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    applicant = dossier.applicant
    for text in (
        applicant.full_name,
        "17/05/1988",
        applicant.address,
        "Auto-école du Forez",
        "1\u202f200,00\u00a0€",
        'value="1200.00"',
        f"signé le {dossier.consent_date:%d/%m/%Y}",
    ):
        assert text in content, text
    full = reverse("dossiers:detail", args=[dossier.pk])
    assert f'href="{full}"' in content
    assert client.get(full).status_code == 200


def test_accept_offer_and_disburse_through_the_pages(client, referent: User, adviser: User) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    client.force_login(adviser)
    accept = reverse("banking:accept", args=[dossier.pk])
    terms = {
        "accept-amount": "1 000,00",
        "accept-months": "12",
        "accept-deferral_months": "0",
        "accept-deferral_kind": "none",
        "accept-expected_state": "transmitted_to_bank",
    }
    response = client.post(accept, {**terms, "calculer": "1"})
    assert response.status_code == 200
    schedule = build_schedule(
        LoanTerms(Decimal("1000.00"), Decimal("0.0175"), 12, timezone.localdate())
    )
    expected = (
        f"Mensualité {format_eur(schedule.installment)}, "
        f"TAEG {format_percent(annual_percentage_rate(schedule))}"
    )
    assert expected in response.content.decode()
    assert not BankDecision.objects.exists()
    response = client.post(accept, {**terms, "accept-months": "48"})
    assert response.status_code == 200
    assert "entre 3 et 36 mois" in response.content.decode()
    assert not BankDecision.objects.exists()
    response = client.post(accept, terms)
    assert response.status_code == 302
    decision = BankDecision.objects.get(dossier=dossier)
    assert decision.amount == Decimal("1000.00")
    today = timezone.localdate()
    response = client.post(
        reverse("banking:offer", args=[dossier.pk]),
        {
            "offer-signed_on": today.isoformat(),
            "offer-upload": SimpleUploadedFile("offre.pdf", pdf_bytes("o"), "application/pdf"),
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("banking:disburse", args=[dossier.pk]),
        {
            "disburse-cheque_number": "77 001",
            "disburse-date": today.isoformat(),
            "disburse-amount": "1000",
            "disburse-payee_name": "Auto-école du Forez",
        },
    )
    loan = Loan.objects.get(dossier=dossier)
    assert response.status_code == 302
    assert response["Location"] == reverse("loans:detail", args=[loan.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Version 1 — Échéancier initial" in page
    assert page.count("<tr>") >= 13
    assert "Enregistrer le remboursement" in page
    response = client.post(
        reverse("loans:repayment_create", args=[loan.pk]),
        {"rep-reference": "GUICHET-1", "rep-date": today.isoformat(), "rep-amount": "84,08"},
    )
    assert response.status_code == 302
    assert Repayment.objects.get().via == "portal"


def test_ccas_staff_read_the_loan_page_without_the_bank_forms(
    client, make_user, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    loan = make_loan(created_by=referent, adviser=adviser)
    client.force_login(referent)
    response = client.get(reverse("loans:detail", args=[loan.pk]))
    assert response.status_code == 200
    assert "Enregistrer le remboursement" not in response.content.decode()
    # The list of loans is the servicing portfolio (/prets/ sends there).
    assert client.get(reverse("loans:list"))["Location"] == reverse("servicing:portfolio")
    response = client.post(
        reverse("loans:repayment_create", args=[loan.pk]),
        {"rep-reference": "X", "rep-date": loan.disbursement_date.isoformat(), "rep-amount": "1"},
    )
    assert response.status_code == 403
    member = make_user(Role.COMMITTEE_MEMBER, username="membre")
    client.force_login(member)
    assert client.get(reverse("loans:detail", args=[loan.pk])).status_code == 403


@pytest.fixture
def foreign_dossiers(referent: User, adviser: User, saint_etienne, make_user) -> list[Dossier]:  # type: ignore[no-untyped-def]
    """Dossiers the adviser of the `bank` fixture must not reach: transmitted to bank B, and one
    of their own bank's programme not transmitted; in every state the forms act on."""
    bank_b, programme_b = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    return [
        make_transmitted_dossier(created_by=referent, programme=programme_b),
        make_granted_dossier(created_by=referent, adviser=adviser_b, programme=programme_b),
        make_dossier(
            created_by=referent,
            state=DossierState.READY_FOR_COMMITTEE,
            eligible=True,
            with_documents=True,
            with_consent=True,
        ),
    ]


def form_posts(dossier: Dossier) -> list[tuple[str, dict[str, object]]]:
    today = timezone.localdate().isoformat()
    return [
        (
            reverse("banking:accept", args=[dossier.pk]),
            {
                "accept-amount": "1200",
                "accept-months": "24",
                "accept-deferral_months": "0",
                "accept-deferral_kind": "none",
            },
        ),
        (
            reverse("banking:accept", args=[dossier.pk]),
            {
                "accept-amount": "1200",
                "accept-months": "24",
                "accept-deferral_months": "0",
                "accept-deferral_kind": "none",
                "calculer": "1",
            },
        ),
        (reverse("banking:refuse", args=[dossier.pk]), {"refuse-reason": "incomplete"}),
        (
            reverse("banking:offer", args=[dossier.pk]),
            {
                "offer-signed_on": today,
                "offer-upload": SimpleUploadedFile("o.pdf", pdf_bytes("x"), "application/pdf"),
            },
        ),
        (
            reverse("banking:disburse", args=[dossier.pk]),
            {"disburse-cheque_number": "1", "disburse-date": today, "disburse-amount": "1200"},
        ),
    ]


def test_an_adviser_gets_404_on_what_was_not_transmitted_to_their_bank(
    client, adviser: User, foreign_dossiers: list[Dossier]
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(adviser)
    before = snapshot()
    for dossier in foreign_dossiers:
        assert client.get(reverse("banking:dossier", args=[dossier.pk])).status_code == 404
        for url, data in form_posts(dossier):
            assert client.post(url, data).status_code == 404, url
    assert snapshot() == before
    content = client.get(reverse("banking:list")).content.decode()
    for dossier in foreign_dossiers:
        assert dossier.number not in content


def test_an_adviser_gets_404_on_another_banks_loan(
    client, make_user, referent: User, adviser: User, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    bank_b, programme_b = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    loan_b = make_loan(created_by=referent, adviser=adviser_b, programme=programme_b)
    client.force_login(adviser)
    before = snapshot()
    day = loan_b.disbursement_date.isoformat()
    assert client.get(reverse("loans:detail", args=[loan_b.pk])).status_code == 404
    response = client.post(
        reverse("loans:repayment_create", args=[loan_b.pk]),
        {"rep-reference": "X", "rep-date": day, "rep-amount": "10"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("loans:incident_create", args=[loan_b.pk]),
        {"inc-reference": "X", "inc-kind": "other", "inc-date": day},
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_the_disbursement_form_asks_for_the_new_payees_siret(
    client, referent: User, adviser: User
) -> None:  # type: ignore[no-untyped-def]
    dossier = make_granted_dossier(
        created_by=referent, adviser=adviser, payee_siret="73282932000074"
    )
    client.force_login(adviser)
    page = client.get(reverse("banking:dossier", args=[dossier.pk])).content.decode()
    assert 'name="disburse-payee_siret"' in page and 'value="73282932000074"' in page
    url = reverse("banking:disburse", args=[dossier.pk])
    values = {
        "disburse-cheque_number": "77 002",
        "disburse-date": timezone.localdate().isoformat(),
        "disburse-amount": "1200",
        "disburse-payee_name": "Garage du Pilat",
        "disburse-payee_siret": "",
        "disburse-payee_change_reason": "Le garage du devis a fermé.",
    }
    before = snapshot()
    response = client.post(url, values)
    assert response.status_code == 200
    assert "indiquez le SIRET du nouveau bénéficiaire" in response.content.decode()
    borrower = dossier.applicant
    response = client.post(
        url,
        {**values, "disburse-payee_name": f"{borrower.last_name} {borrower.first_name}",
         "disburse-payee_siret": "55210055400013"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "l&#x27;ordre de l&#x27;emprunteur" in response.content.decode()
    assert snapshot() == before
    response = client.post(url, {**values, "disburse-payee_siret": "552 100 554 00013"})
    assert response.status_code == 302
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_name, disbursement.payee_siret) == (
        "Garage du Pilat",
        "55210055400013",
    )
