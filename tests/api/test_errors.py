"""Every answer of the API is JSON {code, message, errors}, even where Django would answer HTML
(body too large, unknown address, unexpected exception), with the fields named as the caller
sent them, and a query parameter the operation does not declare is refused."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from microcredit.loans.models import Repayment
from tests.api.helpers import assert_error, line, offer_form
from tests.factories import make_granted_dossier, make_transmitted_dossier, pdf_bytes

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------- 413 too large
def test_a_body_over_the_upload_limit_is_413_json_and_records_nothing(api, loan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    batch = {"repayments": [line(loan, f"VIR-{n}") for n in range(30)]}
    assert len(json.dumps(batch)) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = assert_error(api.post("/api/v1/repayments", batch), 413, "payload_too_large")
    assert "volumineuse" in body["message"]
    assert not Repayment.objects.exists()
    # A multipart form too: the limit counts its fields (not its files).
    form = {**offer_form(), "padding": "x" * 3_000}
    assert_error(
        api.post_form(f"/api/v1/dossiers/{loan.dossier.number}/offer", form),
        413,
        "payload_too_large",
    )


def test_a_broken_multipart_body_is_422_json(api, referent) -> None:  # type: ignore[no-untyped-def]
    number = make_transmitted_dossier(created_by=referent).number
    response = api.client.post(
        f"/api/v1/dossiers/{number}/offer",
        b"pas un formulaire",
        content_type="multipart/form-data",  # no boundary
        headers=api.headers,
    )
    assert_error(response, 422, "malformed_body")


def test_the_schema_documents_413_on_every_operation_with_a_body(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            has_body = "requestBody" in op
            assert ("413" in op["responses"]) == has_body, (method, path)


# -------------------------------------------------------------------------- unknown address
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/"),
        ("get", "/api/v1/inconnu"),
        ("get", "/api/v1/dossiers/"),
        ("get", "/api/v1/dossiers/MC-2026-00001/inconnu"),
        ("post", "/api/v1/dossiers/MC-2026-00001/decision/en/trop"),
        ("delete", "/api/v1/remboursements"),
    ],
)
def test_an_unknown_address_under_the_api_is_a_json_404(api, method, url) -> None:  # type: ignore[no-untyped-def]
    for client, headers in ((api.client, api.headers), (Client(), {})):
        response = getattr(client, method)(url, headers=headers)
        body = assert_error(response, 404, "not_found")
        assert "adresse" in body["message"]


# ------------------------------------------------------------------------- 500 unexpected
def test_an_unexpected_exception_is_a_json_500_logged_with_its_traceback(  # type: ignore[no-untyped-def]
    api, referent, monkeypatch, caplog
) -> None:
    make_transmitted_dossier(created_by=referent)

    def broken(dossier):  # type: ignore[no-untyped-def]
        raise RuntimeError("détail interne à ne pas montrer")

    monkeypatch.setattr("microcredit.api.reads.dossier_out", broken)
    with caplog.at_level(logging.ERROR, logger="microcredit.api"):
        response = api.get("/api/v1/dossiers")
    body = assert_error(response, 500, "internal_error")
    assert body["message"].startswith("Erreur interne du serveur")
    assert "détail" not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "microcredit.api.errors"]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "/api/v1/dossiers" in record.getMessage()


# ---------------------------------------------------------- the caller's names for fields
def test_a_refusal_without_text_names_the_apis_field(api, referent) -> None:  # type: ignore[no-untyped-def]
    number = make_transmitted_dossier(created_by=referent).number
    body = assert_error(
        api.post(
            f"/api/v1/dossiers/{number}/decision",
            {"outcome": "refused", "refusal_reason": "other"},
        ),
        422,
        "required",
    )
    assert set(body["errors"]) == {"refusal_text"}, body
    assert body["errors"]["refusal_text"] == ["Précisez le motif du refus (« autre motif »)."]


def test_a_duplicate_offer_file_names_the_apis_field(api, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    number = make_granted_dossier(created_by=referent, adviser=adviser, offer=False).number
    url = f"/api/v1/dossiers/{number}/offer"
    assert api.post_form(url, offer_form()).status_code == 200
    # The same offer again is a safe retry (200); the same file for another offer is refused.
    assert api.post_form(url, offer_form()).status_code == 200
    other = {
        **offer_form(),
        "file": SimpleUploadedFile("b.pdf", pdf_bytes("autre"), "application/pdf"),
    }
    assert api.post_form(url, other).status_code == 200
    body = assert_error(api.post_form(url, offer_form()), 422, "duplicate_file")
    assert set(body["errors"]) == {"file"}, body


# ------------------------------------------------------------- undeclared query parameters
def test_a_query_parameter_the_operation_does_not_declare_is_422(api, loan) -> None:  # type: ignore[no-untyped-def]
    number = loan.dossier.number
    body = assert_error(
        api.client.get("/api/v1/dossiers?page=1&=null", headers=api.headers),
        422,
        "unknown_parameter",
    )
    assert set(body["errors"]) == {"__all__"}
    body = assert_error(api.get("/api/v1/dossiers", page=1, pgae=2), 422, "unknown_parameter")
    assert body["errors"] == {"pgae": ["Paramètre inconnu."]}
    assert "« pgae »" in body["message"]
    assert_error(api.get(f"/api/v1/dossiers/{number}", state="granted"), 422, "unknown_parameter")
    response = api.client.post(
        "/api/v1/repayments?dry_run=1",
        {"repayments": [line(loan, "VIR-1")]},
        content_type="application/json",
        headers=api.headers,
    )
    assert_error(response, 422, "unknown_parameter")
    assert not Repayment.objects.exists()
    # The declared ones still work.
    ok = api.get("/api/v1/dossiers", state="disbursed", page=1, page_size=10)
    assert ok.status_code == 200 and ok.json()["count"] == 1


# ------------------------------------------------------------------------ the error catalogue
def test_every_code_the_error_module_answers_is_in_the_catalogue_with_its_status() -> None:
    from microcredit.api import errors
    from microcredit.api.catalogue import CATALOGUE, Retry

    for code in errors.CONFLICT_CODES:
        assert CATALOGUE[code].status == 409, code
    for code in errors.NOT_FOUND_CODES:
        assert CATALOGUE[code].status == 404, code
    for status, code in errors.HTTP_CODES.items():
        assert CATALOGUE[code].status == status, code
    for code, spec in CATALOGUE.items():
        assert code.isascii() and code == code.lower(), code
        assert spec.fr and spec.en and isinstance(spec.retry, Retry), code
        assert 400 <= spec.status < 600, code
    assert CATALOGUE["too_many_requests"].retry == Retry.LATER
    assert CATALOGUE["internal_error"].retry == Retry.SAME_KEY


def test_a_code_missing_from_the_catalogue_is_refused_when_strict_and_logged_else(
    settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.api.errors import UnknownErrorCode, error_response

    settings.MICROCREDIT_API_STRICT_CODES = True
    with pytest.raises(UnknownErrorCode):
        error_response(422, "not_in_the_catalogue", "x")
    assert error_response(404, "not_found", "x").status_code == 404
    settings.MICROCREDIT_API_STRICT_CODES = False
    with caplog.at_level(logging.WARNING, logger="microcredit.api.errors"):
        assert error_response(422, "not_in_the_catalogue", "x").status_code == 422
    assert "not_in_the_catalogue" in caplog.text
