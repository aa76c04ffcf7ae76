"""API test helpers: the checks every error answer passes ({code, message, errors} in JSON), the
signed offer's form, an acceptance, a repayment line of a loan."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from microcredit.loans.models import Loan
from tests.factories import pdf_bytes


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


def line(loan: Loan, reference: str, amount: str = "50.00") -> dict[str, Any]:
    return {
        "reference": reference,
        "dossier_number": loan.dossier.number,
        "date": timezone.localdate().isoformat(),
        "amount": amount,
    }
