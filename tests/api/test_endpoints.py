"""The API's operations: visibility (404 everywhere outside the bank's transmitted dossiers), a
full flow from decision to repayments, a refusal, the list, the schema and its docs page, a
change of payee and an offer file sent with a path. Repayment batches are in
test_repayment_batches.py, the access log in test_access_log.py, the error answers in
test_errors.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

import loan_engine
from loan_engine import loan_terms
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Incident, Loan, Repayment
from tests.api.helpers import ACCEPT, assert_error, offer_form
from tests.factories import make_dossier, make_loan, make_transmitted_dossier, pdf_bytes

pytestmark = pytest.mark.django_db


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
    # The 8 of the bank's first journey, the payoff and the servicing operations (#12).
    assert len(operations) == len(set(operations)) >= 9
    assert ("get", "/api/v1/dossiers/{number}/payoff") in operations
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
