"""Reads of guarantee claims: the claim of a loan, its loss ledger, what the loan owed on the day
of the déchéance du terme, and the follow-up page's section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import LoanEngineError
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.enums import DossierState
from microcredit.loans.models import Loan
from microcredit.loans.selectors import (
    loan_for_user_or_404,
    loan_payments,
    loan_schedule,
    repayments_by_loan,
)
from microcredit.programmes.models import ProgrammeVersion
from microcredit.programmes.selectors import version_in_force
from microcredit.servicing.enums import ClaimState
from microcredit.servicing.models import GuaranteeClaim
from microcredit.servicing.rules.claims import (
    ClaimBasis,
    LossLedger,
    claim_amount,
    claim_basis,
    loss_ledger,
)


def claim_of_loan(loan: Loan) -> GuaranteeClaim | None:
    return GuaranteeClaim.objects.filter(loan=loan).select_related("recorded_by").first()


def claim_ledger(claim: GuaranteeClaim) -> LossLedger:
    """The loss ledger of a claim: the guarantor's share (paid, or expected) and the bank's."""
    return loss_ledger(
        outstanding_principal=claim.outstanding_principal,
        accrued_interest=claim.accrued_interest,
        includes_interest=claim.includes_interest,
        amount=claim.amount,
        paid_amount=claim.paid_amount,
    )


def loan_claim_basis(loan: Loan, on: date) -> ClaimBasis:
    """What the loan owed on `on` (its schedule in force, the repayments made up to `on`).

    Raises:
        loan_engine.LoanEngineError: `on` before the disbursement or the last early repayment.
    """
    repayments = repayments_by_loan([loan.pk]).get(loan.pk, [])
    return claim_basis(loan_schedule(loan), loan_payments(repayments), on)


def guarantee_terms(loan: Loan) -> ProgrammeVersion | None:
    """The programme version whose guarantee covers the loan: the one in force on the day of
    the disbursement (a later version does not change the guarantee of a loan already made)."""
    return version_in_force(loan.dossier.programme, loan.disbursement_date)


def is_adviser_of_bank(membership: Membership | None, loan: Loan) -> bool:
    return (
        membership is not None
        and membership.role == Role.BANK_ADVISER
        and membership.organisation_id == loan.bank_id
    )


@dataclass(frozen=True)
class ClaimSection:
    """The follow-up page's section: the claim with its ledger, and what the reader may do."""

    claim: GuaranteeClaim | None
    ledger: LossLedger | None
    can_record: bool  # the bank adviser may call the guarantee (dossier disbursed, no claim)
    can_record_payment: bool  # the bank adviser may record the guarantor's payment


def claim_section(loan: Loan, membership: Membership | None, today: date) -> ClaimSection:
    """The loan's guarantee claim and loss ledger, if the bank called the guarantee (one query)."""
    claim = claim_of_loan(loan)
    adviser = is_adviser_of_bank(membership, loan)
    return ClaimSection(
        claim=claim,
        ledger=claim_ledger(claim) if claim is not None else None,
        can_record=adviser and claim is None and loan.dossier.state == DossierState.DISBURSED,
        can_record_payment=adviser and claim is not None and claim.state == ClaimState.SENT,
    )


@dataclass(frozen=True)
class ClaimPage:
    """The bank adviser's page of the claim: the section, and where the loan stands today."""

    loan: Loan
    section: ClaimSection
    terms: ProgrammeVersion | None  # the guarantee's parameters (rate, interest, guarantor)
    today_basis: ClaimBasis | None  # what the loan owes today (None: the engine refuses today)
    today_amount: Decimal | None  # the amount a claim with a déchéance du terme today would call


def claim_page(user: User, membership: Membership | None, loan_id: int, today: date) -> ClaimPage:
    """404 for a loan `user` may not see."""
    loan = loan_for_user_or_404(user, membership, loan_id)
    section = claim_section(loan, membership, today)
    terms = guarantee_terms(loan)
    basis: ClaimBasis | None = None
    amount: Decimal | None = None
    if section.can_record:
        try:
            basis = loan_claim_basis(loan, max(today, loan.disbursement_date))
        except LoanEngineError:
            basis = None
        if basis is not None and terms is not None:
            amount = claim_amount(
                basis, terms.guarantee_rate_percent, terms.guarantee_includes_interest
            )
    return ClaimPage(
        loan=loan, section=section, terms=terms, today_basis=basis, today_amount=amount
    )
