"""Plan de reprise: the référent proposes, the bank agrees, the plan is schedule version 2.

The loan and its figures by hand are in plan_helpers.py (1,200 € at 1.75 % over 12 months,
row 2 of 15/03/2026 unpaid: 100.95 € = 1.61 of interest + 99.34 of principal). The plan's rows
are derived here from LOAN_CONVENTIONS ("Payments, arrears, plans") and the engine's documented
rules: the unpaid principal keeps bearing interest at the nominal rate, amortised with the
constant-installment formula; the unpaid interest bears none and is split in equal parts (cents
rounded down, the remainder on the last part).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from loan_engine import allocate_payments
from microcredit.accounts.enums import Role
from microcredit.core.enums import AuditAction
from microcredit.core.models import AuditEvent
from microcredit.loans.models import Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import loan_payments, loan_schedule
from microcredit.servicing.enums import PlanState
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.services import plans
from tests.factories import membership_of
from tests.servicing.plan_helpers import PROPOSED, UNPAID, D, late_loan, on, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def loan(referent, adviser):  # type: ignore[no-untyped-def]
    return late_loan(referent, adviser)


@pytest.fixture
def letters(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The letters owed through servicing.hooks.letter_due (instead of the letters app)."""
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(letter_due, "send", lambda *args: sent.append(args))
    return sent


def propose(user, loan, *, months: int = 3, mode: str = "on_top", day: date = PROPOSED):  # type: ignore[no-untyped-def]
    with on(day):
        return plans.plan_propose(
            actor=user,
            membership=membership_of(user),
            loan_id=loan.pk,
            months=months,
            mode=mode,
            note="Accord de Mme Martin au rendez-vous du 20/03.",
            today=day,
        )


def decide(user, plan, *, agree: bool = True, reason: str = "", day: date = PROPOSED):  # type: ignore[no-untyped-def]
    with on(day):
        return plans.plan_decide(
            actor=user,
            membership=membership_of(user),
            plan_id=plan.pk,
            agree=agree,
            reason=reason,
            today=day,
        )


def rows(version: ScheduleVersion) -> list[tuple[date, str, Any, Any, Any, Any]]:
    return [
        (line.due_date, line.kind, line.payment, line.interest, line.principal, line.balance)
        for line in ScheduleLine.objects.filter(version=version).order_by("number")
    ]


def test_the_referent_proposes_the_unpaid_installment(referent, loan) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)
    assert (plan.state, plan.as_of, plan.months, plan.mode) == (
        PlanState.PROPOSED,
        PROPOSED,
        3,
        "on_top",
    )
    assert plan.overdue_amount == UNPAID  # 1.61 + 99.34
    assert plan.proposed_by == referent and plan.decided_at is None
    assert plan.note.startswith("Accord de Mme Martin")
    event = AuditEvent.objects.get(action=AuditAction.PLAN_PROPOSED)
    assert event.object_id == str(plan.pk)
    assert event.new_values["overdue_interest"] == "1.61"
    assert event.new_values["overdue_principal"] == "99.34"
    # Nothing changes in the schedule until the bank agrees.
    assert ScheduleVersion.objects.filter(loan=loan).count() == 1


def test_the_director_may_propose_too(make_user, loan) -> None:  # type: ignore[no-untyped-def]
    director = make_user(Role.DIRECTOR)
    assert propose(director, loan).proposed_by == director


