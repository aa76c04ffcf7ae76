"""The plan de reprise as people click through it, in Chromium: the référent previews and
proposes a plan on the loan's follow-up page, the bank adviser agrees; the plan is in force.
No CSP violation, script or server error. (Figures by hand: tests/servicing/test_plans.py.)"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from loan_engine import add_months
from microcredit.accounts.enums import Role
from microcredit.loans.services import repayment_record_for_loan
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import RepaymentPlan
from tests.browser.conftest import login, sign_out
from tests.conftest import PASSWORD
from tests.factories import make_loan, membership_of
from tests.servicing.plan_helpers import PARIS, D

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def disbursement_day(today: date) -> date:
    """A cheque such that the 2nd installment is late today and the 3rd not due yet."""
    if today.day >= 3:  # due dates on the 1st: last month's paid, this month's late
        return add_months(today.replace(day=1), -2)
    return add_months(today.replace(day=15), -3)  # on the 15th


def test_the_referent_proposes_the_bank_agrees(page, live_server, make_user) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    day = disbursement_day(timezone.localdate())
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        loan = make_loan(created_by=referent, adviser=adviser, amount=D("1200.00"), months=12)
    first_due = add_months(day, 1)
    repayment_record_for_loan(
        actor=adviser,
        membership=membership_of(adviser),
        loan_id=loan.pk,
        reference="VIR-0001",
        date=first_due,
        amount=D("100.95"),  # the installment, by hand in tests/servicing/plan_helpers.py
        today=first_due + timedelta(days=1),
    )
    url = f"{live_server.url}/suivi/prets/{loan.pk}/"

    login(page, live_server, "referent", PASSWORD)
    page.goto(url)
    plans = page.locator("#plans")
    assert "100,95\u00a0€" in plans.inner_text()  # the 2nd installment, unpaid
    page.get_by_label("Durée du plan (mois)").fill("3")
    page.get_by_label("En plus des mensualités en cours").check()
    page.get_by_label("Accord avec l'emprunteur").fill("Accord au rendez-vous.")
    page.get_by_role("button", name="Prévisualiser").click()
    # 100.95 + 33.21 + 0.53 (by hand in tests/servicing/test_plans.py)
    assert "134,69\u00a0€" in page.locator("#plans").inner_text()
    assert not RepaymentPlan.objects.exists()
    page.get_by_role("button", name="Proposer le plan à la banque").click()
    assert "Le plan de reprise est proposé à la banque" in page.content()
    sign_out(page)

    login(page, live_server, "conseiller", PASSWORD)
    page.goto(url)
    assert "Plan proposé à la banque" in page.locator("#plans").inner_text()
    page.get_by_role("button", name="Accepter le plan").click()
    assert "Le plan de reprise est accepté" in page.content()
    assert "Plan en cours" in page.locator("#plans").inner_text()
    plan = RepaymentPlan.objects.get()
    assert plan.state == PlanState.AGREED and plan.schedule_version.number == 2
    page.problems.assert_none()
