"""The inbox at 10 and at 1,000 requests (issue #19): the same queries, one page of rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.followup.selectors.requests import PAGE_SIZE
from microcredit.simulator.enums import ContactRequestStatus
from tests.factories import bulk_contact_requests

pytestmark = pytest.mark.django_db


def test_the_inbox_at_10_and_1000_requests(client_for: Any, saint_etienne: Any) -> None:
    client = client_for(Role.AGENT)
    url = reverse("followup:requests")

    def add(count: int) -> None:
        bulk_contact_requests(
            saint_etienne, count, (ContactRequestStatus.CONTACTED, ContactRequestStatus.NEW)
        )

    def get(**params: Any) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    add(10)
    small = [get()[0], get(etat="a_traiter")[0]]
    add(990)
    large = [get()[0], get(etat="a_traiter")[0]]
    assert large == small
    html = get()[1]
    assert html.count("Camille") == PAGE_SIZE
    assert "page=2" in html
