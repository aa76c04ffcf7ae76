"""The commission's lists at 10 and at 1,000 rows (issue #19): the session list a page at a
time, the agenda's candidates bounded to AGENDA_CHOICES choices (the others stay valid), a
session's agenda to AGENDA_MAX dossiers; the same number of queries at both sizes."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microcredit.commissions import services
from microcredit.commissions.forms import AGENDA_CHOICES
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.commissions.selectors import SESSION_PAGE_SIZE
from microcredit.commissions.services import AGENDA_MAX
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from tests.factories import make_dossier
from tests.factories import membership_of as membership

pytestmark = pytest.mark.django_db


def clone(dossier: Dossier, count: int, tag: str) -> list[Dossier]:
    """`count` copies of `dossier` (bulk-created), numbered after it."""
    copies = []
    for k in range(count):
        twin = copy.copy(dossier)
        twin.pk = None
        twin.number = f"{dossier.number}-{tag}{k}"
        copies.append(twin)
    return Dossier.objects.bulk_create(copies)


def options(html: str) -> int:
    """The choices of the agenda's « Dossier » list."""
    start = html.index('name="dossier"')
    return html[start : html.index("</select>", start)].count("<option")


def _get(client: Any, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_session_list_shows_a_page_of_past_sessions_whatever_their_number(
    client: Any, people: Any
) -> None:
    organisation_id = membership(people.agent).organisation_id
    today = timezone.localdate()

    def add(count: int, start: int) -> None:
        CommissionSession.objects.bulk_create(
            CommissionSession(
                organisation_id=organisation_id, date=today - timedelta(days=start + k), place="A"
            )
            for k in range(count)
        )

    client.force_login(people.agent)
    url = reverse("commissions:session_list")
    add(10, 1)
    small, _ = _get(client, url)
    add(990, 11)
    large, html = _get(client, url)
    assert large == small
    assert html.count('scope="row"') == SESSION_PAGE_SIZE
    assert "page=2" in html


def test_the_agenda_offers_the_dossiers_ready_longest_and_accepts_any_ready_one(
    client: Any, people: Any
) -> None:
    ready = make_dossier(created_by=people.referent, state=DossierState.READY_FOR_COMMITTEE)
    session = CommissionSession.objects.create(
        organisation_id=ready.organisation_id, date=timezone.localdate(), place="Salle"
    )
    client.force_login(people.agent)
    url = reverse("commissions:session_detail", args=[session.pk])
    clone(ready, 9, "a")
    small, html = _get(client, url)
    assert options(html) == 10 + 1  # and the empty choice
    others = clone(ready, 990, "b")
    large, html = _get(client, url)
    assert large == small
    assert options(html) == AGENDA_CHOICES + 1
    assert "sur 1000" in html
    # The last one, not offered, is still accepted.
    item = services.agenda_item_add(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        dossier_id=others[-1].pk,
    )
    assert item.dossier_id == others[-1].pk


def test_a_built_agenda_stops_at_its_maximum(people: Any) -> None:
    ready = make_dossier(created_by=people.referent, state=DossierState.READY_FOR_COMMITTEE)
    clone(ready, AGENDA_MAX + 4, "c")
    session = CommissionSession.objects.create(
        organisation_id=ready.organisation_id, date=timezone.localdate(), place="Salle"
    )
    agent = membership(people.agent)
    items = services.agenda_build(actor=people.agent, membership=agent, session_id=session.pk)
    assert len(items) == AGENDA_MAX
    assert AgendaItem.objects.filter(session=session).count() == AGENDA_MAX
    assert ready.pk in {item.dossier_id for item in items}  # the longest ready first
    with pytest.raises(ValidationError, match="maximum"):
        services.agenda_build(actor=people.agent, membership=agent, session_id=session.pk)
