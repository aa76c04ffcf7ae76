"""Reads of the end of a loan: the project proof and the bonification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from microcredit.accounts.models import Membership
from microcredit.loans.models import Loan
from microcredit.servicing.models import Bonification, ProjectProof


@dataclass(frozen=True)
class ClosingSection:
    proof: ProjectProof | None
    bonification: Bonification | None


def closing_section(loan: Loan, membership: Membership | None, today: date) -> ClosingSection:
    return ClosingSection(
        proof=ProjectProof.objects.filter(loan=loan).first(),
        bonification=Bonification.objects.filter(loan=loan).first(),
    )
