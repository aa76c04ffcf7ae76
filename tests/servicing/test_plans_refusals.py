"""Plan de reprise: every refusal says why in French and changes nothing (no plan, no version,
no audit row); who may propose and decide (another CCAS or bank: 404)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.core.models import AuditEvent
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import PlanState
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.services.plans import PlanRefused, plan_decide, plan_propose
from tests.factories import make_second_bank, membership_of
from tests.servicing.plan_helpers import (
    MISSED,
    PROPOSED,
    D,
    late_loan,
    on,
    pay,
)

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


@pytest.fixture(autouse=True)
def no_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(letter_due, "send", lambda *args: None)


def snapshot() -> tuple[Any, ...]:
    return (
        list(
            RepaymentPlan.objects.order_by("pk").values_list(
                "pk", "state", "as_of", "overdue_amount", "refusal_reason", "schedule_version"
            )
        ),
        ScheduleVersion.objects.count(),
        ScheduleLine.objects.count(),
        AuditEvent.objects.filter(action__startswith="plan_").count(),
    )


def refused(call: Callable[[], object], code: str | None = None, field: str | None = None) -> str:
    """Run `call`, expecting a refusal that changes nothing; its French message."""
    before = snapshot()
    if field is not None:
        with pytest.raises(ValidationError) as error:
            call()
        assert field in error.value.message_dict
        message = " ".join(error.value.message_dict[field])
    else:
        with pytest.raises(PlanRefused) as refusal:
            call()
        assert refusal.value.code == code
        message = " ".join(refusal.value.messages)
    assert snapshot() == before
    return message


def propose(user, loan, *, months: int = 3, mode: str = "on_top", day: date = PROPOSED):  # type: ignore[no-untyped-def]
    def call() -> RepaymentPlan:
        with on(day):
            return plan_propose(
                actor=user,
                membership=membership_of(user),
                loan_id=loan.pk,
                months=months,
                mode=mode,
                note="",
                today=day,
            )

    return call


def decide(user, plan, *, agree: bool = True, reason: str = "", day: date = PROPOSED):  # type: ignore[no-untyped-def]
    def call() -> tuple[RepaymentPlan, bool]:
        with on(day):
            return plan_decide(
                actor=user,
                membership=membership_of(user),
                plan_id=plan.pk,
                agree=agree,
                reason=reason,
                today=day,
            )

    return call


def test_nothing_overdue_nothing_to_reschedule(referent, loan) -> None:  # type: ignore[no-untyped-def]
    message = refused(propose(referent, loan, day=date(2026, 2, 20)), "no_arrears")
    assert message == "Aucune échéance impayée au 20/02/2026 : il n'y a rien à rééchelonner."
    # On its due date an installment is not late yet (overdue the day after).
    refused(propose(referent, loan, day=MISSED), "no_arrears")


@pytest.mark.parametrize("months", [0, 37, -1])
def test_months_out_of_1_to_36(referent, loan, months: int) -> None:  # type: ignore[no-untyped-def]
    message = refused(propose(referent, loan, months=months), field="months")
    assert message == f"Un plan de reprise dure de 1 à 36 mois ({months} demandé)."


def test_an_unknown_mode(referent, loan) -> None:  # type: ignore[no-untyped-def]
    refused(propose(referent, loan, mode="sometimes"), field="mode")


def test_one_plan_at_a_time(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)()
    message = refused(propose(referent, loan, months=6), "plan_open")
    assert message.startswith("Un plan de reprise est déjà proposé à la banque pour ce prêt")
    decide(adviser, plan)()
    refused(propose(referent, loan, months=6, day=date(2026, 4, 20)), "plan_open")


def test_a_closed_loan(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)()
    Loan.objects.filter(pk=loan.pk).update(state=LoanState.GUARANTEE_CALLED)
    assert "garantie appelée" in refused(decide(adviser, plan), "loan_not_active")
    RepaymentPlan.objects.filter(pk=plan.pk).update(state=PlanState.REFUSED)
    refused(propose(referent, loan), "loan_not_active")


def test_a_refusal_needs_its_reason(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)()
    message = refused(decide(adviser, plan, agree=False, reason="   "), field="reason")
    assert message == "Indiquez le motif du refus."
    refused(decide(adviser, plan, agree=False, reason="x" * 2001), field="reason")


def test_payments_since_the_proposal_make_it_outdated(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)()
    pay(adviser, loan, date(2026, 3, 25), D("50.00"), "VIR-0002")
    message = refused(decide(adviser, plan, day=date(2026, 3, 25)), "plan_outdated")
    # 100.95 − 50.00 = 50.95 left to reschedule
    assert message.startswith(
        "Les impayés ont changé depuis la proposition du 20/03/2026 : 100,95\u00a0€ proposés, "
        "50,95\u00a0€ au 25/03/2026"
    )
    # The bank refuses it; the référent proposes the new amount.
    decide(adviser, plan, agree=False, reason="Impayés modifiés.", day=date(2026, 3, 25))()
    again = propose(referent, loan, day=date(2026, 3, 25))()
    assert again.overdue_amount == D("50.95")


def test_an_installment_fallen_due_since_makes_it_outdated(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    plan = propose(referent, loan)()
    # 16/04: the installment of 15/04 unpaid too, 2 × 100.95 = 201.90 to reschedule.
    assert "201,90\u00a0€ au 16/04/2026" in refused(
        decide(adviser, plan, day=date(2026, 4, 16)), "plan_outdated"
    )


def test_a_decision_the_other_way_is_refused(referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    first = propose(referent, loan)()
    decide(adviser, first, agree=False, reason="Non.")()
    assert "refusé le" in refused(decide(adviser, first), "plan_decided")
    second = propose(referent, loan)()
    decide(adviser, second)()
    assert "accepté le" in refused(
        decide(adviser, second, agree=False, reason="Finalement non."), "plan_decided"
    )


def test_who_proposes_and_who_decides(make_user, referent, adviser, loan) -> None:  # type: ignore[no-untyped-def]
    agent = make_user(Role.AGENT)
    refused(propose(agent, loan), "not_allowed")
    refused(propose(adviser, loan), "not_allowed")
    plan = propose(referent, loan)()
    refused(decide(referent, plan), "not_allowed")
    member = make_user(Role.COMMITTEE_MEMBER, username="membre")
    refused(decide(member, plan), "not_allowed")
    refused(propose(member, loan), "not_allowed")


def test_another_ccas_or_another_bank_gets_404(  # type: ignore[no-untyped-def]
    make_user, saint_etienne, referent, adviser, loan
) -> None:
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="firminy")
    stranger = make_user(Role.REFERENT, username="referent-b", organisation=other_ccas)
    before = snapshot()
    with pytest.raises(Http404):
        propose(stranger, loan)()
    assert snapshot() == before
    plan = propose(referent, loan)()
    bank_b, _programme = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    before = snapshot()
    with pytest.raises(Http404):
        decide(adviser_b, plan)()
    assert snapshot() == before
    assert RepaymentPlan.objects.get(pk=plan.pk).state == PlanState.PROPOSED


def test_the_first_installment_paid_late_leaves_nothing_to_reschedule(  # type: ignore[no-untyped-def]
    referent, adviser, loan
) -> None:
    pay(adviser, loan, date(2026, 3, 18), D("100.95"), "VIR-0002")
    refused(propose(referent, loan), "no_arrears")
