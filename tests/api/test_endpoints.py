"""The API's operations: visibility (404 everywhere outside the bank's transmitted dossiers), a
full flow from decision to repayments, idempotent batches, errors as {code, message}."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import loan_engine
from loan_engine import loan_terms
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.models import AccessLog
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Incident, Loan, Repayment
from microcredit.loans.services import MAX_BATCH
from tests.factories import (
    make_dossier,
    make_granted_dossier,
    make_loan,
    make_transmitted_dossier,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"code", "message", "errors"}
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def offer_form() -> dict[str, Any]:
    return {
        "signed_on": timezone.localdate().isoformat(),
        "file": SimpleUploadedFile("offre.pdf", pdf_bytes("offre-api"), "application/pdf"),
    }


ACCEPT = {"outcome": "accepted", "amount": "1200.00", "months": 24}


def every_operation(number: str, api) -> list[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    today = timezone.localdate().isoformat()
    return [
        ("detail", lambda: api.get(f"/api/v1/dossiers/{number}")),
        ("schedule", lambda: api.get(f"/api/v1/dossiers/{number}/schedule")),
        ("decision", lambda: api.post(f"/api/v1/dossiers/{number}/decision", ACCEPT)),
        (
            "refusal",
            lambda: api.post(
                f"/api/v1/dossiers/{number}/decision",
                {"outcome": "refused", "refusal_reason": "other", "refusal_text": "Non."},
            ),
        ),
        ("offer", lambda: api.post_form(f"/api/v1/dossiers/{number}/offer", offer_form())),
        (
            "disbursement",
            lambda: api.post(
                f"/api/v1/dossiers/{number}/disbursement",
                {"cheque_number": "123", "date": today, "amount": "1200.00"},
            ),
        ),
        (
            "repayments",
            lambda: api.post(
                "/api/v1/repayments",
                {
                    "repayments": [
                        {
                            "reference": "R-1",
                            "dossier_number": number,
                            "date": today,
                            "amount": "10",
                        }
                    ]
                },
            ),
        ),
        (
            "incident",
            lambda: api.post(
                "/api/v1/incidents",
                {
                    "reference": "I-1",
                    "dossier_number": number,
                    "kind": "missed_installment",
                    "date": today,
                },
            ),
        ),
    ]


def snapshot() -> tuple[Any, ...]:
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "state")),
        BankDecision.objects.count(),
        Disbursement.objects.count(),
        Loan.objects.count(),
        Repayment.objects.count(),
        Incident.objects.count(),
    )


def test_another_banks_dossier_is_404_everywhere_and_nothing_changes(  # type: ignore[no-untyped-def]
    api_b, referent, adviser
) -> None:
    transmitted = make_transmitted_dossier(created_by=referent)
    disbursed = make_loan(created_by=referent, adviser=adviser).dossier
    before = snapshot()
    for dossier in (transmitted, disbursed):
        for name, call in every_operation(dossier.number, api_b):
            body = assert_error(call(), 404)
            assert body["code"] in {"not_found", "unknown_dossier"}, name
    assert snapshot() == before
    assert api_b.get("/api/v1/dossiers").json()["count"] == 0


def test_a_dossier_not_transmitted_is_404_like_an_unknown_one(api, referent) -> None:  # type: ignore[no-untyped-def]
    waiting = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    before = snapshot()
    for number in (waiting.number, "MC-1999-99999"):
        for _name, call in every_operation(number, api):
            assert_error(call(), 404)
    assert snapshot() == before
    assert api.get("/api/v1/dossiers").json()["count"] == 0


def test_full_flow_through_the_api(api, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    base = f"/api/v1/dossiers/{dossier.number}"
    today = timezone.localdate()

    response = api.post(
        f"{base}/decision",
        {"outcome": "accepted", "amount": "1000.00", "months": 20, "deferral_kind": "none"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "granted"
    assert body["decision"]["amount"] == "1000.00" and body["decision"]["months"] == 20
    assert Decimal(body["decision"]["apr_percent"]) > 0

    assert_error(api.post(f"{base}/decision", ACCEPT), 409, "transition_refused")
    # No disbursement before the signed offer.
    disbursement = {"cheque_number": "0004512", "date": today.isoformat(), "amount": "1000.00"}
    assert_error(api.post(f"{base}/disbursement", disbursement), 409)
    assert not Loan.objects.exists()

    response = api.post_form(f"{base}/offer", offer_form())
    assert response.status_code == 200, response.content
    assert response.json()["decision"]["offer_signed_on"] == today.isoformat()

    response = api.post(f"{base}/disbursement", disbursement)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "disbursed"
    loan = Loan.objects.get(dossier=dossier)
    assert body["loan"]["loan_id"] == loan.pk and body["loan"]["cheque_number"] == "0004512"

    schedule = api.get(f"{base}/schedule").json()
    expected = loan_engine.build_schedule(
        loan_terms(
            principal=Decimal("1000.00"),
            rate_percent=loan.nominal_rate_percent,
            months=20,
            deferral_months=0,
            deferral_kind="none",
            disbursement_date=today,
        )
    )
    assert [
        (line["due_date"], line["payment"], line["interest"], line["principal"], line["balance"])
        for line in schedule["lines"]
    ] == [
        (
            row.due_date.isoformat(),
            f"{row.payment:.2f}",
            f"{row.interest:.2f}",
            f"{row.principal:.2f}",
            f"{row.balance:.2f}",
        )
        for row in expected.rows
    ]
    assert body["loan"]["installment"] == f"{expected.installment:.2f}"

    batch = {
        "repayments": [
            {
                "reference": "VIR-1",
                "dossier_number": dossier.number,
                "date": today.isoformat(),
                "amount": body["loan"]["installment"],
            },
            {
                "reference": "VIR-2",
                "dossier_number": dossier.number,
                "date": today.isoformat(),
                "amount": "10.00",
                "early_repayment": False,
            },
        ]
    }
    first = api.post("/api/v1/repayments", batch)
    assert first.status_code == 200, first.content
    assert first.json()["recorded"] == 2 and first.json()["already_recorded"] == 0
    assert [i["status"] for i in first.json()["items"]] == ["recorded", "recorded"]
    assert Repayment.objects.filter(loan=loan, via="api").count() == 2

    incident = {
        "reference": "INC-1",
        "dossier_number": dossier.number,
        "kind": "rejected_payment",
        "date": today.isoformat(),
        "amount": "10.00",
    }
    response = api.post("/api/v1/incidents", incident)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "recorded"
    assert api.post("/api/v1/incidents", incident).json()["status"] == "already_recorded"
    assert Incident.objects.filter(loan=loan).count() == 1


def test_refusal_through_the_api(api, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    body = assert_error(api.post(url, {"outcome": "refused"}), 422, "required")
    assert "refusal_reason" in body["errors"]
    response = api.post(
        url,
        {
            "outcome": "refused",
            "refusal_reason": "repayment_capacity",
            "refusal_text": "Reste à vivre.",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "refused_by_bank"
    assert response.json()["decision"]["refusal_reason"] == "repayment_capacity"


def line(loan: Loan, reference: str, amount: str = "50.00") -> dict[str, Any]:
    return {
        "reference": reference,
        "dossier_number": loan.dossier.number,
        "date": timezone.localdate().isoformat(),
        "amount": amount,
    }


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


def test_schedule_of_a_dossier_without_loan_is_409(api, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    assert_error(api.get(f"/api/v1/dossiers/{dossier.number}/schedule"), 409, "no_loan")


def test_other_methods_are_405_json(api) -> None:  # type: ignore[no-untyped-def]
    response = api.client.delete("/api/v1/repayments", headers=api.headers)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_list_filters_paginates_and_its_queries_do_not_grow(  # type: ignore[no-untyped-def]
    api, referent, adviser, count_queries
) -> None:
    make_loan(created_by=referent, adviser=adviser)
    for _ in range(3):
        make_transmitted_dossier(created_by=referent)
    make_dossier(created_by=referent, state=DossierState.INSTRUCTION)
    body = api.get("/api/v1/dossiers").json()
    assert body["count"] == 4 and len(body["items"]) == 4
    waiting = api.get("/api/v1/dossiers", state="transmitted_to_bank").json()
    assert waiting["count"] == 3
    assert {d["state"] for d in waiting["items"]} == {"transmitted_to_bank"}
    page = api.get("/api/v1/dossiers", page=2, page_size=3).json()
    assert (page["count"], page["pages"], len(page["items"])) == (4, 2, 1)
    assert api.get("/api/v1/dossiers", page=9).json()["items"] == []
    few = count_queries(lambda: api.get("/api/v1/dossiers"))
    for _ in range(3):
        make_loan(created_by=referent, adviser=adviser)
    assert count_queries(lambda: api.get("/api/v1/dossiers")) == few


def test_schema_and_docs_page(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["BankAdviserToken"]["scheme"] == "bearer"
    operations = [(m, p) for p, ms in schema["paths"].items() for m in ms]
    assert len(operations) == 8
    for path, methods in schema["paths"].items():
        for op in methods.values():
            assert {"200", "401", "404", "422"} <= set(op["responses"]), path
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    for method, path in operations:
        assert f"{method.upper()} {path}" in html
    assert "curl -X POST" in html and "Authorization: Bearer" in html
    assert "cdn" not in html.lower() and "swagger" not in html.lower()
    assert "<script" not in html.split("</head>")[1]


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
    assert_error(api.post(f"/api/v1/dossiers/{number}/decision", ACCEPT), 409)
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


def test_a_change_of_payee_through_the_api_needs_its_siret_and_never_the_borrower(
    api, referent, adviser
) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_granted_dossier

    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    url = f"/api/v1/dossiers/{dossier.number}/disbursement"
    cheque = {
        "cheque_number": "0004513",
        "date": timezone.localdate().isoformat(),
        "amount": f"{dossier.requested_amount}",
        "payee_name": "Garage du Furan",
        "payee_change_reason": "L'auto-école a fermé ; devis du garage joint au dossier.",
    }
    body = assert_error(api.post(url, cheque), 422)
    assert "payee_siret" in body["errors"]
    applicant = dossier.applicant
    borrower = {**cheque, "payee_name": applicant.full_name, "payee_siret": "732 829 320 00074"}
    assert_error(api.post(url, borrower), 422)
    assert not Disbursement.objects.exists()
    response = api.post(url, {**cheque, "payee_siret": "732 829 320 00074"})
    assert response.status_code == 200, response.content
    disbursement = Disbursement.objects.get(dossier=dossier)
    assert (disbursement.payee_name, disbursement.payee_siret) == (
        "Garage du Furan",
        "73282932000074",
    )
    assert disbursement.payee_changed and Loan.objects.filter(dossier=dossier).exists()


@pytest.mark.parametrize("filename", ["../../etc/offre.pdf", "C:\\Users\\x\\offre.pdf"])
def test_an_offer_file_sent_with_a_path_is_refused_and_nothing_is_stored(
    api, referent, adviser, filename
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.documents.models import Document
    from tests.factories import make_granted_dossier

    dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    documents = Document.objects.count()
    boundary = "offre-limite"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="signed_on"\r\n\r\n'
            f"{timezone.localdate().isoformat()}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf_bytes("offre")
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = api.client.post(
        f"/api/v1/dossiers/{dossier.number}/offer",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=api.headers,
    )
    body_json = assert_error(response, 422)
    assert "file" in body_json["errors"] and "chemin" in body_json["errors"]["file"][0]
    assert Document.objects.count() == documents
    assert BankDecision.objects.get(dossier=dossier).offer_signed_on is None
