"""The bank's whole job through the client generated from the API's schema, and nothing else.

Run by tests/api/test_generated_client.py in a process of its own, with the generated package
installed in a directory on PYTHONPATH (never in the test's environment):

    python bank_job.py <package> <base_url> <token> <today YYYY-MM-DD>

Every call goes through a generated operation module (`<package>.api.<tag>.<operation_id>`) and
its `sync_detailed`; each answer is checked to be 200 and parsed into the model that the
generated operation declares for it (never None, never the generated `Error`). The only httpx
object is a transport handed to the generated `AuthenticatedClient` (`httpx_args`), to lose the
answer of a disbursement that the server did record (a timeout after success).

Prints one JSON object on stdout: what the bank read, for the test to compare with the database.
"""

from __future__ import annotations

import datetime
import importlib
import io
import json
import sys
import types
import typing
import uuid
from decimal import Decimal
from typing import Any

import httpx

# A tiny real PDF: the signed offer.
SIGNED_OFFER = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"% offre signee\n"
    b"trailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)
CHEQUE_NUMBER = "0004512"


class TimeoutAfterSuccess(httpx.BaseTransport):
    """Sends each request for real; the first one whose path ends with `path_suffix` reaches the
    server, which processes it, and then its answer is lost: the client sees `ReadTimeout`."""

    def __init__(self, path_suffix: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.path_suffix = path_suffix
        self.lost: bytes | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.lost is None and request.url.path.endswith(self.path_suffix):
            self.lost = response.read()
            response.close()
            raise httpx.ReadTimeout("simulated timeout after the server answered", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


class Job:
    def __init__(self, package: str, base_url: str, token: str) -> None:
        self.package = package
        self.base_url = base_url
        self.token = token
        self.client_module = importlib.import_module(f"{package}.client")
        self.types = importlib.import_module(f"{package}.types")
        self.client = self.new_client()

    def new_client(self, **kwargs: Any) -> Any:
        return self.client_module.AuthenticatedClient(
            base_url=self.base_url, token=self.token, **kwargs
        )

    def operation(self, tag: str, operation_id: str) -> types.ModuleType:
        return importlib.import_module(f"{self.package}.api.{tag}.{operation_id}")

    @staticmethod
    def body_model(operation: types.ModuleType) -> Any:
        """The model the generated operation takes as its body."""
        return typing.get_type_hints(operation.sync_detailed)["body"]

    @staticmethod
    def answer_model(operation: types.ModuleType) -> Any:
        """The model the generated operation parses a success into (its return type, less the
        generated `Error` and None)."""
        answer = typing.get_type_hints(operation.sync)["return"]
        models = [
            t for t in typing.get_args(answer) if t is not type(None) and t.__name__ != "Error"
        ]
        assert len(models) == 1, (operation.__name__, models)
        return models[0]

    def call(
        self, operation: types.ModuleType, client: Any = None, expected: int = 200, **kwargs: Any
    ) -> Any:
        response = operation.sync_detailed(client=client or self.client, **kwargs)
        name = operation.__name__.rsplit(".", 1)[-1]
        assert response.status_code == expected, (name, response.status_code, response.content)
        model = self.answer_model(operation)
        assert isinstance(response.parsed, model), (name, type(response.parsed), model)
        return response

    def body(self, operation: types.ModuleType, data: dict[str, Any]) -> Any:
        """A JSON body of the generated model, from the values the documentation gives."""
        body = self.body_model(operation).from_dict(data)
        assert type(body).__module__.startswith(f"{self.package}.models"), type(body)
        return body


def run(package: str, base_url: str, token: str, today: datetime.date) -> dict[str, Any]:
    job = Job(package, base_url, token)
    out: dict[str, Any] = {}

    # 1. The dossiers transmitted to the bank; one of them, read in full.
    page = job.call(job.operation("dossiers", "dossier_list")).parsed
    waiting = [d for d in page.items if str(d.state) == "transmitted_to_bank"]
    assert waiting, [str(d.state) for d in page.items]
    out["listed"] = sorted(d.number for d in page.items)
    number = waiting[0].number
    dossier = job.call(job.operation("dossiers", "dossier_detail"), number=number).parsed
    assert dossier.number == number and str(dossier.state) == "transmitted_to_bank"
    out["number"] = number

    # 2. The rules of the CCAS's scheme, then the decision: accepted, on the terms requested,
    # which lie within them.
    schemes = job.call(job.operation("schemes", "scheme_list")).parsed
    assert len(schemes.items) == 1, schemes.items
    scheme = schemes.items[0]
    amount = Decimal(str(dossier.requested.amount))
    assert Decimal(scheme.min_amount) <= amount <= Decimal(scheme.max_amount), scheme
    assert scheme.min_months <= dossier.requested.months <= scheme.max_months, scheme
    assert "none" in [str(kind) for kind in scheme.deferral_kinds], scheme.deferral_kinds
    assert schemes.limits.offer_file_max_bytes >= len(SIGNED_OFFER), schemes.limits
    out["scheme"] = {
        "min_amount": scheme.min_amount,
        "max_amount": scheme.max_amount,
        "min_months": scheme.min_months,
        "max_months": scheme.max_months,
        "nominal_rate_percent": scheme.nominal_rate_percent,
        "repayment_batch_max": schemes.limits.repayment_batch_max,
    }
    decision_op = job.operation("decisions", "dossier_decision")
    granted = job.call(
        decision_op,
        number=number,
        body=job.body(
            decision_op,
            {
                "outcome": "accepted",
                "amount": str(dossier.requested.amount),
                "months": dossier.requested.months,
                "deferral_months": 0,
                "deferral_kind": "none",
            },
        ),
    ).parsed
    assert str(granted.state) == "granted", granted.state
    out["granted_amount"] = str(granted.decision.amount)

    # 3. The signed offer: a multipart form with the generated File type.
    offer_op = job.operation("decisions", "dossier_offer")
    offered = job.call(
        offer_op,
        number=number,
        body=job.body_model(offer_op)(
            signed_on=today,
            file=job.types.File(
                payload=io.BytesIO(SIGNED_OFFER),
                file_name="offre-signee.pdf",
                mime_type="application/pdf",
            ),
        ),
    ).parsed
    assert offered.decision.offer_signed_on == today, offered.decision

    # 4. The disbursement, with an Idempotency-Key: the server records it but its answer is
    # lost (a timeout); the bank sends it again with the same key and gets the first answer.
    disbursement_op = job.operation("decisions", "dossier_disbursement")
    disbursement = job.body(
        disbursement_op,
        {
            "cheque_number": CHEQUE_NUMBER,
            "date": today.isoformat(),
            "amount": out["granted_amount"],
        },
    )
    key = f"disbursement-{number}-{uuid.uuid4()}"
    transport = TimeoutAfterSuccess("/disbursement")
    flaky = job.new_client(httpx_args={"transport": transport})
    try:
        disbursement_op.sync_detailed(
            client=flaky, number=number, body=disbursement, idempotency_key=key
        )
    except httpx.ReadTimeout:
        pass
    else:
        raise AssertionError("the disbursement's answer was not lost")
    assert transport.lost is not None
    replay = job.call(
        disbursement_op, client=flaky, number=number, body=disbursement, idempotency_key=key
    )
    assert replay.headers.get("Idempotent-Replayed") == "true", dict(replay.headers)
    assert replay.content == transport.lost, (replay.content, transport.lost)
    disbursed = replay.parsed
    assert str(disbursed.state) == "disbursed", disbursed.state
    loan = disbursed.loan
    out["loan_id"] = loan.loan_id
    out["installment"] = str(loan.installment)

    # 5. The schedule.
    schedule_op = job.operation("loans", "dossier_schedule")
    schedule = job.call(schedule_op, number=number).parsed
    assert [str(line.status) for line in schedule.lines[:1]] == ["due"], schedule.lines[0]
    assert schedule.loan_id == loan.loan_id and len(schedule.lines) >= loan.months
    out["schedule_lines"] = len(schedule.lines)

    # 6. A repayment batch, sent twice: the second time, everything is already recorded.
    batch_op = job.operation("loans", "repayments_post")
    batch = job.body(
        batch_op,
        {
            "repayments": [
                {
                    "reference": "VIR-2026-0001",
                    "dossier_number": number,
                    "date": today.isoformat(),
                    "amount": out["installment"],
                },
                {
                    "reference": "VIR-2026-0002",
                    "dossier_number": number,
                    "date": today.isoformat(),
                    "amount": "10.00",
                },
            ]
        },
    )
    first = job.call(batch_op, body=batch).parsed
    assert (first.recorded, first.already_recorded) == (2, 0), first
    again = job.call(batch_op, body=batch).parsed
    assert (again.recorded, again.already_recorded) == (0, 2), again
    assert [str(item.status) for item in again.items] == ["already_recorded"] * 2

    # 7. What the bank reads back to reconcile: the repayments recorded, and the position.
    recorded = job.call(job.operation("loans", "dossier_repayments"), number=number).parsed
    assert recorded.count == 2 and recorded.pages == 1, recorded
    out["repayments"] = [
        [r.reference, r.date.isoformat(), str(r.amount), str(r.via)] for r in recorded.items
    ]
    position = job.call(
        job.operation("loans", "dossier_position"), number=number, as_of=today
    ).parsed
    assert position.as_of == today and position.loan_id == loan.loan_id, position
    paid = sum((Decimal(r.amount) for r in recorded.items), Decimal(0))
    assert Decimal(position.total_paid) == paid, (position.total_paid, paid)
    assert Decimal(position.paid_principal) + Decimal(position.paid_interest) == paid
    assert Decimal(position.outstanding_principal) == Decimal(loan.principal) - Decimal(
        position.paid_principal
    )
    out["position"] = {
        name: str(getattr(position, name))
        for name in (
            "loan_state",
            "principal",
            "total_paid",
            "paid_principal",
            "paid_interest",
            "outstanding_principal",
            "overdue_amount",
            "days_past_due",
            "bucket",
            "credit",
            "excess",
        )
    }
    following = position.next_installment
    # The schedule read again: the same lines (their ids), the first one now paid, in advance;
    # the position's next installment is the second one.
    after = job.call(schedule_op, number=number).parsed
    assert [line.line_id for line in after.lines] == [line.line_id for line in schedule.lines]
    assert str(after.lines[0].status) == "paid", after.lines[0]
    assert Decimal(after.lines[0].paid) == Decimal(after.lines[0].payment), after.lines[0]
    assert following.line_id == after.lines[1].line_id, (following, after.lines[1])
    out["schedule_paid"] = [str(line.paid) for line in after.lines[:2]]
    out["next_installment"] = [following.due_date.isoformat(), str(following.remaining)]

    # 8. An incident.
    incident_op = job.operation("loans", "incident_post")
    incident = job.call(
        incident_op,
        body=job.body(
            incident_op,
            {
                "reference": "INC-2026-0001",
                "dossier_number": number,
                "kind": "rejected_payment",
                "date": today.isoformat(),
                "amount": "10.00",
            },
        ),
    ).parsed
    assert str(incident.status) == "recorded", incident.status
    return out


def main(argv: list[str]) -> int:
    package, base_url, token, today = argv
    summary = run(package, base_url, token, datetime.date.fromisoformat(today))
    json.dump(summary, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
