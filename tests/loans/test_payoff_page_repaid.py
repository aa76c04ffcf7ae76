"""The loan page of a schedule paid in full: no payoff to quote, the next steps said."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.loans.enums import RecordedVia
from microcredit.loans.rules import RepaymentLine
from microcredit.loans.selectors import loan_schedule
from microcredit.loans.services import repayments_record_batch
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db


def test_a_schedule_paid_in_full_shows_no_payoff_but_the_next_steps(client, make_user) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    loan = make_loan(created_by=referent, adviser=adviser, referent=referent)
    client.force_login(adviser)
    url = reverse("loans:detail", args=[loan.pk])
    assert "Remboursement anticipé total : montant à verser" in client.get(url).content.decode()
    rows = loan_schedule(loan).rows
    # Each row paid on its due date.
    for row in rows:
        repayments_record_batch(
            actor=adviser,
            membership=membership_of(adviser),
            lines=[
                RepaymentLine(f"R-{row.number}", loan.dossier.number, row.due_date, row.payment)
            ],
            today=row.due_date,
            via=RecordedVia.API,
        )
    with time_machine.travel(rows[-1].due_date + timedelta(days=1), tick=False):
        client.force_login(adviser)
        page = client.get(url).content.decode()
    assert "Remboursement anticipé total : montant à verser" not in page
    assert "chéancier est entièrement payé" in page
