"""The API's access log: every read of personal data and every write's answer is logged, once per
dossier shown, at a query cost that does not grow with the page size."""

from __future__ import annotations

import pytest
from django.utils import timezone

from microcredit.core.models import AccessLog
from tests.api.helpers import ACCEPT, assert_error, offer_form
from tests.factories import make_granted_dossier, make_loan, make_transmitted_dossier

pytestmark = pytest.mark.django_db


def test_every_read_of_personal_data_is_in_the_access_log(api, api_b, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    dossier = make_loan(created_by=referent, adviser=adviser).dossier
    other = make_transmitted_dossier(created_by=referent)
    number = dossier.number
    api.get("/api/v1/dossiers")
    api.get(f"/api/v1/dossiers/{number}")
    api.get(f"/api/v1/dossiers/{number}/schedule")
    logs = list(
        AccessLog.objects.order_by("id").values_list("user", "action", "object_type", "object_id")
    )
    # One row per dossier the list shows (newest first), then the dossier and its schedule.
    assert logs == [
        (adviser.pk, "api_dossier_list", "dossiers.dossier", str(other.pk)),
        (adviser.pk, "api_dossier_list", "dossiers.dossier", str(dossier.pk)),
        (adviser.pk, "api_dossier_detail", "dossiers.dossier", str(dossier.pk)),
        (adviser.pk, "api_dossier_schedule", "dossiers.dossier", str(dossier.pk)),
    ]
    # Refused or invisible: nothing shown, nothing logged.
    assert_error(api_b.get(f"/api/v1/dossiers/{number}"), 404)
    # (Another decision than the one recorded: the same one would be an idempotent 200, #18.)
    other_decision = {**ACCEPT, "amount": "1100.00"}
    assert_error(api.post(f"/api/v1/dossiers/{number}/decision", other_decision), 409)
    assert AccessLog.objects.count() == 4


def test_the_answers_of_the_writes_are_in_the_access_log(api, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    refused = make_transmitted_dossier(created_by=referent)
    granted = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    today = timezone.localdate().isoformat()
    AccessLog.objects.all().delete()
    calls = [
        (
            "api_dossier_decision",
            refused,
            f"/api/v1/dossiers/{refused.number}/decision",
            {"outcome": "refused", "refusal_reason": "other", "refusal_text": "Non."},
        ),
        ("api_dossier_offer", granted, f"/api/v1/dossiers/{granted.number}/offer", None),
        (
            "api_dossier_disbursement",
            granted,
            f"/api/v1/dossiers/{granted.number}/disbursement",
            {"cheque_number": "123", "date": today, "amount": f"{granted.requested_amount}"},
        ),
    ]
    for action, dossier, url, data in calls:
        response = api.post_form(url, offer_form()) if data is None else api.post(url, data)
        assert response.status_code == 200, response.content
        assert response.json()["applicant"]["last_name"] == dossier.applicant.last_name
        log = AccessLog.objects.order_by("id").last()
        assert log is not None
        assert (log.user_id, log.action, log.object_id) == (adviser.pk, action, str(dossier.pk))
    assert AccessLog.objects.count() == 3


def test_the_lists_access_log_costs_as_many_queries_whatever_the_page_size(  # type: ignore[no-untyped-def]
    api, referent, count_queries
) -> None:
    for _ in range(4):
        make_transmitted_dossier(created_by=referent)
    api.get("/api/v1/dossiers")  # the token's first use is written once
    one = count_queries(lambda: api.get("/api/v1/dossiers", page_size=1))
    four = count_queries(lambda: api.get("/api/v1/dossiers", page_size=4))
    assert one == four
    assert AccessLog.objects.filter(action="api_dossier_list").count() == 4 + 1 + 4
