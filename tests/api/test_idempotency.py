"""Safe retries (#18): `Idempotency-Key` on every write, and a decision, offer or disbursement
identical to the one recorded answering 200 even without a key.

A "timeout" is simulated as the bank's client sees it: the first call runs on the server to the
end, but its answer is lost (`lost()`); the client sends the same request again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.test.client import encode_multipart
from django.utils import timezone

from microcredit.api import v1, writes
from microcredit.api.idempotency import REPLAYED_HEADER
from microcredit.api.models import ApiToken, IdempotencyRecord
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.enums import AuditAction
from microcredit.core.models import AuditEvent
from microcredit.documents.models import Document
from microcredit.dossiers.models import Dossier
from microcredit.loans import services as loan_services
from microcredit.loans.models import Incident, Loan, Repayment
from tests.api.helpers import assert_error, line
from tests.factories import (
    make_api_token,
    make_granted_dossier,
    make_transmitted_dossier,
    pdf_bytes,
)

pytestmark = pytest.mark.django_db


def send(api, url: str, data: Any, key: str | None = None, **extra: str) -> Any:  # type: ignore[no-untyped-def]
    headers = {**api.headers, **extra}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(url, data, content_type="application/json", headers=headers)


def send_form(api, url: str, fields: dict[str, Any], key: str | None, boundary: str) -> Any:  # type: ignore[no-untyped-def]
    """A multipart form with the given boundary (generated clients pick a new one each send)."""
    headers = dict(api.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(
        url,
        encode_multipart(boundary, fields),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=headers,
    )


def lost(response: Any) -> Any:
    """The call ran on the server; the client timed out and never read this answer (returned
    only for the test to compare with the replay)."""
    assert response.status_code < 500, response.content
    return response


def assert_replay(replay: Any, first: Any) -> None:
    assert replay.status_code == first.status_code
    assert replay.content == first.content
    assert replay["Content-Type"] == first["Content-Type"]
    assert replay[REPLAYED_HEADER] == "true"
    assert not first.has_header(REPLAYED_HEADER)


def audits(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def snapshot() -> tuple[Any, ...]:
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "state")),
        list(BankDecision.objects.order_by("pk").values_list("pk", "offer_document_id")),
        Disbursement.objects.count(),
        Loan.objects.count(),
        Repayment.objects.count(),
        Incident.objects.count(),
        Document.objects.count(),
        AuditEvent.objects.count(),
    )


def offer_fields(dossier: Dossier, tag: str = "api") -> dict[str, Any]:
    return {
        "signed_on": timezone.localdate().isoformat(),
        "file": SimpleUploadedFile(
            "offre.pdf", pdf_bytes(f"{tag}-{dossier.pk}"), "application/pdf"
        ),
    }


def disbursement_of(dossier: Dossier, cheque: str = "0004512") -> dict[str, Any]:
    return {
        "cheque_number": cheque,
        "date": timezone.localdate().isoformat(),
        "amount": f"{dossier.bank_decision.amount:.2f}",
    }


# ------------------------------------------------------------------ replays after a timeout
def test_a_decision_replayed_after_a_timeout_is_the_first_answer(api, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    decision = {"outcome": "accepted", "amount": "1000.00", "months": 20}
    first = lost(send(api, url, decision, key="dec-1"))
    assert first.status_code == 200 and first.json()["state"] == "granted"

    replay = send(api, url, decision, key="dec-1")
    assert_replay(replay, first)
    assert BankDecision.objects.filter(dossier=dossier).count() == 1
    assert audits(AuditAction.BANK_DECISION_ACCEPTED) == 1


def test_a_disbursement_replayed_after_a_timeout_creates_one_loan(  # type: ignore[no-untyped-def]
    api, referent, adviser
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    url = f"/api/v1/dossiers/{dossier.number}/disbursement"
    first = lost(send(api, url, disbursement_of(dossier), key="9b1c2f4e-disb"))
    assert first.status_code == 200 and first.json()["state"] == "disbursed"

    before = snapshot()
    replay = send(api, url, disbursement_of(dossier), key="9b1c2f4e-disb")
    assert_replay(replay, first)
    assert snapshot() == before
    assert Loan.objects.filter(dossier=dossier).count() == 1
    assert Disbursement.objects.filter(dossier=dossier).count() == 1
    assert audits(AuditAction.DISBURSEMENT_RECORDED) == 1


def test_an_offer_replayed_with_another_multipart_boundary_is_one_document(  # type: ignore[no-untyped-def]
    api, referent, adviser
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    url = f"/api/v1/dossiers/{dossier.number}/offer"
    first = lost(send_form(api, url, offer_fields(dossier), "offer-1", boundary="first-b0undary"))
    assert first.status_code == 200, first.content
    documents = Document.objects.filter(dossier=dossier).count()

    replay = send_form(api, url, offer_fields(dossier), "offer-1", boundary="another-boundary")
    assert_replay(replay, first)
    assert Document.objects.filter(dossier=dossier).count() == documents
    assert audits(AuditAction.BANK_OFFER_RECORDED) == 1

    # Another file with the same key is another request.
    other = send_form(
        api, url, offer_fields(dossier, tag="other"), "offer-1", boundary="third-boundary"
    )
    assert_error(other, 409, "idempotency_key_reused")
    assert audits(AuditAction.BANK_OFFER_RECORDED) == 1


def test_a_repayment_batch_replayed_is_the_first_answer_not_already_recorded(  # type: ignore[no-untyped-def]
    api, loan
) -> None:
    batch = {"repayments": [line(loan, "VIR-1"), line(loan, "VIR-2", "20.00")]}
    first = lost(send(api, "/api/v1/repayments", batch, key="batch-2026-05-01"))
    assert first.json()["recorded"] == 2

    replay = send(api, "/api/v1/repayments", batch, key="batch-2026-05-01")
    assert_replay(replay, first)
    assert replay.json()["recorded"] == 2 and replay.json()["already_recorded"] == 0
    assert Repayment.objects.filter(loan=loan).count() == 2
    assert audits(AuditAction.REPAYMENT_RECORDED) == 2


def test_the_same_key_with_another_body_is_409_and_nothing_changes(api, loan) -> None:  # type: ignore[no-untyped-def]
    lost(send(api, "/api/v1/repayments", {"repayments": [line(loan, "VIR-1")]}, key="k-1"))
    before = snapshot()
    other = {"repayments": [line(loan, "VIR-1", "60.00")]}
    body = assert_error(send(api, "/api/v1/repayments", other, key="k-1"), 409)
    assert body["code"] == "idempotency_key_reused"
    # Another operation with the key is another request too.
    incident = {
        "reference": "INC-1",
        "dossier_number": loan.dossier.number,
        "kind": "missed_installment",
        "date": timezone.localdate().isoformat(),
    }
    assert_error(send(api, "/api/v1/incidents", incident, key="k-1"), 409, "idempotency_key_reused")
    assert snapshot() == before


def test_a_refusal_422_is_kept_and_replayed(api, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    url = f"/api/v1/dossiers/{dossier.number}/disbursement"
    wrong = {**disbursement_of(dossier), "amount": "1.00"}
    first = lost(send(api, url, wrong, key="wrong-amount"))
    assert_error(first, 422, "amount_mismatch")
    record = IdempotencyRecord.objects.get(key="wrong-amount")
    assert record.status_code == 422

    replay = send(api, url, wrong, key="wrong-amount")
    assert_replay(replay, first)
    # The corrected request needs a new key; with it, it runs.
    assert_error(
        send(api, url, disbursement_of(dossier), key="wrong-amount"), 409, "idempotency_key_reused"
    )
    assert send(api, url, disbursement_of(dossier), key="right-amount").status_code == 200
    assert Loan.objects.filter(dossier=dossier).count() == 1


def test_a_500_is_not_kept_the_retry_runs(api, loan, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    original = loan_services.repayments_record_batch
    calls = []

    def fails_once(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return original(**kwargs)

    monkeypatch.setattr(loan_services, "repayments_record_batch", fails_once)
    batch = {"repayments": [line(loan, "VIR-1")]}
    assert_error(send(api, "/api/v1/repayments", batch, key="k-500"), 500, "internal_error")
    assert not IdempotencyRecord.objects.exists()
    assert not Repayment.objects.exists()

    retry = send(api, "/api/v1/repayments", batch, key="k-500")
    assert retry.status_code == 200, retry.content
    assert not retry.has_header(REPLAYED_HEADER)
    assert retry.json()["recorded"] == 1 and len(calls) == 2
    assert IdempotencyRecord.objects.get(key="k-500").status_code == 200


def test_a_key_in_use_is_409_with_retry_after(api, loan, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same key arrives while the first call runs (sent from inside it: no thread needed)."""
    original = loan_services.repayments_record_batch
    batch = {"repayments": [line(loan, "VIR-1")]}
    seen: list[Any] = []

    def meanwhile(**kwargs: Any) -> Any:
        seen.append(send(api, "/api/v1/repayments", batch, key="busy"))
        return original(**kwargs)

    monkeypatch.setattr(loan_services, "repayments_record_batch", meanwhile)
    first = send(api, "/api/v1/repayments", batch, key="busy")
    assert first.status_code == 200
    (concurrent,) = seen
    assert_error(concurrent, 409, "idempotency_key_in_use")
    assert concurrent["Retry-After"] == "1"
    assert Repayment.objects.count() == 1