def test_the_bank_agrees_on_top_the_plan_is_version_2_by_hand(  # type: ignore[no-untyped-def]
    referent, adviser, loan, letters
) -> None:
    plan = propose(referent, loan)
    agreed, decided = decide(adviser, plan)
    assert decided and agreed.state == PlanState.AGREED
    version = agreed.schedule_version
    assert version is not None and version.number == 2
    assert version.reason == (
        "Plan de reprise du 20/03/2026 (3 mois, en plus des mensualités en cours, "
        "100,95\u00a0€ rééchelonnés)"
    )
    # The unpaid principal 99.34 over 3 months: a = 99.34·i / (1 − (1+i)^−3) = 33.2099… → 33.21
    #   15/04: 99.34 × 0.0175 / 12 = 0.1448… → 0.14; principal 33.07; plan balance 66.27
    #   15/05: 66.27 × 0.0175 / 12 = 0.0966… → 0.10; principal 33.11; plan balance 33.16
    #   15/06: 33.16 × 0.0175 / 12 = 0.0483… → 0.05; principal 33.16 (the rest)
    # The unpaid interest 1.61 in 3 parts, no interest on it: 0.53, 0.53, 0.55.
    # Each plan row adds to the running installment (100.95) and to its balance.
    assert rows(version) == [
        (date(2026, 2, 15), "installment", D("100.95"), D("1.75"), D("99.20"), D("1100.80")),
        # 15/03 as it was paid: nothing; its balance stays 1100.80.
        (date(2026, 3, 15), "installment", D("0.00"), D("0.00"), D("0.00"), D("1100.80")),
        # 100.95 + 33.21 + 0.53; interest 1.46 + 0.14 + 0.53; principal 99.49 + 33.07;
        # balance 901.97 + 66.27
        (date(2026, 4, 15), "plan", D("134.69"), D("2.13"), D("132.56"), D("968.24")),
        # 100.95 + 33.21 + 0.53; 1.32 + 0.10 + 0.53; 99.63 + 33.11; 802.34 + 33.16
        (date(2026, 5, 15), "plan", D("134.69"), D("1.95"), D("132.74"), D("835.50")),
        # 100.95 + 33.21 + 0.55; 1.17 + 0.05 + 0.55; 99.78 + 33.16; 702.56
        (date(2026, 6, 15), "plan", D("134.71"), D("1.77"), D("132.94"), D("702.56")),
        (date(2026, 7, 15), "installment", D("100.95"), D("1.02"), D("99.93"), D("602.63")),
        (date(2026, 8, 15), "installment", D("100.95"), D("0.88"), D("100.07"), D("502.56")),
        (date(2026, 9, 15), "installment", D("100.95"), D("0.73"), D("100.22"), D("402.34")),
        (date(2026, 10, 15), "installment", D("100.95"), D("0.59"), D("100.36"), D("301.98")),
        (date(2026, 11, 15), "installment", D("100.95"), D("0.44"), D("100.51"), D("201.47")),
        (date(2026, 12, 15), "installment", D("100.95"), D("0.29"), D("100.66"), D("100.81")),
        (date(2027, 1, 15), "installment", D("100.96"), D("0.15"), D("100.81"), D("0.00")),
    ]
    lines = ScheduleLine.objects.filter(version=version)
    # 1211.41 − 100.95 + 3 × 33.21 + 1.61 = 1211.70 = 1200 + 11.41 + 0.14 + 0.10 + 0.05
    assert sum(line.payment for line in lines) == D("1211.70")
    assert sum(line.principal for line in lines) == D("1200.00")
    assert [line.arrears_interest for line in lines if line.kind == "plan"] == [
        D("0.53"),
        D("0.53"),
        D("0.55"),
    ]
    event = AuditEvent.objects.get(action=AuditAction.PLAN_AGREED)
    assert event.reason == version.reason and event.new_values["version"] == 2
    assert letters == [(loan, "repayment_plan", str(plan.pk))]


