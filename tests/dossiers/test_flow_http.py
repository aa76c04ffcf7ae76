"""A référent takes a person from the first visit to the commission through the web pages; the
commission and the bank then move the dossier from theirs."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from tests.factories import pdf_bytes, put_on_agenda

APPLICANT = {
    "last_name": "Fayolle",
    "first_name": "Éloïse",
    "birth_date": "1991-05-14",
    "phone": "06 12 34 56 78",
    "email": "",
    "address": "12 rue de la Résistance",
    "postcode": "42000",
    "commune_code": "42218",
    "family_situation": "single",
    "activity": "part_time",
    "housing_status": "tenant_social",
}
DOSSIER = {
    "application_date": "2026-11-20",
    "purpose": "mobilite/permis_de_conduire",
    "project_description": "Permis B pour un poste d'aide à domicile.",
    "project_cost": "1 450,00",
    "payee_name": "Auto-école du Forez",
    "payee_siret": "732 829 320 00074",
    "payee_address": "3 place Jean Jaurès, 42000 Saint-Étienne",
    "requested_amount": "1200",
    "requested_months": "24",
    "requested_deferral_months": "0",
    "requested_deferral_kind": "none",
    "no_ordinary_credit": "on",
    "no_ordinary_credit_evidence": "Refus de la banque (courrier du 2 novembre).",
}


def _messages(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _move(client, dossier: Dossier, name: str, **extra: str):  # type: ignore[no-untyped-def]
    dossier.refresh_from_db()
    data = {"transition": name, f"{name}-transition": name, f"{name}-expected_state": dossier.state}
    data.update({f"{name}-{k}": v for k, v in extra.items()})
    return client.post(reverse("dossiers:transition", args=[dossier.pk]), data, follow=True)


@pytest.mark.django_db
def test_from_first_visit_to_the_bank_through_the_pages(client_for, make_user) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    response = client.post(reverse("applicants:create"), APPLICANT)
    applicant = Applicant.objects.get()
    assert applicant.commune_name == "Saint-Étienne"
    assert response["Location"] == f"{reverse('dossiers:create')}?demandeur={applicant.pk}"

    # The same person again: a warning, nothing created until confirmed.
    again = client.post(reverse("applicants:create"), {**APPLICANT, "first_name": "Eloise"})
    assert again.status_code == 200
    assert "déjà enregistrée" in again.content.decode()
    assert Applicant.objects.count() == 1

    form = client.get(f"{reverse('dossiers:create')}?demandeur={applicant.pk}")
    assert form.status_code == 200 and "permis de conduire" in form.content.decode()
    bad = client.post(
        f"{reverse('dossiers:create')}?demandeur={applicant.pk}",
        {**DOSSIER, "payee_siret": "12345678901234"},
    )
    assert "SIRET n&#x27;est pas valide" in bad.content.decode()
    assert not Dossier.objects.exists()
    created = client.post(f"{reverse('dossiers:create')}?demandeur={applicant.pk}", DOSSIER)
    dossier = Dossier.objects.get()
    assert created["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    assert re.fullmatch(r"MC-2026-\d{5}", dossier.number)
    assert dossier.referent == client.user
    assert str(dossier.project_cost) == "1450.00" and dossier.payee_siret == "73282932000074"

    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Éloïse FAYOLLE" in page and "Commencer le diagnostic" in page

    assert _move(client, dossier, "start_diagnosis").status_code == 200
    refused = _move(client, dossier, "start_instruction")
    assert "Vérifiez d&#x27;abord l&#x27;éligibilité" in refused.content.decode()
    client.post(reverse("dossiers:eligibility", args=[dossier.pk]))
    dossier.refresh_from_db()
    assert dossier.eligibility is not None and dossier.eligibility.outcome == "ok"
    _move(client, dossier, "start_instruction")

    version = dossier.programme.versions.get()
    for spec in version.required_documents_for("mobilite"):
        client.post(
            reverse("documents:upload", args=[dossier.pk]),
            {
                "kind": spec["code"],
                "file": SimpleUploadedFile("piece.pdf", pdf_bytes(spec["code"])),
            },
        )
    assert dossier.documents.count() == len(version.required_documents_for("mobilite"))
    ready = _move(client, dossier, "submit_to_committee")
    assert "prêt pour la commission" in ready.content.decode()

    client.post(
        reverse("documents:upload", args=[dossier.pk]),
        {"kind": "consent", "file": SimpleUploadedFile("consentement.pdf", pdf_bytes("c"))},
    )
    client.post(reverse("dossiers:consent", args=[dossier.pk]), {"consent_date": "2026-11-21"})

    # The commission decides from its session's page, not from the dossier's.
    committee = client_for(Role.COMMITTEE_MEMBER)
    put_on_agenda(dossier, committee.user)
    page = committee.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Transmettre à la banque" not in page
    direct = _move(committee, dossier, "transmit_to_bank")
    assert "s'enregistre depuis la séance de la commission" in _messages(direct)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.READY_FOR_COMMITTEE


@pytest.mark.django_db
def test_a_stale_page_gets_a_clear_message_and_changes_nothing(client_for) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_dossier

    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user, state=DossierState.DIAGNOSIS)
    data = {
        "transition": "withdraw",
        "withdraw-transition": "withdraw",
        "withdraw-expected_state": "reception",
        "withdraw-reason": "La personne renonce.",
    }
    response = client.post(reverse("dossiers:transition", args=[dossier.pk]), data, follow=True)
    assert "vient d&#x27;être modifié par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DIAGNOSIS
    assert not DossierEvent.objects.filter(dossier=dossier).exists()


@pytest.mark.django_db
def test_reorientation_names_the_scheme(client_for) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_dossier

    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user, state=DossierState.DIAGNOSIS)
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "Point conseil budget" in page
    _move(client, dossier, "reorient", reorientation_scheme="point_conseil_budget")
    dossier.refresh_from_db()
    assert dossier.state == DossierState.REORIENTED
    assert dossier.reorientation_label == "Point conseil budget"


@pytest.mark.django_db
def test_sharing_gives_a_partner_worker_access_and_unsharing_takes_it_back(
    client_for, make_user, saint_etienne, social_structure
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.organisations.models import Partnership
    from tests.factories import make_dossier

    Partnership.objects.create(ccas=saint_etienne, partner=social_structure)
    worker = make_user(Role.PARTNER_WORKER)
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user)
    page = reverse("dossiers:detail", args=[dossier.pk])

    shared = client.post(
        reverse("dossiers:share", args=[dossier.pk]), {"worker": worker.pk}, follow=True
    )
    assert "Le dossier est partagé." in shared.content.decode()
    client.force_login(worker)
    assert client.get(page).status_code == 200

    client.force_login(client_for(Role.DIRECTOR, username="direction").user)
    url = reverse("dossiers:unshare", args=[dossier.pk, worker.pk])
    assert "Le partage est retiré." in client.post(url, follow=True).content.decode()
    again = client.post(url, follow=True).content.decode()
    assert "Le partage est retiré." not in again  # nothing left to remove: no false success
    client.force_login(worker)
    assert client.get(page).status_code == 404
