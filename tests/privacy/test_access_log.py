"""The read log, visible (#17, point 4): the director and the data-protection officer read their
organisation's users' reads, filtered by who, dossier, person, dates and kind of read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.core.services import access_log_create
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier
from microcredit.privacy.selectors_access_log import ACTION_LABELS, PAGE_SIZE
from tests.factories import make_dossier

pytestmark = pytest.mark.django_db
URL = reverse("privacy:access_log")
PARIS = ZoneInfo("Europe/Paris")


def read(user: User, action: AccessAction, obj: Any = None, detail: str = "") -> AccessLog:
    return access_log_create(user=user, action=action, obj=obj, detail=detail)


def dated(log: AccessLog, at: datetime) -> None:
    # `at` is set on creation; a row of the test's own transaction may still be dated (on
    # PostgreSQL the append-only trigger seals a row once its transaction has committed).
    AccessLog.objects.filter(pk=log.pk).update(at=at)


def shown(client: Any, **params: Any) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.fixture
def staff(make_user):  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT, username="referente")
    agent = make_user(Role.AGENT, username="agent-accueil")
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    return referent, agent, adviser


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.DPO])
def test_the_director_and_the_dpo_read_the_log(client_for, role) -> None:  # type: ignore[no-untyped-def]
    client = client_for(role)
    html = shown(client)
    assert "Journal des consultations" in html
    # Reading the log is itself a read.
    assert AccessLog.objects.filter(user=client.user, action=AccessAction.ACCESS_LOG).count() == 1


@pytest.mark.parametrize(
    "role", [Role.REFERENT, Role.AGENT, Role.ADMIN, Role.COMMITTEE_MEMBER, Role.BANK_ADVISER]
)
def test_other_roles_are_refused(client_for, role) -> None:  # type: ignore[no-untyped-def]
    assert client_for(role).get(URL).status_code == 403


def test_only_the_organisation_s_users_reads_newest_first_with_french_labels(  # type: ignore[no-untyped-def]
    client_for, staff
) -> None:
    referent, _agent, adviser = staff
    client = client_for(Role.DPO)
    dossier = make_dossier(created_by=referent)
    first = read(referent, AccessAction.DOSSIER_DETAIL, dossier, "lecture-ancienne")
    dated(first, timezone.now() - timedelta(hours=2))
    read(referent, AccessAction.APPLICANT_DETAIL, dossier.applicant, "lecture-recente")
    read(adviser, AccessAction.BANK_DOSSIER_DETAIL, dossier, "lecture-de-la-banque")
    html = shown(client)
    assert "lecture-de-la-banque" not in html  # the bank's adviser is not the CCAS's user
    assert html.index("lecture-recente") < html.index("lecture-ancienne")
    assert "Page du dossier" in html and "Fiche de la personne" in html
    assert dossier.number in html
    assert "<td>dossier_detail</td>" not in html


def test_every_read_has_a_french_label() -> None:
    assert set(AccessAction) <= set(ACTION_LABELS)


def test_filters_who_action_and_dates(client_for, staff) -> None:  # type: ignore[no-untyped-def]
    referent, agent, _adviser = staff
    client = client_for(Role.DIRECTOR)
    dossier = make_dossier(created_by=referent)
    old = read(agent, AccessAction.DOSSIER_LIST, None, "liste-en-janvier")
    dated(old, datetime(2026, 1, 15, 10, 0, tzinfo=PARIS))
    read(referent, AccessAction.DOSSIER_DETAIL, dossier, "dossier-par-la-referente")
    by_agent = shown(client, qui=agent.pk)
    assert "liste-en-janvier" in by_agent and "dossier-par-la-referente" not in by_agent
    by_action = shown(client, action=AccessAction.DOSSIER_DETAIL)
    assert "dossier-par-la-referente" in by_action and "liste-en-janvier" not in by_action
    january = shown(client, du="2026-01-15", au="2026-01-15")
    assert "liste-en-janvier" in january and "dossier-par-la-referente" not in january
    since_february = shown(client, du="2026-02-01")
    assert "liste-en-janvier" not in since_february


def test_the_dossier_and_the_person_filters_find_what_hangs_off_their_dossiers(  # type: ignore[no-untyped-def]
    client_for, staff
) -> None:
    referent, _agent, _adviser = staff
    client = client_for(Role.DPO)
    dossier = make_dossier(created_by=referent, with_documents=True)
    second = make_dossier(created_by=referent, applicant=dossier.applicant)
    other = make_dossier(created_by=referent)
    document = Document.objects.filter(dossier=dossier).first()
    assert document is not None
    read(referent, AccessAction.APPLICANT_DETAIL, dossier.applicant, "fiche-de-la-personne")
    read(referent, AccessAction.DOSSIER_DETAIL, dossier, "premier-dossier")
    read(referent, AccessAction.DOSSIER_DETAIL, second, "second-dossier")
    read(referent, AccessAction.DOCUMENT_DOWNLOAD, document, "piece-du-dossier")
    read(referent, AccessAction.DOSSIER_DETAIL, other, "dossier-d-une-autre-personne")
    by_dossier = shown(client, dossier=dossier.number)
    assert "premier-dossier" in by_dossier and "piece-du-dossier" in by_dossier
    assert "second-dossier" not in by_dossier and "fiche-de-la-personne" not in by_dossier
    by_person = shown(client, personne=dossier.applicant_id)
    for detail in ("fiche-de-la-personne", "premier-dossier", "second-dossier", "piece-du-dossier"):
        assert detail in by_person, detail
    assert "dossier-d-une-autre-personne" not in by_person
    assert "Aucune consultation" in shown(client, dossier="0000-99999")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"du": "2026-03-02", "au": "2026-03-01"}, "La date de fin précède la date de début."),
        ({"personne": "abc"}, "Saisissez un nombre entier."),
        ({"du": "31/02/2026"}, "Saisissez une date valide."),
        ({"qui": "999999"}, "Sélectionnez un choix valide"),
    ],
)
def test_a_refused_filter_says_why_and_shows_nothing(client_for, staff, params, message) -> None:  # type: ignore[no-untyped-def]
    referent, _agent, _adviser = staff
    client = client_for(Role.DPO)
    read(referent, AccessAction.DOSSIER_LIST, None, "une-lecture")
    html = shown(client, **params)
    assert message in html
    assert "une-lecture" not in html
    assert "Corrigez les filtres" in html


def test_pages_of_fifty_and_a_constant_number_of_queries(client_for, staff) -> None:  # type: ignore[no-untyped-def]
    referent, agent, _adviser = staff
    client = client_for(Role.DIRECTOR)

    def add(count: int) -> None:
        dossier = make_dossier(created_by=referent, with_documents=True)
        document = Document.objects.filter(dossier=dossier).first()
        for i in range(count):
            read(referent, AccessAction.DOSSIER_DETAIL, dossier, f"d{i}")
            read(agent, AccessAction.APPLICANT_DETAIL, dossier.applicant, f"a{i}")
            read(agent, AccessAction.DOCUMENT_DOWNLOAD, document, f"p{i}")

    def queries(**params: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    add(2)
    small = queries(), queries(personne=Dossier.objects.first().applicant_id)  # type: ignore[union-attr]
    add(40)
    large = queries(), queries(personne=Dossier.objects.first().applicant_id)  # type: ignore[union-attr]
    assert large == small
    html = shown(client)
    assert html.count("<tr>") == PAGE_SIZE + 1  # the header's row and fifty reads
    assert "page=2" in html
    assert shown(client, page=2).count("<tr>") > 1


def test_the_dpo_s_home_counts_the_week_s_reads_and_leads_to_the_log(client_for, staff) -> None:  # type: ignore[no-untyped-def]
    referent, _agent, adviser = staff
    tech = client_for(Role.ADMIN, username="tech").user
    client = client_for(Role.DPO)
    dossier = make_dossier(created_by=referent)
    read(referent, AccessAction.DOSSIER_DETAIL, dossier)
    read(tech, AccessAction.ADMIN_DETAIL, dossier)
    read(adviser, AccessAction.BANK_DOSSIER_DETAIL, dossier)  # not the CCAS's user
    old = read(referent, AccessAction.DOSSIER_LIST)
    dated(old, timezone.now() - timedelta(days=8))
    html: str = client.get(reverse("shell:home")).content.decode()

    def card(heading_id: str) -> str:
        start = html.index(f'aria-labelledby="{heading_id}"')
        return html[start : html.index("</article>", start)]

    assert '<p class="figure">2</p>' in card("privacy-reads")
    assert '<p class="figure">1</p>' in card("privacy-admin-reads")
    assert '<p class="figure">1</p>' in card("privacy-people")
    assert reverse("privacy:access_log") in card("privacy-reads")
    assert reverse("privacy:people") in card("privacy-people")