def test_the_new_version_reconciles_with_the_payments_before_it(  # type: ignore[no-untyped-def]
    referent, adviser, loan, letters
) -> None:
    decide(adviser, propose(referent, loan))
    schedule = loan_schedule(loan)
    assert schedule.version == 2
    payments = loan_payments(list(Repayment.objects.filter(loan=loan)))
    assert allocate_payments(schedule, payments, PROPOSED).overdue_amount == 0
    # The borrower then pays the first plan row on its due date: still nothing late.
    pay(adviser, loan, date(2026, 4, 15), D("134.69"), "VIR-0002")
    payments = loan_payments(list(Repayment.objects.filter(loan=loan)))
    position = allocate_payments(schedule, payments, date(2026, 4, 16))
    assert (position.overdue_amount, position.days_past_due) == (0, 0)
    # 1200 − 99.20 − 132.56 paid in principal
    assert position.outstanding_principal == D("968.24")


def test_instead_of_the_running_installments_by_hand(referent, adviser, loan, letters) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan, mode="instead")
    agreed, _ = decide(adviser, plan)
    version = agreed.schedule_version
    assert version.reason == (
        "Plan de reprise du 20/03/2026 (3 mois, à la place des mensualités en cours, "
        "100,95\u00a0€ rééchelonnés)"
    )
    # The whole outstanding principal 1100.80 over 3 months:
    #   a = 1100.80·i / (1 − (1+i)^−3) = 368.0040… → 368.00
    #   15/04: 1100.80 × 0.0175 / 12 = 1.6053… → 1.61; principal 366.39; balance 734.41
    #   15/05: 734.41 × 0.0175 / 12 = 1.0710… → 1.07; principal 366.93; balance 367.48
    #   15/06: 367.48 × 0.0175 / 12 = 0.5359… → 0.54; principal 367.48 (the rest)
    # plus the unpaid interest 1.61 in parts 0.53, 0.53, 0.55.
    assert rows(version)[2:] == [
        (date(2026, 4, 15), "plan", D("368.53"), D("2.14"), D("366.39"), D("734.41")),
        (date(2026, 5, 15), "plan", D("368.53"), D("1.60"), D("366.93"), D("367.48")),
        (date(2026, 6, 15), "plan", D("368.57"), D("1.09"), D("367.48"), D("0.00")),
    ]
    assert version.installment == D("368.00")


def test_agreeing_again_writes_no_second_version(referent, adviser, loan, letters) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)
    decide(adviser, plan)
    again, decided = decide(adviser, plan)
    assert not decided and again.state == PlanState.AGREED
    assert ScheduleVersion.objects.filter(loan=loan).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.PLAN_AGREED).count() == 1
    assert len(letters) == 1


def test_agreed_later_the_plan_starts_from_the_agreement(referent, adviser, loan, letters) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)
    # Agreed on 10/04, before the next due date: the same 100.95 € to reschedule.
    agreed, _ = decide(adviser, plan, day=date(2026, 4, 10))
    assert agreed.as_of == date(2026, 4, 10)
    assert agreed.schedule_version.reason.startswith("Plan de reprise du 10/04/2026 (3 mois")
    first_plan_row = ScheduleLine.objects.filter(version=agreed.schedule_version, kind="plan")
    assert first_plan_row.order_by("number").first().due_date == date(2026, 4, 15)


def test_the_bank_refuses_with_a_reason_then_the_referent_proposes_again(  # type: ignore[no-untyped-def]
    referent, adviser, loan
) -> None:
    plan = propose(referent, loan)
    refused, decided = decide(adviser, plan, agree=False, reason="  Revenus insuffisants.  ")
    assert decided and refused.state == PlanState.REFUSED
    assert refused.refusal_reason == "Revenus insuffisants."
    assert refused.schedule_version is None
    assert AuditEvent.objects.get(action=AuditAction.PLAN_REFUSED).reason == (
        "Revenus insuffisants."
    )
    # Refusing again answers as it is.
    assert decide(adviser, plan, agree=False, reason="Autre.")[1] is False
    assert RepaymentPlan.objects.get(pk=plan.pk).refusal_reason == "Revenus insuffisants."
    second = propose(referent, loan, months=6)
    assert second.state == PlanState.PROPOSED
    assert ScheduleVersion.objects.filter(loan=loan).count() == 1