def test_a_pending_key_left_by_a_dead_call_expires(api, loan) -> None:  # type: ignore[no-untyped-def]
    batch = {"repayments": [line(loan, "VIR-1")]}
    token = ApiToken.objects.get()
    IdempotencyRecord.objects.create(
        bank=token.bank, key="dead", token=token, method="POST", path="/x", request_hash="0" * 64
    )
    assert_error(send(api, "/api/v1/repayments", batch, key="dead"), 409)
    IdempotencyRecord.objects.filter(key="dead").update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    response = send(api, "/api/v1/repayments", batch, key="dead")
    assert response.status_code == 200 and response.json()["recorded"] == 1


def test_keys_are_per_bank(api, api_b, loan) -> None:  # type: ignore[no-untyped-def]
    batch = {"repayments": [line(loan, "VIR-1")]}
    first = lost(send(api, "/api/v1/repayments", batch, key="shared-key"))
    assert first.status_code == 200
    other_bank = send(api_b, "/api/v1/repayments", batch, key="shared-key")
    assert_error(other_bank, 404, "unknown_dossier")
    assert not other_bank.has_header(REPLAYED_HEADER)
    assert IdempotencyRecord.objects.filter(key="shared-key").count() == 2
    assert Repayment.objects.count() == 1


def test_another_token_of_the_bank_replays_only_with_the_same_rights(  # type: ignore[no-untyped-def]
    api, adviser, loan
) -> None:
    batch = {"repayments": [line(loan, "VIR-1")]}
    first = lost(send(api, "/api/v1/repayments", batch, key="k-tok"))
    second = make_api_token(adviser, label="Seconde intégration")
    headers = {"Authorization": f"Bearer {second}", "Idempotency-Key": "k-tok"}
    client = Client()

    def replay() -> Any:
        return client.post(
            "/api/v1/repayments", batch, content_type="application/json", headers=headers
        )

    assert_replay(replay(), first)
    ApiToken.objects.filter(label="Seconde intégration").update(scopes=["read"])
    assert_error(replay(), 403, "insufficient_scope")
    assert Repayment.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "clé-accentuée", "tab\there", "with space"])
