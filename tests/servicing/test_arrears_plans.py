"""The nightly job follows the agreed repayment plans: kept when every plan row is paid, broken
(with an alert to both people) as soon as the loan is a day late on the plan's schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from loan_engine import repayment_plan
from microcredit.accounts.enums import Role
from microcredit.core.models import AuditEvent
from microcredit.loans.models import Loan, ScheduleLine
from microcredit.loans.selectors import (
    loan_payments,
    loan_schedule,
    loan_schedule_version,
    payments_by_loan,
    repayments_by_loan,
)
from microcredit.loans.services.schedules import schedule_version_store
from microcredit.servicing.enums import PlanMode, PlanState
from microcredit.servicing.models import Alert, RepaymentPlan
from microcredit.servicing.selectors import arrears_batch
from microcredit.servicing.services.arrears import arrears_run
from tests.servicing.arrears_helpers import APR, MAY, PARIS, pay, reference_loan

pytestmark = pytest.mark.django_db

AGREED_ON = date(2026, 3, 20)


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def plan(referent, adviser) -> RepaymentPlan:  # type: ignore[no-untyped-def]
    """The reference loan, nothing paid; on 20 March the two missed installments are spread
    over the April and May installments (on top of them), agreed by the bank that day."""
    loan = reference_loan(referent=referent, adviser=adviser)
    schedule = repayment_plan(loan_schedule(loan), [], AGREED_ON, 2, PlanMode.ON_TOP.value)
    version = schedule_version_store(
        actor=adviser, loan=loan, schedule=schedule, reason="Plan de reprise"
    )
    return RepaymentPlan.objects.create(
        loan=loan,
        state=PlanState.AGREED,
        as_of=AGREED_ON,
        months=2,
        mode=PlanMode.ON_TOP,
        overdue_amount=2 * loan.installment,
        proposed_by=referent,
        decided_at=datetime(2026, 3, 20, 15, tzinfo=PARIS),
        decided_by=adviser,
        schedule_version=version,
    )


def _plan_rows(loan: Loan) -> list[ScheduleLine]:
    return list(ScheduleLine.objects.filter(version__loan=loan, kind="plan").order_by("due_date"))


def test_a_plan_with_its_rows_unpaid_a_day_after_their_date_is_broken_once(
    plan, referent, adviser
) -> None:  # type: ignore[no-untyped-def]
    assert [row.due_date for row in _plan_rows(plan.loan)] == [APR, MAY]
    # The day after the agreement, the missed installments are in the plan: nothing is late.
    run = arrears_run(as_of=date(2026, 3, 21))
    assert run.results[0].days_past_due == 0 and run.plans_broken == 0
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED

    run = arrears_run(as_of=date(2026, 4, 16))  # the April plan row unpaid: one day late

    assert run.plans_broken == 1 and run.plans_kept == 0
    plan.refresh_from_db()
    assert (plan.state, plan.ended_on) == (PlanState.BROKEN, date(2026, 4, 16))
    broken = set(Alert.objects.filter(kind="plan_broken").values_list("recipient_id", "key"))
    assert broken == {(referent.pk, str(plan.pk)), (adviser.pk, str(plan.pk))}
    event = AuditEvent.objects.get(action="plan_broken")
    assert event.object_id == str(plan.pk) and event.new_values["state"] == "broken"
    # A broken plan is no longer followed: nothing more the next night.
    again = arrears_run(as_of=date(2026, 4, 17))
    assert again.plans_broken == 0
    assert Alert.objects.filter(kind="plan_broken").count() == 2


def test_a_plan_whose_rows_are_all_paid_is_kept(plan, adviser) -> None:  # type: ignore[no-untyped-def]
    april, may = _plan_rows(plan.loan)
    pay(plan.loan, adviser, APR, amount=april.payment)
    assert arrears_run(as_of=date(2026, 4, 16)).plans_kept == 0  # May still to pay
    pay(plan.loan, adviser, MAY, amount=may.payment)

    run = arrears_run(as_of=date(2026, 5, 16))

    assert run.plans_kept == 1 and run.plans_broken == 0
    plan.refresh_from_db()
    assert (plan.state, plan.ended_on) == (PlanState.KEPT, date(2026, 5, 16))
    assert AuditEvent.objects.filter(action="plan_kept", object_id=str(plan.pk)).exists()
    assert not Alert.objects.filter(kind="plan_broken").exists()


def test_a_date_before_the_agreement_leaves_the_plan_alone(plan) -> None:  # type: ignore[no-untyped-def]
    # The bank agreed only on 20 April: a run for 16 April (a date computed again) does not
    # judge the plan by a day before it existed, though its April row was unpaid then.
    RepaymentPlan.objects.filter(pk=plan.pk).update(
        decided_at=datetime(2026, 4, 20, 11, tzinfo=PARIS)
    )
    assert arrears_run(as_of=date(2026, 4, 16)).plans_broken == 0
    plan.refresh_from_db()
    assert plan.state == PlanState.AGREED and plan.ended_on is None
    assert arrears_run(as_of=date(2026, 4, 20)).plans_broken == 1


def test_the_job_reads_the_schedules_and_payments_the_loans_app_gives(plan, adviser) -> None:  # type: ignore[no-untyped-def]
    """The job reads plain rows for speed: the same schedule in force (the plan's version 2)
    and the same payments as the loans app reads through its models."""
    pay(plan.loan, adviser, APR, amount=_plan_rows(plan.loan)[0].payment)
    loan = Loan.objects.get(pk=plan.loan_id)
    in_force = arrears_batch.in_force_schedules({loan.pk: loan})[loan.pk]
    version, schedule = loan_schedule_version(loan), loan_schedule(loan)
    assert version is not None
    assert (in_force.version_id, in_force.installment) == (version.pk, version.installment)
    assert in_force.schedule == schedule and schedule.version == 2
    payments = loan_payments(repayments_by_loan([loan.pk])[loan.pk])
    assert payments_by_loan([loan.pk])[loan.pk] == payments
    assert arrears_batch.batch_data([loan]).plans[loan.pk].schedule == schedule
    # A later version (an early repayment, say) replaces the plan's: the plan is still judged
    # on its own version 2, read on its own.
    schedule_version_store(
        actor=adviser, loan=loan, schedule=replace(schedule, version=3), reason="Version 3"
    )
    data = arrears_batch.batch_data([loan])
    assert data.schedules[loan.pk].version_id != version.pk
    assert data.plans[loan.pk].schedule == schedule
