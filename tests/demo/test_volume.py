"""`generate_volume`: an empty database filled with consistent loans, refused twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from loan_engine import Payment, allocate_payments
from microcredit.applicants.models import Applicant
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine
from microcredit.loans.selectors import loan_schedule

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 6)


def test_volume_fills_an_empty_database_with_consistent_loans() -> None:
    call_command("generate_volume", dossiers=60, loans=40, today=TODAY, seed=7, verbosity=0)
    assert Applicant.objects.count() == 60
    assert Dossier.objects.count() == 60
    assert Loan.objects.count() == 40
    # The 20 dossiers without a loan stay before the disbursement.
    assert not Dossier.objects.filter(loan__isnull=True, state=DossierState.DISBURSED).exists()
    late = 0
    for loan in Loan.objects.select_related("dossier"):
        lines = ScheduleLine.objects.filter(version__loan=loan)
        # Principals sum to the amount lent (no capitalised deferral is generated).
        assert lines.aggregate(s=Sum("principal"))["s"] == loan.principal
        schedule = loan_schedule(loan)
        payments = [Payment(r.date, r.amount) for r in Repayment.objects.filter(loan=loan)]
        assert all(p.date <= TODAY for p in payments)
        position = allocate_payments(schedule, payments, TODAY)
        # Every payment settles a row exactly: nothing in excess, no credit.
        assert position.excess == Decimal("0.00") and position.credit == Decimal("0.00")
        if loan.state == LoanState.REPAID:
            assert position.fully_repaid and loan.dossier.state == DossierState.REPAID
        late += position.days_past_due > 0
    assert late > 0


def test_volume_refuses_a_database_that_holds_data() -> None:
    call_command("generate_volume", dossiers=2, loans=1, today=TODAY, verbosity=0)
    with pytest.raises(CommandError, match="base vide"):
        call_command("generate_volume", dossiers=2, loans=1, today=TODAY, verbosity=0)
    assert Dossier.objects.count() == 2


def test_more_loans_than_dossiers_is_refused_in_french() -> None:
    with pytest.raises(CommandError, match="prêts ≤ dossiers"):
        call_command("generate_volume", dossiers=1, loans=2, today=TODAY, verbosity=0)
    assert not Dossier.objects.exists()