def test_an_invalid_key_is_422_and_nothing_runs(api, loan, key: str) -> None:  # type: ignore[no-untyped-def]
    batch = {"repayments": [line(loan, "VIR-1")]}
    body = assert_error(send(api, "/api/v1/repayments", batch, key=key), 422)
    assert body["code"] == "invalid_idempotency_key" and "Idempotency-Key" in body["errors"]
    assert not Repayment.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted(api, loan) -> None:  # type: ignore[no-untyped-def]
    key = "a-Z_09:/~" + "k" * 246
    batch = {"repayments": [line(loan, "VIR-1")]}
    assert send(api, "/api/v1/repayments", batch, key=key).status_code == 200
    assert len(key) == 255 and IdempotencyRecord.objects.get().key == key


def test_unauthenticated_throttled_and_unkeyed_calls_keep_no_record(  # type: ignore[no-untyped-def]
    api, loan, settings
) -> None:
    batch = {"repayments": [line(loan, "VIR-1")]}
    anonymous = Client().post(
        "/api/v1/repayments",
        batch,
        content_type="application/json",
        headers={"Authorization": "Bearer mc_unknown", "Idempotency-Key": "k"},
    )
    assert_error(anonymous, 401)
    assert send(api, "/api/v1/repayments", batch).status_code == 200
    assert not IdempotencyRecord.objects.exists()

    settings.MICROCREDIT_API_THROTTLE_RATE = "1/m"
    throttled = send(api, "/api/v1/repayments", batch, key="throttled")
    assert_error(throttled, 429, "too_many_requests")
    assert not IdempotencyRecord.objects.exists()


