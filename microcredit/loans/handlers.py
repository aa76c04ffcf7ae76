"""What the loan answers and does when its dossier moves (plugged into dossiers.hooks)."""

from __future__ import annotations

from django.utils import timezone

from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.loans.selectors import loan_position

# The loan's state once the dossier reaches the end of repayment.
LOAN_STATE_AFTER = {
    DossierState.REPAID: LoanState.REPAID,
    DossierState.GUARANTEE_CALLED: LoanState.GUARANTEE_CALLED,
}


def loan_fully_repaid(dossier: Dossier) -> bool:
    """Every row of the loan's schedule paid, by the engine's allocation of the repayments."""
    loan = Loan.objects.filter(dossier=dossier).first()
    if loan is None:
        return False
    return loan_position(loan, timezone.localdate()).position.fully_repaid


def loan_follows_dossier_end(event: DossierEvent) -> None:
    """The loan's state follows the dossier to « remboursé » or « garantie appelée »."""
    if event.to_state in LOAN_STATE_AFTER:
        Loan.objects.filter(dossier_id=event.dossier_id).update(
            state=LOAN_STATE_AFTER[DossierState(event.to_state)]
        )
