"""The data-protection pages at 10 and at 1,000 rows (issue #19): the read log, the people
found and a person's page make the same queries, and a list shows one page of rows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.privacy import selectors_access_log
from microcredit.privacy.selectors import PEOPLE_PAGE_SIZE
from microcredit.privacy.selectors_access_log import PAGE_SIZE
from tests.factories import make_applicant, make_dossier

pytestmark = pytest.mark.django_db


def _queries(client: Any, method: str, url: str, data: Any = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, data, follow=True)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_read_log_and_a_person_s_page_at_10_and_1000_reads(
    client_for: Any, make_user: Any, monkeypatch: Any
) -> None:
    referent = make_user(Role.REFERENT, username="referente")
    dossier = make_dossier(created_by=referent)
    client = client_for(Role.DPO)
    log_url = reverse("privacy:access_log")
    person_url = reverse("privacy:person", args=[dossier.applicant_id])

    def add(count: int) -> None:
        AccessLog.objects.bulk_create(
            AccessLog(
                user=referent,
                action=AccessAction.DOSSIER_DETAIL,
                object_type="dossiers.dossier",
                object_id=str(dossier.pk),
                detail=f"d{k}",
            )
            for k in range(count)
        )

    add(10)
    small = [_queries(client, "get", url)[0] for url in (log_url, person_url)]
    add(990)
    large = [_queries(client, "get", url)[0] for url in (log_url, person_url)]
    assert large == small
    html = _queries(client, "get", log_url)[1]
    assert html.count("<tr>") == PAGE_SIZE + 1  # the header's row and a page of reads
    pages = re.search(r"consultations — page 1 sur (\d+)", html)
    assert pages is not None and int(pages[1]) >= 20  # a thousand reads and the DPO's own
    # The log counts and pages through its latest reads only.
    monkeypatch.setattr(selectors_access_log, "COUNTED_READS", 200)
    html = _queries(client, "get", log_url, {"page": 9})[1]
    assert "page 4 sur les 4 plus récentes" in html
    assert html.count("<tr>") == PAGE_SIZE + 1


def test_the_people_found_at_10_and_1000_people(
    client_for: Any, make_user: Any, saint_etienne: Any
) -> None:
    creator = make_user(Role.AGENT, username="agent-rights")
    client = client_for(Role.DPO)
    model = make_applicant(organisation=saint_etienne, created_by=creator, last_name="Durand")

    def add(count: int) -> None:
        people = []
        for k in range(count):
            person = Applicant(
                **{f.attname: getattr(model, f.attname) for f in Applicant._meta.concrete_fields}
            )
            person.pk = None
            person.first_name = f"Camille{k}"
            person.search_name = search_name("Durand", person.first_name)
            people.append(person)
        Applicant.objects.bulk_create(people)

    url = reverse("privacy:people")
    add(9)
    _queries(client, "post", url, {"q": "Durand"})  # the terms kept (a first search writes them)
    small, _ = _queries(client, "post", url, {"q": "Durand"})
    add(990)
    large, html = _queries(client, "post", url, {"q": "Durand"})
    assert large == small
    assert html.count("<tr>") <= PEOPLE_PAGE_SIZE + 1
    assert "page=2" in html
