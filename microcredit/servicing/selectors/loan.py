"""The loan's follow-up page (suivi du prêt): the loan through the loan funnel, and each
section's own data (plans, guarantee claim, closing), read by that section's selector."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from microcredit.accounts.models import Membership, User
from microcredit.loans.models import Loan
from microcredit.loans.selectors import LoanStatus, loan_for_user_or_404, loan_position
from microcredit.servicing.selectors import claims, closing, plans


@dataclass(frozen=True)
class FollowUpPage:
    loan: Loan
    status: LoanStatus
    plans: Any
    claim: Any
    closing: Any


def followup_page(
    user: User, membership: Membership | None, loan_id: int, today: date
) -> FollowUpPage:
    """Everything the follow-up page shows; 404 for a loan `user` may not see."""
    loan = loan_for_user_or_404(user, membership, loan_id)
    return FollowUpPage(
        loan=loan,
        status=loan_position(loan, today),
        plans=plans.plan_section(loan, membership, today),
        claim=claims.claim_section(loan, membership, today),
        closing=closing.closing_section(loan, membership, today),
    )
