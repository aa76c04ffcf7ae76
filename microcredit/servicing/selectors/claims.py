"""Reads of guarantee claims."""

from __future__ import annotations

from datetime import date

from microcredit.accounts.models import Membership
from microcredit.loans.models import Loan
from microcredit.servicing.models import GuaranteeClaim


def claim_section(loan: Loan, membership: Membership | None, today: date) -> GuaranteeClaim | None:
    """The loan's guarantee claim, if the bank called the guarantee."""
    return GuaranteeClaim.objects.filter(loan=loan).first()
