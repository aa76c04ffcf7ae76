"""Acceptance of #18, point 1: a client generated from the API's schema installs, and does the
bank's whole job against the live test server, with no hand-written request.

What it proves: the schema the server publishes at /api/v1/openapi.json is turned by
openapi-python-client into a package that installs (ASCII names, a build backend available
offline) and whose generated operations and models carry a bank's integration from the list of
dossiers to the incident: every answer is a 200 parsed into the generated model. The job
(tests/api/bank_job.py) runs in a process of its own, with only the generated package on its
path; this test then checks in the database that each write happened exactly once.

It costs a generation and an install (a few seconds): it runs on SQLite only (marker
`sqlite_only`), the API's behaviour on PostgreSQL being tested by the other API tests.
"""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.request import urlopen

import pytest
from django.utils import timezone

from microcredit.dossiers.enums import DossierState
from microcredit.loans.models import Incident, Loan, Repayment
from microcredit.loans.rules import MAX_BATCH
from microcredit.loans.selectors import loan_position
from microcredit.programmes.selectors import version_in_force
from tests.api.generated_client import base_url, generate_and_install, run_bank_job
from tests.factories import make_api_token, make_dossier, make_transmitted_dossier

pytestmark = [pytest.mark.sqlite_only, pytest.mark.django_db(transaction=True)]


def test_a_generated_client_installs_and_does_the_banks_whole_job(  # type: ignore[no-untyped-def]
    live_server, referent, adviser, tmp_path
) -> None:
    dossier = make_transmitted_dossier(created_by=referent)
    make_dossier(created_by=referent)  # not transmitted: the bank never sees it
    token = make_api_token(adviser)
    today = timezone.localdate()

    with urlopen(f"{live_server.url}/api/v1/openapi.json") as answer:  # noqa: S310 (http)
        schema = json.load(answer)
    client = generate_and_install(schema, tmp_path)
    assert client.package.isascii() and client.package.isidentifier(), client.package

    summary = run_bank_job(
        client, base_url(schema, live_server.url), token, today.isoformat(), tmp_path
    )

    assert summary["listed"] == [dossier.number] and summary["number"] == dossier.number
    dossier.refresh_from_db()
    assert dossier.state == DossierState.DISBURSED
    loan = Loan.objects.get(dossier=dossier)
    assert Loan.objects.count() == 1
    assert summary["loan_id"] == loan.pk
    assert Decimal(summary["granted_amount"]) == dossier.requested_amount == loan.principal
    assert summary["installment"] == f"{loan.installment:.2f}"
    assert summary["schedule_lines"] == loan.months
    repayments = Repayment.objects.filter(loan=loan).order_by("reference")
    assert [(r.reference, r.amount, r.date) for r in repayments] == [
        ("VIR-2026-0001", loan.installment, today),
        ("VIR-2026-0002", Decimal("10.00"), today),
    ]
    assert Incident.objects.filter(loan=loan).count() == 1

    # The scheme's rules it read are the version in force of the dossier's programme.
    version = version_in_force(dossier.programme, today)
    assert version is not None
    scheme = summary["scheme"]
    assert (Decimal(scheme["min_amount"]), Decimal(scheme["max_amount"])) == (
        version.min_amount,
        version.max_amount,
    )
    assert (scheme["min_months"], scheme["max_months"]) == (version.min_months, version.max_months)
    assert Decimal(scheme["nominal_rate_percent"]) == version.nominal_rate_percent
    assert scheme["repayment_batch_max"] == MAX_BATCH

    # What it read back to reconcile: the two repayments, once each, and the loan's position
    # as the loan's page computes it (the engine's allocation of the repayments).
    assert summary["repayments"] == [
        [r.reference, r.date.isoformat(), f"{r.amount:.2f}", "api"]
        for r in repayments.order_by("date", "pk")
    ]
    status = loan_position(loan, today)
    position = summary["position"]
    paid = loan.installment + Decimal("10.00")
    assert Decimal(position["total_paid"]) == status.position.total_paid == paid
    assert Decimal(position["outstanding_principal"]) == status.arrears.outstanding_principal
    assert Decimal(position["outstanding_principal"]) == loan.principal - Decimal(
        position["paid_principal"]
    )
    # Paid on the day of the disbursement, before any due date: nothing overdue, all in advance.
    assert (position["overdue_amount"], position["days_past_due"], position["bucket"]) == (
        "0.00",
        "0",
        "current",
    )
    assert Decimal(position["credit"]) == status.credit == paid
    # The first installment is paid in full: the next one to pay is the second, less the 10.00.
    first, second = status.position.installments[:2]
    assert first.remaining == 0
    assert summary["next_installment"] == [
        second.due_date.isoformat(),
        f"{second.remaining:.2f}",
    ]
    assert second.remaining == second.amount_due - Decimal("10.00")
    assert summary["schedule_paid"] == [f"{loan.installment:.2f}", "10.00"]
