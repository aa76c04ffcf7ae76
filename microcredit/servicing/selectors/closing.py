"""Reads of the end of a loan: the project proof, the bonification the CCAS refunds (its amount
from the loan engine), and what still prevents closing the dossier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import KIND_EARLY_REPAYMENT, bonification_amount
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment
from microcredit.loans.selectors import (
    loan_for_user_or_404,
    loan_payments,
    loan_position,
    loan_schedule,
)
from microcredit.programmes.selectors import version_in_force
from microcredit.servicing.models import Bonification, GuaranteeClaim, ProjectProof
from microcredit.servicing.rules import closing as rules

# Who records the proof and the bonification, and closes: the CCAS's référent or director.
CLOSING_ROLES = (Role.REFERENT, Role.DIRECTOR)


@dataclass(frozen=True)
class BonificationFigures:
    """The bonification as the engine gives it, with what the page says about it.

    The parameters are those of the programme version in force on the disbursement day: the
    terms the borrower was granted."""

    amount: Decimal
    enabled: bool
    cap: Decimal | None
    capped: bool  # the cap lowered the amount
    after_early_repayment: bool  # the installment in force before a total early repayment
    fully_repaid: bool
    proven: bool
    guarantee_called: bool

    @property
    def no_amount_reason(self) -> str:
        return rules.no_bonification_reason(
            enabled=self.enabled, proven=self.proven, guarantee_called=self.guarantee_called
        )


def guarantee_was_called(loan: Loan) -> bool:
    return (
        loan.state == LoanState.GUARANTEE_CALLED
        or GuaranteeClaim.objects.filter(loan=loan).exists()
    )


def bonification_figures(loan: Loan, *, proven: bool, today: date) -> BonificationFigures:
    """`loan_engine.bonification_amount` on the schedule in force and the repayments made by
    `today`: the last installment paid; after a total early repayment the installment in
    force before it; none after a guarantee claim; switched off or capped by the parameters."""
    version = version_in_force(loan.dossier.programme, loan.disbursement_date)
    enabled = bool(version and version.bonification_enabled)
    cap = version.bonification_cap if version else None
    schedule = loan_schedule(loan)
    repayments = list(Repayment.objects.filter(loan=loan).order_by("date", "id"))
    status = loan_position(loan, today, schedule=schedule, repayments=repayments)
    payments = [p for p in loan_payments(repayments) if p.date <= status.as_of]
    called = guarantee_was_called(loan)

    def amount(limit: Decimal | None) -> Decimal:
        return bonification_amount(
            schedule,
            payments,
            fully_repaid=status.position.fully_repaid,
            project_proven=proven,
            guarantee_called=called,
            enabled=enabled,
            cap=limit,
        )

    capped_amount = amount(cap)
    last = schedule.rows[-1]
    return BonificationFigures(
        amount=capped_amount,
        enabled=enabled,
        cap=cap,
        capped=cap is not None and capped_amount < amount(None),
        after_early_repayment=last.kind == KIND_EARLY_REPAYMENT and last.balance == 0,
        fully_repaid=status.position.fully_repaid,
        proven=proven,
        guarantee_called=called,
    )


def closing_blockers_for(dossier: Dossier) -> list[str]:
    """What prevents closing `dossier`, in French (the hook dossiers.hooks.closing_blockers):
    for a repaid loan, the project proof and the bonification, recorded or waived."""
    if dossier.state != DossierState.REPAID:
        return []
    loan = Loan.objects.filter(dossier=dossier).first()
    if loan is None:
        return []
    return rules.closing_blockers(
        repaid=True,
        proof_recorded=ProjectProof.objects.filter(loan=loan).exists(),
        bonification_recorded=Bonification.objects.filter(loan=loan).exists(),
    )


@dataclass(frozen=True)
class ClosingSection:
    loan: Loan
    proof: ProjectProof | None
    bonification: Bonification | None
    repaid: bool  # the dossier is « remboursé »: the proof and the bonification are recorded now
    guarantee_called: bool
    closed: bool
    # The amount the CCAS would refund (as if the invoice were filed, while it is not yet);
    # None once the bonification is recorded, or before the loan is repaid.
    figures: BonificationFigures | None
    blockers: list[str]
    can_record: bool  # the référent or the director of the loan's organisation
    can_close: bool

    @property
    def awaiting_proof(self) -> bool:
        return self.repaid and self.proof is None


def _can_record(loan: Loan, membership: Membership | None) -> bool:
    return (
        membership is not None
        and membership.role in CLOSING_ROLES
        and membership.organisation_id == loan.organisation_id
    )


def closing_section(loan: Loan, membership: Membership | None, today: date) -> ClosingSection:
    """The proof, the bonification and what closing waits for (the follow-up page's section and
    the closing page)."""
    dossier = loan.dossier
    proof = ProjectProof.objects.filter(loan=loan).select_related("document").first()
    bonification = Bonification.objects.filter(loan=loan).first()
    repaid = dossier.state == DossierState.REPAID
    called = dossier.state == DossierState.GUARANTEE_CALLED or guarantee_was_called(loan)
    figures = None
    if repaid and bonification is None:
        proven = proof is None or proof.document_id is not None
        figures = bonification_figures(loan, proven=proven, today=today)
    can_record = _can_record(loan, membership)
    return ClosingSection(
        loan=loan,
        proof=proof,
        bonification=bonification,
        repaid=repaid,
        guarantee_called=called,
        closed=dossier.state == DossierState.CLOSED,
        figures=figures,
        blockers=rules.closing_blockers(
            repaid=repaid,
            proof_recorded=proof is not None,
            bonification_recorded=bonification is not None,
        ),
        can_record=can_record,
        can_close=can_record
        and dossier.state in (DossierState.REPAID, DossierState.GUARANTEE_CALLED),
    )


def closing_page(
    user: User, membership: Membership | None, loan_id: int, today: date
) -> ClosingSection:
    """The closing section of a loan `user` may see (404 otherwise)."""
    return closing_section(loan_for_user_or_404(user, membership, loan_id), membership, today)
