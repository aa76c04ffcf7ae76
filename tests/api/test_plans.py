"""The API's plans de reprise: the list of a loan's plans, the bank's decision (idempotent),
its refusals (nothing changes) and its visibility (another bank's dossier: 404).

The loan and its figures by hand: tests/servicing/plan_helpers.py (100.95 € unpaid on
20/03/2026, rescheduled over 3 months on top of the running installments)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.loans.models import ScheduleVersion
from microcredit.servicing.enums import PlanState
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.services.plans import plan_propose
from tests.api.helpers import assert_error
from tests.factories import make_granted_dossier, make_loan, membership_of
from tests.servicing.plan_helpers import PROPOSED, D, late_loan, on, pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(letter_due, "send", lambda *args: None)


@pytest.fixture
def plan(referent, adviser) -> RepaymentPlan:  # type: ignore[no-untyped-def]
    loan = late_loan(referent, adviser)
    with on(PROPOSED):
        return plan_propose(
            actor=referent,
            membership=membership_of(referent),
            loan_id=loan.pk,
            months=3,
            mode="on_top",
            note="Accord de l'emprunteuse.",
            today=PROPOSED,
        )


def url(plan: RepaymentPlan, tail: str = "") -> str:
    return f"/api/v1/dossiers/{plan.loan.dossier.number}/plans{tail}"


def decision(api, plan: RepaymentPlan, body: dict[str, Any], day: date = PROPOSED) -> Any:  # type: ignore[no-untyped-def]
    with on(day):
        return api.post(url(plan, f"/{plan.pk}/decision"), body)


def snapshot() -> tuple[Any, ...]:
    """The plans, and the schedule versions of the loans that have plans."""
    return (
        list(RepaymentPlan.objects.values_list("pk", "state", "refusal_reason", "as_of")),
        ScheduleVersion.objects.filter(loan__plans__isnull=False).distinct().count(),
    )


def test_the_list_of_plans(api, plan) -> None:  # type: ignore[no-untyped-def]
    with on(PROPOSED):
        response = api.get(url(plan))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["loan_id"], body["count"], body["pages"]) == (
        plan.loan.dossier.number,
        plan.loan_id,
        1,
        1,
    )
    assert body["items"] == [
        {
            "id": plan.pk,
            "state": "proposed",
            "state_label": "proposé à la banque",
            "months": 3,
            "mode": "on_top",
            "overdue_amount": "100.95",
            "as_of": "2026-03-20",
            "note": "Accord de l'emprunteuse.",
            "proposed_on": "2026-03-20",
            "decided_on": None,
            "refusal_reason": "",
            "schedule_version": None,
        }
    ]
    assert AccessLog.objects.filter(action=AccessAction.API_DOSSIER_PLANS).count() == 1


def test_the_bank_agrees_through_the_api_and_a_retry_changes_nothing(api, plan) -> None:  # type: ignore[no-untyped-def]
    response = decision(api, plan, {"agree": True})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["state"], body["schedule_version"]) == ("recorded", "agreed", 2)
    assert body["decided_on"] == "2026-03-20"
    again = decision(api, plan, {"agree": True})
    assert again.status_code == 200
    assert again.json() == {**body, "status": "already_recorded"}
    assert ScheduleVersion.objects.filter(loan=plan.loan).count() == 2
    # The new version's first plan row: 100.95 + 33.21 + 0.53 (by hand in test_plans.py).
    with on(PROPOSED):
        lines = api.get(f"/api/v1/dossiers/{plan.loan.dossier.number}/schedule").json()
    assert lines["version"] == 2
    assert lines["lines"][2]["payment"] == "134.69" and lines["lines"][2]["kind"] == "plan"


def test_the_bank_refuses_with_a_reason(api, plan) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    body = assert_error(decision(api, plan, {"agree": False}), 422, "required")
    assert body["errors"] == {"reason": ["Indiquez le motif du refus."]}
    assert snapshot() == before
    response = decision(api, plan, {"agree": False, "reason": "Reste à vivre insuffisant."})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["refusal_reason"]) == (
        "refused",
        "Reste à vivre insuffisant.",
    )
    # The other decision afterwards: 409, nothing changes.
    before = snapshot()
    assert_error(decision(api, plan, {"agree": True}), 409, "plan_decided")
    assert snapshot() == before


def test_a_plan_outdated_by_a_payment_is_409(api, adviser, plan) -> None:  # type: ignore[no-untyped-def]
    pay(adviser, plan.loan, date(2026, 3, 25), D("50.00"), "VIR-0002")
    before = snapshot()
    body = assert_error(decision(api, plan, {"agree": True}, date(2026, 3, 25)), 409)
    assert body["code"] == "plan_outdated" and "50,95" in body["message"]
    assert snapshot() == before
    assert RepaymentPlan.objects.get().state == PlanState.PROPOSED


def test_bad_bodies_are_422(api, plan) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    assert_error(decision(api, plan, {}), 422, "invalid_input")
    assert_error(decision(api, plan, {"agree": "peut-être"}), 422, "invalid_input")
    assert_error(decision(api, plan, {"agree": False, "reason": "x" * 2001}), 422)
    assert snapshot() == before


def test_another_bank_unknown_plans_and_dossiers_without_loan(  # type: ignore[no-untyped-def]
    api, api_b, referent, adviser, plan
) -> None:
    before = snapshot()
    with on(PROPOSED):
        assert_error(api_b.get(url(plan)), 404, "not_found")
    assert_error(decision(api_b, plan, {"agree": True}), 404, "not_found")
    # A plan id of another loan of the same bank, under this dossier: 404.
    with on(PROPOSED):
        other = make_loan(created_by=referent, adviser=adviser)
        response = api.post(
            f"/api/v1/dossiers/{other.dossier.number}/plans/{plan.pk}/decision", {"agree": True}
        )
    assert_error(response, 404, "not_found")
    with on(PROPOSED):
        granted = make_granted_dossier(created_by=referent, adviser=adviser)
        assert_error(api.get(f"/api/v1/dossiers/{granted.number}/plans"), 409, "no_loan")
    assert snapshot() == before
