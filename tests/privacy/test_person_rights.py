"""A person's rights (issue #17): the search (POST, paginated, constant queries), the person's
page, the export (ZIP of JSON, files, read history; its own log line), erasure (refused while a
loan is active or a dossier open; otherwise the retention's anonymisation, now)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.core.services import access_log_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.letters.models import Letter
from microcredit.organisations.models import Organisation
from tests.factories import make_applicant, make_dossier, make_loan, pdf_bytes

pytestmark = pytest.mark.django_db


def _letter(dossier: Dossier) -> Letter:
    content = pdf_bytes(f"letter-{dossier.pk}")
    letter = Letter(
        dossier=dossier,
        key="test",
        kind="acceptance",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    letter.file.save("courrier.pdf", ContentFile(content), save=False)
    letter.save()
    return letter


@pytest.fixture
def closed_person(make_user: Any) -> tuple[Dossier, Letter, Any]:
    referent = make_user(Role.REFERENT, username="ref-rights")
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.WITHDRAWN, with_consent=True
    )
    HouseholdMember.objects.create(
        applicant=dossier.applicant,
        first_name="Capucine",
        birth_date=dossier.applicant.birth_date.replace(year=2015),
        relationship="child",
    )
    letter = _letter(dossier)
    access_log_create(user=referent, action=AccessAction.DOSSIER_DETAIL, obj=dossier)
    return dossier, letter, referent


def test_the_people_search_is_a_post_and_finds_by_name_or_number(
    client_for: Any, closed_person: Any
) -> None:
    dossier = closed_person[0]
    client = client_for(Role.DPO)
    assert client.get("/donnees-personnelles/").status_code == 200
    posted = client.post("/donnees-personnelles/", {"q": dossier.applicant.last_name})
    assert posted.status_code == 303 and dossier.applicant.last_name not in posted["Location"]
    by_name = client.get(posted["Location"])
    assert dossier.applicant.full_name in by_name.content.decode()
    by_number = client.post("/donnees-personnelles/", {"q": dossier.number}, follow=True)
    assert f"/donnees-personnelles/personnes/{dossier.applicant_id}/" in by_number.content.decode()
    too_short = client.post("/donnees-personnelles/", {"q": "a"}, follow=True)
    assert "Saisissez au moins 2 caractères." in too_short.content.decode()


def test_the_people_list_makes_the_same_queries_at_two_sizes(
    client_for: Any, make_user: Any, saint_etienne: Any
) -> None:
    creator = make_user(Role.AGENT, username="agent-rights")
    client = client_for(Role.DIRECTOR)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post("/donnees-personnelles/", {"q": "Durand"}, follow=True)
        assert response.status_code == 200
        return len(captured)

    for _ in range(3):
        make_dossier(
            created_by=creator,
            applicant=make_applicant(
                organisation=saint_etienne, created_by=creator, last_name="Durand"
            ),
        )
    queries()  # the terms kept in the session (a first search writes them)
    small = queries()
    for _ in range(30):
        make_dossier(
            created_by=creator,
            applicant=make_applicant(
                organisation=saint_etienne, created_by=creator, last_name="Durand"
            ),
        )
    large = queries()
    assert small == large
    listed = client.post("/donnees-personnelles/", {"q": "Durand"})
    page_2 = client.get(f"{listed['Location']}&page=2")
    assert "33 personnes — page 2 sur 2" in page_2.content.decode()
    assert "Durand" not in page_2.context["page_query"]


def test_another_organisation_s_person_is_a_404_and_other_roles_are_refused(
    client_for: Any, closed_person: Any
) -> None:
    dossier = closed_person[0]
    url = f"/donnees-personnelles/personnes/{dossier.applicant_id}/"
    assert client_for(Role.REFERENT).get(url).status_code == 403
    other = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="ccas-roanne")
    assert client_for(Role.DPO, organisation=other).get(url).status_code == 404


def test_the_export_holds_everything_the_files_and_the_read_history_and_is_logged(
    client_for: Any, closed_person: Any
) -> None:
    dossier, letter, referent = closed_person
    client = client_for(Role.DIRECTOR)
    page = client.get(f"/donnees-personnelles/personnes/{dossier.applicant_id}/")
    assert page.status_code == 200 and dossier.number in page.content.decode()
    assert (
        client.get(f"/donnees-personnelles/personnes/{dossier.applicant_id}/export.zip").status_code
        == 405
    )

    response = client.post(f"/donnees-personnelles/personnes/{dossier.applicant_id}/export.zip")

    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    person = json.loads(archive.read("personne.json"))
    assert person["demandeur"]["last_name"] == dossier.applicant.last_name
    assert person["demandeur"]["birth_date"] == dossier.applicant.birth_date.isoformat()
    assert [m["first_name"] for m in person["menage"]] == ["Capucine"]
    assert [d["number"] for d in person["dossiers"]] == [dossier.number]
    assert person["dossiers"][0]["project_description"] == dossier.project_description
    names = archive.namelist()
    documents = [n for n in names if n.startswith("pieces/")]
    assert len(documents) == dossier.documents.count() == 1
    with default_storage.open(dossier.documents.get().file.name, "rb") as handle:
        assert archive.read(documents[0]) == handle.read()
    assert archive.read(
        f"courriers/{letter.pk}-{letter.file.name.rsplit('/', 1)[-1]}"
    ) == pdf_bytes(f"letter-{dossier.pk}")
    reads = json.loads(archive.read("consultations.json"))
    assert {(r["identifiant_utilisateur"], r["consultation"]) for r in reads} >= {
        (referent.pk, "dossier_detail"),
        (client.user.pk, "applicant_detail"),
    }
    logged = AccessLog.objects.filter(action=AccessAction.PERSON_EXPORT)
    assert list(logged.values_list("user_id", "object_type", "object_id")) == [
        (client.user.pk, "applicants.applicant", str(dossier.applicant_id))
    ]


def test_erasure_is_refused_while_a_loan_is_active(client_for: Any, make_user: Any) -> None:
    referent = make_user(Role.REFERENT, username="ref-loan")
    adviser = make_user(Role.BANK_ADVISER, username="cb-loan")
    loan = make_loan(created_by=referent, adviser=adviser)
    applicant = loan.dossier.applicant
    client = client_for(Role.DIRECTOR)
    page = client.get(f"/donnees-personnelles/personnes/{applicant.pk}/").content.decode()
    assert "est en cours de remboursement" in page

    response = client.post(
        f"/donnees-personnelles/personnes/{applicant.pk}/effacement/", {"confirm": "on"}
    )

    assert response.status_code == 400
    assert "est en cours de remboursement" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.anonymised_at is None and applicant.last_name != "Personne anonymisée"
    assert not AuditEvent.objects.filter(action="anonymisation").exists()


def test_erasure_of_an_open_dossier_without_a_loan_asks_for_the_withdrawal_first(
    client_for: Any, make_user: Any
) -> None:
    referent = make_user(Role.REFERENT, username="ref-open")
    dossier = make_dossier(created_by=referent, state=DossierState.INSTRUCTION)
    client = client_for(Role.DPO)
    response = client.post(
        f"/donnees-personnelles/personnes/{dossier.applicant_id}/effacement/", {"confirm": "on"}
    )
    assert response.status_code == 400
    assert "enregistrer le désistement de la personne" in response.content.decode()
    assert Applicant.objects.get(pk=dossier.applicant_id).anonymised_at is None


def test_erasure_needs_the_confirmation_then_anonymises_now(
    client_for: Any, closed_person: Any
) -> None:
    dossier, letter, _referent = closed_person
    applicant = dossier.applicant
    client = client_for(Role.DIRECTOR)
    url = f"/donnees-personnelles/personnes/{applicant.pk}/effacement/"
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Cochez la case de confirmation" in refused.content.decode()
    assert Applicant.objects.get(pk=applicant.pk).anonymised_at is None

    response = client.post(url, {"confirm": "on"})

    assert response.status_code == 302
    after = Applicant.objects.get(pk=applicant.pk)
    assert after.anonymised_at is not None
    assert (after.first_name, after.email, after.phone, after.address, after.search_name) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert after.birth_date != applicant.birth_date and after.age_band
    assert after.commune_code == applicant.commune_code and after.postcode == applicant.postcode
    assert HouseholdMember.objects.get(applicant=applicant).first_name == ""
    dossier.refresh_from_db()
    assert (
        dossier.project_description,
        dossier.payee_name,
        dossier.no_ordinary_credit_evidence,
    ) == ("", "", "")
    assert not default_storage.exists(letter.file.name)
    event = AuditEvent.objects.get(action="anonymisation")
    assert (event.actor_id, event.object_id) == (client.user.pk, str(applicant.pk))
    assert applicant.last_name not in json.dumps(event.new_values) + event.reason
    page = client.get(f"/donnees-personnelles/personnes/{applicant.pk}/").content.decode()
    assert "Données anonymisées le" in page
