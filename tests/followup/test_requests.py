"""The inbox of the public's requests: who reads it, how a request is taken, turned into an
applicant and a dossier or closed, what the access log and the audit trail say, and how many
queries a page costs."""

from __future__ import annotations

import html
from datetime import date, timedelta
from itertools import count
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.errors import Refused
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.followup.enums import RequestStatus
from microcredit.followup.models import RequestHandling
from microcredit.followup.selectors.requests import (
    PAGE_SIZE,
    inbox_counts,
    open_requests,
    request_state,
)
from microcredit.followup.services.requests import (
    RequestAlreadyConverted,
    request_close,
    request_convert,
    request_take,
)
from microcredit.organisations.models import Organisation
from microcredit.simulator.enums import ContactRequestStatus
from microcredit.simulator.models import ContactRequest
from tests.factories import make_applicant, membership_of

pytestmark = pytest.mark.django_db

INBOX = reverse("followup:requests")
TAKE_BUTTON = ">Je la prends</button>"
_numbers = count(1)


def make_request(organisation: Organisation, **overrides: Any) -> ContactRequest:
    n = next(_numbers)
    values: dict[str, Any] = {
        "first_name": "Nadia",
        "last_name": "Benali",
        "phone": f"06000000{n:02d}",
        "email": "nadia.benali@example.org",
        "preferred_times": "le matin",
        "purpose_code": "mobilite",
        "message": "Je voudrais réparer ma voiture pour aller travailler.",
        "consent": True,
        "client_fingerprint": f"{n:064x}",
    }
    values.update(overrides)
    return ContactRequest.objects.create(organisation=organisation, **values)


def detail_url(contact_request: ContactRequest, page: str = "") -> str:
    names = {
        "": "followup:request_detail",
        "take": "followup:request_take",
        "convert": "followup:request_convert",
        "close": "followup:request_close",
    }
    return reverse(names[page], args=[contact_request.pk])


@pytest.fixture
def other_ccas(db: None) -> Organisation:
    return Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def referent_client(client: Client, referent) -> Client:  # type: ignore[no-untyped-def]
    client.force_login(referent)
    return client


def applicant_data(**overrides: str) -> dict[str, str]:
    data = {
        "last_name": "Benali",
        "first_name": "Nadia",
        "birth_date": "1990-04-12",
        "phone": "0600000001",
        "email": "nadia.benali@example.org",
        "address": "3 rue Michelet",
        "postcode": "42000",
        "commune_code": "42218",
        "family_situation": "single",
        "activity": "job_seeker",
        "housing_status": "tenant_social",
        "application_date": "2026-03-10",
        "referent": "",
        "purpose": "mobilite",
        "project_description": "Réparer la voiture",
    }
    data.update(overrides)
    return data


# --- Who reads the inbox and each request ------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.REFERENT, True),
        (Role.AGENT, True),
        (Role.DIRECTOR, False),
        (Role.COMMITTEE_MEMBER, False),
        (Role.BANK_ADVISER, False),
        (Role.PARTNER_WORKER, False),
        (Role.ADMIN, False),
        (None, False),
    ],
)
def test_access_matrix_of_the_inbox_and_a_request(client_for, saint_etienne, role, allowed) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    client = client_for(role)
    # Allowed: the pages open; a new request's conversion page sends back to the request
    # (take it first); taking then closing move it. Others: 403 everywhere, nothing moves.
    expected = {
        ("get", ""): 200 if allowed else 403,
        ("get", "convert"): 302 if allowed else 403,
        ("post", "take"): 302 if allowed else 403,
        ("post", "close"): 302 if allowed else 403,
    }
    assert client.get(INBOX).status_code == (200 if allowed else 403)
    for (method, page), status in expected.items():
        response = getattr(client, method)(detail_url(contact_request, page), {"reason": "Doublon"})
        assert response.status_code == status, (method, page)
    contact_request.refresh_from_db()
    assert contact_request.status == (
        ContactRequestStatus.CLOSED if allowed else ContactRequestStatus.NEW
    )


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT])
def test_the_staff_of_another_ccas_neither_see_nor_touch_the_request(
    client_for, saint_etienne, other_ccas, role
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne, last_name="Lointaine")
    client = client_for(role, organisation=other_ccas)
    inbox = client.get(INBOX)
    assert inbox.status_code == 200
    assert "Lointaine" not in inbox.content.decode()
    for page in ("", "convert"):
        assert client.get(detail_url(contact_request, page)).status_code == 404
    for page in ("take", "close"):
        response = client.post(detail_url(contact_request, page), {"reason": "Doublon"})
        assert response.status_code == 404
    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.NEW
    assert not RequestHandling.objects.exists()


