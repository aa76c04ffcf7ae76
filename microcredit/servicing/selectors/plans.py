"""Reads of repayment plans."""

from __future__ import annotations

from datetime import date

from microcredit.accounts.models import Membership
from microcredit.loans.models import Loan
from microcredit.servicing.models import RepaymentPlan


def plan_section(loan: Loan, membership: Membership | None, today: date) -> list[RepaymentPlan]:
    """The loan's plans, newest first (the follow-up page's plan section)."""
    return list(RepaymentPlan.objects.filter(loan=loan).order_by("-proposed_at", "-id"))
