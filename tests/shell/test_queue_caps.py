"""A home's queue counts up to QUEUE_COUNT_CAP: past it the card says « plus de … » (the lists
count them all), and the count's query stops there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.shell import selectors
from microcredit.shell.selectors import QUEUE_SIZE, Queue, counted
from tests.factories import bulk_contact_requests

pytestmark = pytest.mark.django_db

CAP = QUEUE_SIZE + 2  # small enough to pass in a test


@pytest.fixture
def cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", CAP)
    return CAP


def requests_card(body: str) -> str:
    start = body.index("Demandes du public à traiter")
    return body[start : body.index("</article>", start)]


def test_counted_stops_at_the_cap(cap: int) -> None:
    assert counted([], cap) == Queue([], cap, False)
    assert counted([], cap + 1) == Queue([], cap, True)
    assert counted([], 3, cap - 3) == Queue([], cap, False)
    assert counted([], 3, cap - 2) == Queue([], cap, True)  # the parts add up past it


def test_a_queue_at_the_cap_shows_its_number(client_for, saint_etienne, cap: int) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.AGENT)
    bulk_contact_requests(saint_etienne, cap)
    card = requests_card(client.get(reverse("shell:home")).content.decode())
    assert f'<p class="figure">{cap}</p>' in card
    assert f"Et {cap - QUEUE_SIZE} autres." in card
    assert "plus de" not in card


def test_a_queue_past_the_cap_says_more_than(client_for, saint_etienne, cap: int) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.AGENT)
    bulk_contact_requests(saint_etienne, cap + 1)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("shell:home")).content.decode()
    card = requests_card(body)
    assert f'<p class="figure">plus de {cap}</p>' in card
    assert f"Et plus de {cap - QUEUE_SIZE} autres." in card
    # The count of the requests stops one past the cap, in the database.
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(*)" in q["sql"] and "simulator_contactrequest" in q["sql"]
    ]
    assert counts and all(f"LIMIT {cap + 1}" in sql for sql in counts), counts