def test_anonymous_is_sent_to_login(client: Client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    login = reverse("accounts:login")
    for url in (INBOX, detail_url(contact_request), detail_url(contact_request, "convert")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def test_the_inbox_lists_the_ccas_requests_most_urgent_first(
    referent_client, referent, saint_etienne, other_ccas
) -> None:  # type: ignore[no-untyped-def]
    membership = membership_of(referent)
    older_new = make_request(saint_etienne, last_name="Ancienne")
    taken = make_request(saint_etienne, last_name="Prise")
    newer_new = make_request(saint_etienne, last_name="Recente")
    closed = make_request(saint_etienne, last_name="Close")
    make_request(other_ccas, last_name="Roannaise")
    ContactRequest.objects.filter(pk=older_new.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    ContactRequest.objects.filter(pk=taken.pk).update(created_at=timezone.now() - timedelta(days=5))
    request_take(actor=referent, membership=membership, request_id=taken.pk)
    request_close(actor=referent, membership=membership, request_id=closed.pk, reason="Doublon")

    html = referent_client.get(INBOX).content.decode()
    positions = [html.index(name) for name in ("ANCIENNE", "RECENTE", "PRISE", "CLOSE")]
    assert positions == sorted(positions)
    assert "ROANNAISE" not in html
    assert [r.pk for r in open_requests(membership)] == [older_new.pk, newer_new.pk, taken.pk]

    only_taken = referent_client.get(INBOX, {"etat": "in_progress"}).content.decode()
    assert "PRISE" in only_taken and "ANCIENNE" not in only_taken
    only_open = referent_client.get(INBOX, {"etat": "a_traiter"}).content.decode()
    assert "CLOSE" not in only_open and "PRISE" in only_open and "RECENTE" in only_open
    assert (
        "Aucune demande dans cet état."
        in referent_client.get(INBOX, {"etat": "converted"}).content.decode()
    )
    assert inbox_counts(membership) == {
        "new": 2,
        "in_progress": 1,
        "converted": 0,
        "closed": 1,
        "a_traiter": 3,
    }


def test_the_inbox_is_paginated(referent_client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    for _ in range(PAGE_SIZE + 1):
        make_request(saint_etienne)
    first = referent_client.get(INBOX)
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"].object_list) == PAGE_SIZE
    assert "Page suivante" in first.content.decode()
    second = referent_client.get(INBOX, {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_the_inbox_costs_the_same_queries_whatever_the_number_of_requests(
    referent_client, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    membership = membership_of(referent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert referent_client.get(INBOX).status_code == 200
        return len(captured)

    for _ in range(2):
        request_take(
            actor=referent, membership=membership, request_id=make_request(saint_etienne).pk
        )
    make_request(saint_etienne)
    few = queries()
    for n in range(PAGE_SIZE):
        contact_request = make_request(saint_etienne)
        if n % 3 == 0:
            request_take(actor=referent, membership=membership, request_id=contact_request.pk)
        elif n % 3 == 1:
            request_close(
                actor=referent, membership=membership, request_id=contact_request.pk, reason="X"
            )
    assert queries() == few
    assert few <= 13  # session, user, membership, device; count, scheme (2), page, log, counts


# --- The access log ----------------------------------------------------------------------


def test_reading_the_inbox_and_a_request_writes_the_access_log(
    referent_client, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    shown = [make_request(saint_etienne), make_request(saint_etienne)]
    referent_client.get(INBOX)
    listed = AccessLog.objects.filter(action=AccessAction.FOLLOWUP_REQUEST_LIST)
    assert sorted(int(log.object_id) for log in listed) == sorted(r.pk for r in shown)
    assert {log.user_id for log in listed} == {referent.pk}
    assert {log.object_type for log in listed} == {"simulator.contactrequest"}

    referent_client.get(detail_url(shown[0]))
    read = AccessLog.objects.get(action=AccessAction.FOLLOWUP_REQUEST_DETAIL)
    assert (read.user_id, read.object_id) == (referent.pk, str(shown[0].pk))
    assert read.detail == "boîte des demandes"


def test_a_request_page_read_by_no_one_allowed_writes_no_line(
    client_for, saint_etienne, other_ccas
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    client = client_for(Role.REFERENT, organisation=other_ccas)
    client.get(detail_url(contact_request))
    assert not AccessLog.objects.filter(object_id=str(contact_request.pk)).exists()


# --- New → taken → turned into a dossier ---------------------------------------------------


def test_a_request_is_taken_then_turned_into_an_applicant_and_a_dossier(
    referent_client, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne, phone="0600000001")
    page = referent_client.get(detail_url(contact_request)).content.decode()
    assert TAKE_BUTTON in page
    assert "Transformer en dossier" not in page

    # Not taken yet: the conversion page sends back to the request.
    response = referent_client.get(detail_url(contact_request, "convert"))
    assert response["Location"] == detail_url(contact_request)

    response = referent_client.post(detail_url(contact_request, "take"))
    assert response["Location"] == detail_url(contact_request)
    contact_request.refresh_from_db()
    assert request_state(contact_request) == RequestStatus.IN_PROGRESS
    assert contact_request.status == ContactRequestStatus.CONTACTED
    assert contact_request.handled_by == referent
    assert contact_request.handling.handled_by == referent
    page = referent_client.get(detail_url(contact_request)).content.decode()
    assert "Transformer en dossier" in page and TAKE_BUTTON not in page

    # The form holds what the request said.
    form = referent_client.get(detail_url(contact_request, "convert")).context["form"]
    assert form.initial["last_name"] == "Benali"
    assert form.initial["first_name"] == "Nadia"
    assert form.initial["phone"] == "0600000001"
    assert form.initial["email"] == "nadia.benali@example.org"
    assert form.initial["purpose"] == "mobilite"
    assert form.initial["project_description"].startswith("Je voudrais réparer")
    assert form.initial["application_date"] == timezone.localdate(contact_request.created_at)
    assert form.initial["referent"] == referent.pk

    response = referent_client.post(
        detail_url(contact_request, "convert"), applicant_data(referent=str(referent.pk))
    )
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    applicant = dossier.applicant
    assert (applicant.last_name, applicant.first_name) == ("Benali", "Nadia")
    assert applicant.birth_date == date(1990, 4, 12)
    assert applicant.email == "nadia.benali@example.org"
    assert applicant.commune_name == "Saint-Étienne"
    assert applicant.organisation == saint_etienne
    assert dossier.organisation == saint_etienne
    assert dossier.programme.organisation == saint_etienne
    assert dossier.state == DossierState.RECEPTION
    assert dossier.purpose_category == "mobilite"
    assert dossier.project_description == "Réparer la voiture"
    assert dossier.application_date == date(2026, 3, 10)
    assert dossier.referent == referent

    contact_request.refresh_from_db()
    handling = contact_request.handling
    assert handling.status == RequestStatus.CONVERTED
    assert handling.dossier == dossier
    assert contact_request.status == ContactRequestStatus.CLOSED

    # The dossier's page opens; the request now links to it and offers nothing more.
    assert referent_client.get(response["Location"]).status_code == 200
    page = referent_client.get(detail_url(contact_request)).content.decode()
    assert dossier.number in page
    assert TAKE_BUTTON not in page and "Clore la demande" not in page

    # Each step has its audit row, with the applicants' and dossiers' own.
    actions = list(
        AuditEvent.objects.filter(object_type="simulator.contactrequest")
        .order_by("id")
        .values_list("action", "old_values", "new_values")
    )
    assert actions == [
        (
            AuditAction.FOLLOWUP_REQUEST_TAKEN,
            {"state": "new", "status": "new"},
            {"state": "in_progress", "status": "contacted"},
        ),
        (
            AuditAction.FOLLOWUP_REQUEST_CONVERTED,
            {"state": "in_progress", "status": "contacted"},
            {"state": "converted", "status": "closed", "dossier": dossier.pk},
        ),
    ]
    assert AuditEvent.objects.filter(action=AuditAction.APPLICANT_CREATED).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DOSSIER_CREATED).count() == 1


def test_a_repeated_conversion_creates_nothing_more(
    referent_client, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    membership = membership_of(referent)
    request_take(actor=referent, membership=membership, request_id=contact_request.pk)
    url = detail_url(contact_request, "convert")
    first = referent_client.post(url, applicant_data())
    second = referent_client.post(url, applicant_data())
    dossier = Dossier.objects.get()
    assert first["Location"] == second["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    assert Applicant.objects.count() == 1
    # The service itself refuses a second conversion, naming the dossier.
    with pytest.raises(RequestAlreadyConverted) as refused:
        request_convert(
            actor=referent,
            membership=membership,
            request_id=contact_request.pk,
            applicant_values={},
            dossier_values={},
        )
    assert refused.value.dossier_id == dossier.pk
    assert dossier.number in refused.value.messages[0]
    assert Dossier.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_REQUEST_CONVERTED).count() == 1
    # A converted request is final: it can be neither taken nor closed.
    with pytest.raises(Refused):
        request_take(actor=referent, membership=membership, request_id=contact_request.pk)
    with pytest.raises(Refused):
        request_close(
            actor=referent, membership=membership, request_id=contact_request.pk, reason="X"
        )


@pytest.mark.parametrize("ticked", [False, True])
def test_the_consent_to_e_mails_given_at_conversion_is_recorded(
    referent_client, referent, saint_etienne, ticked
) -> None:  # type: ignore[no-untyped-def]
    # The conversion form is the applicant's form: its consent box does what it says.
    contact_request = make_request(saint_etienne)
    request_take(actor=referent, membership=membership_of(referent), request_id=contact_request.pk)
    page = referent_client.get(detail_url(contact_request, "convert")).content.decode()
    assert "accepte d'être prévenu·e par e-mail" in html.unescape(page)
    extra = {"notifications_consent": "on"} if ticked else {}
    referent_client.post(detail_url(contact_request, "convert"), applicant_data(**extra))
    applicant = Applicant.objects.get()
    assert (applicant.notifications_consent_at is not None) is ticked


def test_a_refused_conversion_is_explained_and_creates_nothing(
    referent_client, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    request_take(actor=referent, membership=membership_of(referent), request_id=contact_request.pk)
    response = referent_client.post(
        detail_url(contact_request, "convert"), applicant_data(commune_code="99999", birth_date="")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html
    response = referent_client.post(
        detail_url(contact_request, "convert"), applicant_data(commune_code="99999")
    )
    assert response.status_code == 400
    assert "Ce code commune INSEE est inconnu." in response.content.decode()
    assert not Applicant.objects.exists()
    assert not Dossier.objects.exists()
    contact_request.refresh_from_db()
    assert contact_request.handling.status == RequestStatus.IN_PROGRESS


def test_a_known_person_is_proposed_and_the_request_attached_to_them(
    referent_client, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    known = make_applicant(
        organisation=saint_etienne,
        created_by=referent,
        last_name="Benali",
        first_name="Nadia",
        birth_date=date(1990, 4, 12),
    )
    contact_request = make_request(saint_etienne)
    request_take(actor=referent, membership=membership_of(referent), request_id=contact_request.pk)
    url = detail_url(contact_request, "convert")
    warned = referent_client.post(url, applicant_data())
    assert warned.status_code == 400
    html = warned.content.decode()
    assert "déjà enregistrée" in html
    assert warned.context["duplicates"] == [known]
    assert "Rattacher la demande à cette personne" in html
    assert not Dossier.objects.exists()

    response = referent_client.post(url, {**applicant_data(), "existing": str(known.pk)})
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    assert dossier.applicant == known
    assert Applicant.objects.count() == 1


def test_an_applicant_of_another_ccas_cannot_be_attached(
    referent, saint_etienne, other_ccas, make_user
) -> None:  # type: ignore[no-untyped-def]
    stranger = make_applicant(organisation=other_ccas, created_by=make_user(None, "roanne"))
    contact_request = make_request(saint_etienne)
    membership = membership_of(referent)
    request_take(actor=referent, membership=membership, request_id=contact_request.pk)
    with pytest.raises(Refused, match="introuvable"):
        request_convert(
            actor=referent,
            membership=membership,
            request_id=contact_request.pk,
            applicant_values={},
            dossier_values={"application_date": date(2026, 3, 10), "purpose_category": "x"},
            existing_applicant_id=stranger.pk,
        )
    assert not Dossier.objects.exists()


def test_someone_else_cannot_take_a_request_already_taken(
    client_for, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    request_take(actor=referent, membership=membership_of(referent), request_id=contact_request.pk)
    # A second click of the same person changes nothing.
    request_take(actor=referent, membership=membership_of(referent), request_id=contact_request.pk)
    agent_client = client_for(Role.AGENT)
    response = agent_client.post(detail_url(contact_request, "take"), follow=True)
    assert "Cette demande est déjà prise en charge par Referent." in response.content.decode()
    contact_request.refresh_from_db()
    assert contact_request.handled_by == referent
    assert AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_REQUEST_TAKEN).count() == 1


def test_an_agent_may_turn_a_request_taken_by_a_colleague_into_a_dossier(
    client_for, referent, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    request_take(actor=referent, membership=membership_of(referent), request_id=contact_request.pk)
    agent_client = client_for(Role.AGENT)
    form = agent_client.get(detail_url(contact_request, "convert")).context["form"]
    assert "referent" not in form.initial  # an agent names the référent
    response = agent_client.post(
        detail_url(contact_request, "convert"), applicant_data(referent=str(referent.pk))
    )
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.pk])
    assert dossier.referent == referent
    assert dossier.created_by == agent_client.user


# --- New or taken → closed -----------------------------------------------------------------


@pytest.mark.parametrize("taken", [False, True])
def test_a_request_is_closed_with_its_reason(
    referent_client, referent, saint_etienne, taken
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    if taken:
        request_take(
            actor=referent, membership=membership_of(referent), request_id=contact_request.pk
        )
    response = referent_client.post(
        detail_url(contact_request, "close"), {"reason": "  La personne a trouvé une solution.  "}
    )
    assert response["Location"] == detail_url(contact_request)
    contact_request.refresh_from_db()
    assert contact_request.handling.status == RequestStatus.CLOSED
    assert contact_request.handling.closed_reason == "La personne a trouvé une solution."
    assert contact_request.status == ContactRequestStatus.CLOSED
    event = AuditEvent.objects.get(action=AuditAction.FOLLOWUP_REQUEST_CLOSED)
    assert event.reason == "La personne a trouvé une solution."
    assert event.new_values == {"state": "closed", "status": "closed"}
    page = referent_client.get(detail_url(contact_request)).content.decode()
    assert "La personne a trouvé une solution." in page
    assert TAKE_BUTTON not in page and "Transformer en dossier" not in page
    # Closed is final: a second closing, a taking, a conversion are refused.
    response = referent_client.post(
        detail_url(contact_request, "close"), {"reason": "Encore"}, follow=True
    )
    assert "Cette demande est close : elle ne change plus." in response.content.decode()
    response = referent_client.post(detail_url(contact_request, "take"), follow=True)
    assert "Cette demande est close : elle ne change plus." in response.content.decode()
    response = referent_client.get(detail_url(contact_request, "convert"), follow=True)
    assert "Cette demande est close." in response.content.decode()
    contact_request.refresh_from_db()
    assert contact_request.handling.closed_reason == "La personne a trouvé une solution."
    assert AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_REQUEST_CLOSED).count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_closing_without_a_reason_is_explained_and_changes_nothing(
    referent_client, referent, saint_etienne, reason
) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne)
    response = referent_client.post(detail_url(contact_request, "close"), {"reason": reason})
    assert response.status_code == 400
    assert "Indiquez le motif de clôture" in response.content.decode()
    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequestStatus.NEW
    assert not RequestHandling.objects.exists()
    assert not AuditEvent.objects.filter(object_type="simulator.contactrequest").exists()
    # The service refuses it too, by field.
    with pytest.raises(Exception, match="Indiquez le motif de clôture"):
        request_close(
            actor=referent,
            membership=membership_of(referent),
            request_id=contact_request.pk,
            reason=reason,
        )
    assert not RequestHandling.objects.exists()


def test_a_request_closed_in_the_admin_before_the_inbox_is_final(referent, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    contact_request = make_request(saint_etienne, status=ContactRequestStatus.CLOSED)
    assert request_state(contact_request) == RequestStatus.CLOSED
    with pytest.raises(Refused):
        request_take(
            actor=referent, membership=membership_of(referent), request_id=contact_request.pk
        )
    assert not RequestHandling.objects.exists()


def test_a_request_marked_contacted_in_the_admin_is_being_handled_by_that_person(
    referent, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    colleague = make_user(Role.AGENT)
    contact_request = make_request(
        saint_etienne, status=ContactRequestStatus.CONTACTED, handled_by=colleague
    )
    assert request_state(contact_request) == RequestStatus.IN_PROGRESS
    membership = membership_of(referent)
    with pytest.raises(Refused, match="déjà prise en charge par Agent"):
        request_take(actor=referent, membership=membership, request_id=contact_request.pk)
    # The colleague's second click changes nothing; anyone of the CCAS may close it.
    request_take(
        actor=colleague, membership=membership_of(colleague), request_id=contact_request.pk
    )
    assert not RequestHandling.objects.exists()
    request_close(
        actor=referent, membership=membership, request_id=contact_request.pk, reason="Rappelée"
    )
    handling = RequestHandling.objects.get()
    assert (handling.status, handling.handled_by) == (RequestStatus.CLOSED, referent)
