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
from microcredit.simulator.models import ContactRequest

pytestmark = pytest.mark.django_db


def test_the_inbox_at_10_and_1000_requests(client_for: Any, saint_etienne: Any) -> None:
    client = client_for(Role.AGENT)
    url = reverse("followup:requests")

    def add(count: int) -> None:
        ContactRequest.objects.bulk_create(
            ContactRequest(
                organisation=saint_etienne,
                first_name=f"Camille{k}",
                last_name="Demandeuse",
                phone="06 00 00 00 00",
                consent=True,
                client_fingerprint="test",
                status=ContactRequestStatus.NEW if k % 2 else ContactRequestStatus.CONTACTED,
            )
            for k in range(count)
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