def test_reads_ignore_the_key(api, loan) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/dossiers/{loan.dossier.number}"
    headers = {**api.headers, "Idempotency-Key": "read-1"}
    assert api.client.get(url, headers=headers).status_code == 200
    assert api.client.get(url, headers=headers).status_code == 200
    assert not IdempotencyRecord.objects.exists()


def test_the_wrapped_views_keep_their_access_attributes() -> None:
    patterns = v1.operation_patterns()
    assert patterns
    for pattern in patterns:
        view = pattern.callback
        assert view.access_rule == "api_token"  # type: ignore[attr-defined]
        assert view.csrf_exempt is True  # type: ignore[attr-defined]
        assert view.login_required is False  # type: ignore[attr-defined]


def test_old_records_are_pruned_after_the_retention_days(api, loan, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MICROCREDIT_IDEMPOTENCY_DAYS = 30
    for key in ("old", "recent"):
        send(api, "/api/v1/repayments", {"repayments": [line(loan, f"VIR-{key}")]}, key=key)
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(days=31)
    )
    IdempotencyRecord.objects.filter(key="recent").update(
        created_at=timezone.now() - timedelta(days=29)
    )
    call_command("api_idempotency_prune", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]


# --------------------------------------------------- identical to what is recorded, no key
def test_an_identical_decision_without_key_is_200_a_different_one_409(api, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    decision = {"outcome": "accepted", "amount": "1000.00", "months": 20, "deferral_months": 0}
    first = lost(send(api, url, decision))
    before = snapshot()
    again = send(api, url, {**decision, "deferral_kind": "none"})
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert not again.has_header(REPLAYED_HEADER)
    assert snapshot() == before
    for different in ({**decision, "months": 21}, {**decision, "amount": "1000.01"}):
        assert_error(send(api, url, different), 409, "transition_refused")
    refusal = {"outcome": "refused", "refusal_reason": "other", "refusal_text": "Non."}
    assert_error(send(api, url, refusal), 409, "transition_refused")
    assert snapshot() == before


def test_an_identical_decision_recorded_by_a_concurrent_call_is_200(  # type: ignore[no-untyped-def]
    api, referent, monkeypatch
) -> None:
    """Two identical calls at once: both read the dossier before either recorded; the second
    one's transition is then refused (the first just recorded the same decision), and it
    answers 200 with the dossier, as a retry would."""
    dossier = make_transmitted_dossier(created_by=referent)
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    decision = {"outcome": "accepted", "amount": "1000.00", "months": 20}
    first = send(api, url, decision)
    assert first.status_code == 200
    before = snapshot()
    real = writes._same_decision
    reads: list[bool] = []

    def not_yet_on_the_first_read(found, payload):  # type: ignore[no-untyped-def]
        reads.append(real(found, payload))
        return len(reads) > 1 and reads[-1]

    monkeypatch.setattr(writes, "_same_decision", not_yet_on_the_first_read)
    again = send(api, url, decision)
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert reads == [True, True]  # read before the service (as if not yet), and after it
    assert snapshot() == before
    different = send(api, url, {**decision, "months": 21})
    assert_error(different, 409, "transition_refused")


def test_an_identical_refusal_without_key_is_200(api, referent) -> None:  # type: ignore[no-untyped-def]
    dossier = make_transmitted_dossier(created_by=referent)
    url = f"/api/v1/dossiers/{dossier.number}/decision"
    refusal = {"outcome": "refused", "refusal_reason": "other", "refusal_text": "Hors budget."}
    lost(send(api, url, refusal))
    before = snapshot()
    again = send(api, url, {**refusal, "refusal_text": "  Hors budget. "})
    assert again.status_code == 200 and again.json()["state"] == "refused_by_bank"
    assert_error(send(api, url, {**refusal, "refusal_text": "Autre."}), 409, "transition_refused")
    assert snapshot() == before


def test_an_identical_offer_without_key_is_200_another_date_422(  # type: ignore[no-untyped-def]
    api, referent, adviser
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser, offer=False)
    url = f"/api/v1/dossiers/{dossier.number}/offer"
    lost(send_form(api, url, offer_fields(dossier), None, boundary="b1"))
    before = snapshot()
    again = send_form(api, url, offer_fields(dossier), None, boundary="b2")
    assert again.status_code == 200, again.content
    assert snapshot() == before
    yesterday = {**offer_fields(dossier), "signed_on": "2000-01-01"}
    assert send_form(api, url, yesterday, None, boundary="b3").status_code == 422
    assert snapshot() == before


def test_an_identical_disbursement_without_key_is_200_a_different_one_409(  # type: ignore[no-untyped-def]
    api, referent, adviser
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    url = f"/api/v1/dossiers/{dossier.number}/disbursement"
    first = lost(send(api, url, disbursement_of(dossier, cheque="0004512")))
    assert first.status_code == 200
    before = snapshot()
    again = send(api, url, disbursement_of(dossier, cheque=" 0004512"))
    assert again.status_code == 200 and again.json() == first.json()
    assert snapshot() == before
    assert_error(send(api, url, disbursement_of(dossier, cheque="0004513")), 409)
    other_payee = {
        **disbursement_of(dossier, cheque="0004512"),
        "payee_name": "Garage du Centre",
        "payee_siret": "73282932000074",
        "payee_change_reason": "Autre garage.",
    }
    assert_error(send(api, url, other_payee), 409, "transition_refused")
    assert snapshot() == before
    assert Loan.objects.filter(dossier=dossier).count() == 1


# ------------------------------------------------------------- two calls at the same moment
@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent connections need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_calls_with_one_key_run_once(referent, adviser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    token = make_api_token(adviser)
    url = f"/api/v1/dossiers/{dossier.number}/disbursement"
    body = disbursement_of(dossier)
    from microcredit.banking import services as banking_services

    original = banking_services.disbursement_record
    started = threading.Event()

    def slow(**kwargs: Any) -> Any:
        started.set()
        time.sleep(0.5)
        return original(**kwargs)

    monkeypatch.setattr(banking_services, "disbursement_record", slow)
    outcomes: list[Any] = [None, None]

    def call(index: int, wait: Callable[[], Any] | None) -> None:
        try:
            if wait is not None:
                wait()
            outcomes[index] = Client().post(
                url,
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"},
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=call, args=(0, None)),
        threading.Thread(target=call, args=(1, lambda: started.wait(10))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    first, second = outcomes
    assert first.status_code == 200, first.content
    assert_error(second, 409, "idempotency_key_in_use")
    assert Loan.objects.filter(dossier=dossier).count() == 1
    replay = Client().post(
        url,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"},
    )
    assert_replay(replay, first)
