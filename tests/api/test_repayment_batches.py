"""The API's repayment batches: idempotent (the same batch twice records each repayment once),
the service's size limit, a line repeated in a batch, a conflicting reference records nothing;
invalid input is answered 422 in French."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from microcredit.loans.models import Repayment
from microcredit.loans.services import MAX_BATCH
from tests.api.helpers import assert_error, line

pytestmark = pytest.mark.django_db


def test_the_same_batch_twice_records_each_repayment_once(api, loan) -> None:  # type: ignore[no-untyped-def]
    batch = {"repayments": [line(loan, f"VIR-{n}") for n in range(1, 6)]}
    first = api.post("/api/v1/repayments", batch).json()
    assert (first["recorded"], first["already_recorded"]) == (5, 0)
    second = api.post("/api/v1/repayments", batch)
    assert second.status_code == 200
    assert (second.json()["recorded"], second.json()["already_recorded"]) == (0, 5)
    assert {i["status"] for i in second.json()["items"]} == {"already_recorded"}
    assert Repayment.objects.count() == 5


def test_a_batch_of_the_services_limit_is_taken_one_line_more_is_422(api, loan, client) -> None:  # type: ignore[no-untyped-def]
    # The schema promises the service's limit, no more.
    schema = client.get("/api/v1/openapi.json").json()
    lines = schema["components"]["schemas"]["RepaymentBatchIn"]["properties"]["repayments"]
    assert lines["maxItems"] == MAX_BATCH
    description = schema["paths"]["/api/v1/repayments"]["post"]["description"]
    assert f"Au plus {MAX_BATCH} remboursements par lot" in description

    full = {"repayments": [line(loan, f"VIR-{n}", amount="0.01") for n in range(MAX_BATCH)]}
    response = api.post("/api/v1/repayments", full)
    assert response.status_code == 200, response.content[:500]
    assert response.json()["recorded"] == MAX_BATCH
    over = {"repayments": [line(loan, f"VIR-X{n}", amount="0.01") for n in range(MAX_BATCH + 1)]}
    body = assert_error(api.post("/api/v1/repayments", over), 422, "invalid_input")
    assert list(body["errors"]) == ["repayments"], body
    assert Repayment.objects.count() == MAX_BATCH


def test_a_line_repeated_in_a_batch_is_counted_as_a_duplicate(api, loan) -> None:  # type: ignore[no-untyped-def]
    batch = {"repayments": [line(loan, "VIR-1"), line(loan, "VIR-2"), line(loan, "VIR-1")]}
    for already in (False, True):
        body = api.post("/api/v1/repayments", batch).json()
        statuses = [i["status"] for i in body["items"]]
        first = "already_recorded" if already else "recorded"
        assert statuses == [first, first, "duplicate_in_batch"], body
        # The items add up to the counts.
        for status in ("recorded", "already_recorded", "duplicate_in_batch"):
            assert body[status] == statuses.count(status), (status, body)
    assert sorted(Repayment.objects.values_list("reference", flat=True)) == ["VIR-1", "VIR-2"]


def test_a_conflicting_reference_records_nothing_from_the_batch(api, loan) -> None:  # type: ignore[no-untyped-def]
    api.post("/api/v1/repayments", {"repayments": [line(loan, "VIR-1")]})
    batch = {"repayments": [line(loan, "VIR-NEW"), line(loan, "VIR-1", amount="51.00")]}
    body = assert_error(api.post("/api/v1/repayments", batch), 409, "reference_conflict")
    assert "repayments.1" in body["errors"]
    assert list(Repayment.objects.values_list("reference", flat=True)) == ["VIR-1"]


def test_invalid_input_is_422_in_french(api, loan) -> None:  # type: ignore[no-untyped-def]
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    batch = {"repayments": [{**line(loan, "VIR-F"), "date": future}]}
    body = assert_error(api.post("/api/v1/repayments", batch), 422, "future_date")
    assert "repayments.0" in body["errors"]
    body = assert_error(
        api.post("/api/v1/repayments", {"repayments": [{"reference": "x", "amount": "-1"}]}),
        422,
        "invalid_input",
    )
    assert body["errors"]["repayments.0.dossier_number"] == ["Ce champ est obligatoire."]
    assert body["errors"]["repayments.0.amount"] == ["La valeur doit être supérieur à 0."]
    body = assert_error(api.post("/api/v1/repayments", {"repayments": []}), 422, "invalid_input")
    assert "repayments" in body["errors"]
    too_many = {"repayments": [line(loan, f"V{n}") for n in range(1001)]}
    assert_error(api.post("/api/v1/repayments", too_many), 422, "invalid_input")
    assert_error(
        api.client.post(
            "/api/v1/repayments",
            "{pas du json",
            content_type="application/json",
            headers=api.headers,
        ),
        422,
        "malformed_body",
    )
    assert_error(api.get("/api/v1/dossiers", page=0), 422, "invalid_input")
    assert_error(api.get("/api/v1/dossiers", state="inconnu"), 422, "invalid_input")
    assert_error(api.get(f"/api/v1/dossiers/{'x' * 30}"), 422, "invalid_input")
    assert not Repayment.objects.exists()
