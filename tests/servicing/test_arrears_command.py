"""`microcredit arrears --as-of YYYY-MM-DD [--json]`: the same job, its French summary and JSON."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from microcredit.accounts.enums import Role
from microcredit.servicing.models import ArrearsSnapshot
from tests.servicing.arrears_helpers import FEB, MAR, on, pay, reference_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_loans(make_user):  # type: ignore[no-untyped-def]
    """The reference loan twice: one pays nothing, the other February and March."""
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    late = reference_loan(referent=referent, adviser=adviser)
    paying = reference_loan(referent=referent, adviser=adviser)
    pay(paying, adviser, FEB, MAR)
    return late, paying


def _run(*arguments: str) -> str:
    out = io.StringIO()
    call_command("arrears", *arguments, stdout=out)
    return out.getvalue()


def test_the_json_gives_par30_and_each_loan_with_amounts_as_strings(two_loans) -> None:  # type: ignore[no-untyped-def]
    late, paying = two_loans
    answer = json.loads(_run("--as-of", "2026-04-20", "--json"))

    assert answer["as_of"] == "2026-04-20"
    # PAR30: 1200.00 at risk / (1200.00 + 1101.59) = 0.52138… → "0.5214".
    assert answer["par30"] == "0.5214"
    loans = {entry["number"]: entry for entry in answer["loans"]}
    # Nothing paid: 64 days after 15 February, three installments of 50.92 overdue.
    assert loans[late.dossier.number] == {
        "number": late.dossier.number,
        "days_past_due": 64,
        "bucket": "60+",
        "overdue": "152.76",
        "outstanding_principal": "1200.00",
        "installment": "50.92",
        "next_due_date": "2026-05-15",
    }
    # February and March paid: the April installment, 5 days late.
    assert loans[paying.dossier.number]["days_past_due"] == 5
    assert loans[paying.dossier.number]["bucket"] == "late"
    assert loans[paying.dossier.number]["overdue"] == "50.92"
    assert answer["snapshots_written"] == 2
    assert answer["alerts_raised"] == 6  # (missed + 60+) and missed, to two people each
    assert ArrearsSnapshot.objects.filter(as_of=date(2026, 4, 20)).count() == 2


def test_the_summary_is_in_french_and_the_date_defaults_to_today(two_loans) -> None:  # type: ignore[no-untyped-def]
    with on(date(2026, 3, 16)):
        text = _run()
    assert "Retards au 16/03/2026 : 2 prêts en remboursement, 2 situations enregistrées." in text
    # Nothing paid: 29 days after 15 February ('late'); the other is on time.
    assert "Par tranche : à jour : 1 · en retard : 1." in text
    assert "2 alertes levées" in text
    assert "PAR30 : 0,00\u00a0%" in text
    assert ArrearsSnapshot.objects.filter(as_of=date(2026, 3, 16)).count() == 2


def test_a_bad_date_is_refused_in_french(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="Date invalide"):
        _run("--as-of", "20/04/2026")
    with pytest.raises(CommandError, match="au moins 1"):
        _run("--batch-size", "0")
