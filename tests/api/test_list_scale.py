"""The API's dossier list at scale (#19): the same number of queries at 10 and at 1,000
transmitted dossiers, never more items than the page size, the latest transmitted first."""

from __future__ import annotations

import pytest
from django.utils import timezone

from microcredit.accounts.models import Membership
from microcredit.api.base import PAGE_SIZE
from microcredit.api.models import ApiToken
from microcredit.dossiers.enums import DossierState
from tests.factories import bulk_dossiers

URL = "/api/v1/dossiers"


@pytest.mark.django_db
def test_the_api_list_makes_as_many_queries_at_10_as_at_1000_dossiers(
    api, adviser, referent, count_queries
) -> None:  # type: ignore[no-untyped-def]
    bank = Membership.objects.get(user=adviser).organisation
    calls = {
        "default": {},
        "page 2": {"page": 2, "page_size": 5},
        "larger page": {"page_size": 100},
        "state": {"state": DossierState.TRANSMITTED_TO_BANK},
        "updated": {"order": "updated", "updated_since": "2000-01-01T00:00:00+00:00"},
    }
    counts: dict[int, dict[str, int]] = {}
    for total in (10, 1000):
        bulk_dossiers(
            referent,
            total,
            bank=bank,
            states=(DossierState.TRANSMITTED_TO_BANK, DossierState.GRANTED),
        )
        for name, params in calls.items():
            response = api.get(URL, **params)
            assert response.status_code == 200, (name, response.content)
            items = response.json()["items"]
            assert 0 < len(items) <= params.get("page_size", PAGE_SIZE), name
        # The token's last use is written at most once a minute: not during the count.
        ApiToken.objects.update(last_used_at=timezone.now())
        counts[total] = {
            name: count_queries(lambda params=params: api.get(URL, **params))  # type: ignore[misc]
            for name, params in calls.items()
        }
    assert counts[10] == counts[1000], counts
    body = api.get(URL).json()
    assert body["count"] == 1000 and len(body["items"]) == PAGE_SIZE
    transmitted = [item["transmitted_at"] for item in body["items"]]
    assert transmitted == sorted(transmitted, reverse=True)
