"""`generate_volume`: an empty database filled with consistent loans, dossiers' paths through the
funnel, households, budgets, rights, guarantee calls, bonifications and plans; refused twice."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone

from loan_engine import Payment, allocate_payments, guarantee_claim
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.applicants.enums import Relationship
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.budgets.enums import LineKind
from microcredit.budgets.models import Budget, BudgetLine, BudgetPerson
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.workflow import TRANSITIONS_BY_NAME
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine
from microcredit.loans.selectors import loan_schedule
from microcredit.rights.models import RightOutcomeRecord, RightsAssessmentRecord
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import Bonification, GuaranteeClaim, RepaymentPlan
from microcredit.simulator.models import ContactRequest

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


def test_every_dossier_has_its_dated_path_through_the_funnel() -> None:
    call_command("generate_volume", dossiers=120, loans=60, today=TODAY, seed=3, verbosity=0)
    events = DossierEvent.objects.order_by("dossier_id", "at", "id")
    by_dossier: dict[int, list[DossierEvent]] = {}
    for event in events:
        by_dossier.setdefault(event.dossier_id, []).append(event)
    states = set()
    for dossier in Dossier.objects.select_related("loan"):
        path = by_dossier[dossier.pk]
        states.add(dossier.state)
        first = path[0]
        assert (first.transition, first.from_state, first.to_state) == ("open", "", "reception")
        assert timezone.localdate(first.at) == dossier.application_date
        # Each move is one of the workflow's, from the state the previous one reached.
        for before, after in itertools.pairwise(path):
            move = TRANSITIONS_BY_NAME[after.transition]
            assert after.from_state == before.to_state and after.from_state in move.sources
            assert after.to_state == move.target and after.at >= before.at
        assert path[-1].to_state == dossier.state and path[-1].at == dossier.state_changed_at
        # Last saved at its last move, not when the volume was written (the API's updated_since).
        assert dossier.updated_at == dossier.state_changed_at
        assert all(timezone.localdate(e.at) <= TODAY for e in path)
        transmitted = [e for e in path if e.transition == "transmit_to_bank"]
        assert dossier.bank_transmitted_at == (transmitted[0].at if transmitted else None)
        if dossier.state == DossierState.REORIENTED:
            assert dossier.reorientation_scheme and dossier.reorientation_label
        if hasattr(dossier, "loan"):
            disbursed = [e for e in path if e.transition == "disburse"]
            assert timezone.localdate(disbursed[0].at) == dossier.loan.disbursement_date
    assert {DossierState.REORIENTED, DossierState.WITHDRAWN, DossierState.DISBURSED} <= states
    # Five référents share the dossiers; a director reads the bilan.
    assert Dossier.objects.values("referent").distinct().count() == 5
    assert Membership.objects.filter(user__username="volume-directeur", role=Role.DIRECTOR)
    assert ContactRequest.objects.count() == 24


def test_borrowers_have_households_budgets_rights_claims_bonifications_and_plans() -> None:
    call_command("generate_volume", dossiers=400, loans=360, today=TODAY, seed=11, verbosity=0)
    assert HouseholdMember.objects.filter(relationship=Relationship.CHILD).exists()
    assert HouseholdMember.objects.filter(relationship=Relationship.SPOUSE).exists()
    # Every borrower has one budget, the household copied in, a resource and charges.
    assert Budget.objects.count() == Loan.objects.count() == 360
    assert not Budget.objects.filter(dossier__loan__isnull=True).exists()
    assert (
        BudgetPerson.objects.count()
        == 360 + HouseholdMember.objects.filter(applicant__dossiers__loan__isnull=False).count()
    )
    per_budget = Budget.objects.annotate(
        resources=Count("lines", filter=Q(lines__kind=LineKind.RESOURCE)),
        charges=Count("lines", filter=Q(lines__kind=LineKind.CHARGE)),
    )
    assert all(b.resources >= 1 and b.charges >= 3 for b in per_budget)
    assert RightOutcomeRecord.objects.exists()
    for record in RightsAssessmentRecord.objects.all():
        assert record.assessment() is not None
        assert record.budget.dossier_id == record.dossier_id
    # The guarantee calls: loan and dossier called, the amount the engine's at 50 %.
    claims = GuaranteeClaim.objects.select_related("loan__dossier")
    assert claims
    for claim in claims:
        assert claim.loan.state == LoanState.GUARANTEE_CALLED
        assert claim.loan.dossier.state == DossierState.GUARANTEE_CALLED
        assert claim.first_unpaid_date < claim.acceleration_date <= TODAY
        assert claim.amount == guarantee_claim(claim.outstanding_principal, rate=Decimal("0.5"))
        event = DossierEvent.objects.get(dossier=claim.loan.dossier, transition="call_guarantee")
        assert timezone.localdate(event.at) == claim.acceleration_date
    assert Loan.objects.filter(state=LoanState.GUARANTEE_CALLED).count() == claims.count()
    # Bonifications only for repaid loans, the last installment refunded after it.
    bonifications = Bonification.objects.select_related("loan")
    assert bonifications
    for bonification in bonifications:
        assert bonification.loan.state == LoanState.REPAID
        last = loan_schedule(bonification.loan).rows[-1]
        assert bonification.paid_on is not None and bonification.paid_on > last.due_date
        assert bonification.amount == last.payment
    plans = RepaymentPlan.objects.all()
    assert plans and {p.state for p in plans} <= {PlanState.PROPOSED, PlanState.REFUSED}
    assert all(p.overdue_amount > 0 for p in plans)
    assert (
        BudgetLine.objects.filter(amount__lt=0).count() == 0
        and not Loan.objects.filter(state=LoanState.REPAID, guarantee_claim__isnull=False).exists()
    )
