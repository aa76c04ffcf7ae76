"""Writes of the guarantee claim: the bank calls the guarantee (the dossier moves to « garantie
appelée » in the same transaction), then records the guarantor's payment.

The bank adviser of the loan's bank does both, on the follow-up page or through the API. A retry
answers the claim already recorded (the API's retries are idempotent); other data are refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from loan_engine import LoanEngineError
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.errors import TransitionRefused
from microcredit.core.formatting import format_date, format_eur
from microcredit.core.services import audit_event_create
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.services import dossier_transition
from microcredit.loans.models import Loan
from microcredit.loans.selectors import loan_for_user_or_404
from microcredit.loans.services.access import bank_for_update
from microcredit.servicing.enums import ClaimState
from microcredit.servicing.models import GuaranteeClaim
from microcredit.servicing.rules.claims import claim_amount, first_unpaid_problem
from microcredit.servicing.selectors.claims import guarantee_terms, loan_claim_basis

MAX_REASON = 2000
MAX_REFERENCE = 64
CENT = Decimal("0.01")


def _loan_of_bank(actor: User, membership: Membership | None, loan_id: int) -> Loan:
    """The loan, the adviser's bank row locked (one write at a time per bank, as the
    repayments: the position read here cannot change under the claim); 404 for a loan the
    actor may not see, a refusal for anyone but the bank's adviser."""
    if membership is None or membership.role != Role.BANK_ADVISER or not membership.active:
        raise TransitionRefused(
            "Seul le conseiller de la banque du prêt enregistre l'appel en garantie et le "
            "paiement du garant."
        )
    bank_for_update(membership)
    return loan_for_user_or_404(actor, membership, loan_id)


def _raise(errors: dict[str, str], code: str = "invalid") -> None:
    if errors:
        raise ValidationError(
            {field: ValidationError(message, code=code) for field, message in errors.items()}
        )


def _describe(claim: GuaranteeClaim) -> str:
    return (
        f"déchéance du terme au {format_date(claim.acceleration_date)}, première échéance "
        f"impayée du {format_date(claim.first_unpaid_date)}"
        + (f", référence « {claim.reference} »" if claim.reference else "")
    )


def _same_claim(
    claim: GuaranteeClaim, acceleration_date: date, first_unpaid_date: date, reference: str
) -> GuaranteeClaim:
    """The claim already recorded when the call repeats it; a refusal otherwise."""
    same_dates = (claim.acceleration_date, claim.first_unpaid_date) == (
        acceleration_date,
        first_unpaid_date,
    )
    same_reference = not reference or not claim.reference or reference == claim.reference
    if same_dates and same_reference:
        return claim
    raise ValidationError(
        f"La garantie de ce prêt est déjà appelée ({_describe(claim)}) : un seul appel en "
        "garantie par prêt.",
        code="claim_conflict",
    )


def _check_dates(
    loan: Loan, acceleration_date: date, first_unpaid_date: date, today: date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if acceleration_date > today:
        errors["acceleration_date"] = (
            "La date de la déchéance du terme ne peut pas être dans le futur."
        )
    elif acceleration_date < loan.disbursement_date:
        errors["acceleration_date"] = (
            "La date de la déchéance du terme est antérieure au décaissement "
            f"({format_date(loan.disbursement_date)})."
        )
    if first_unpaid_date >= acceleration_date:
        errors["first_unpaid_date"] = (
            "La première échéance impayée précède la déchéance du terme : sa date doit être "
            "antérieure à celle de la déchéance."
        )
    return errors


@transaction.atomic
def guarantee_claim_record(
    *,
    actor: User,
    membership: Membership | None,
    loan_id: int,
    acceleration_date: date,
    first_unpaid_date: date,
    reason: str,
    today: date,
    reference: str = "",
) -> GuaranteeClaim:
    """Call the guarantee of a loan in default: record the claim (sent to the guarantor) with
    the amount of the engine, and move the dossier to « garantie appelée » (the loan follows).

    The amount is `loan_engine.guarantee_claim` of what was owed on the day of the déchéance du
    terme (its principal, plus its accrued interest when the programme's guarantee covers it),
    at the guarantee rate of the programme version in force at the disbursement.

    Raises:
        Http404: the loan is not visible to the actor (another bank's).
        TransitionRefused: not the bank's adviser; the dossier is not « décaissé ».
        ValidationError: a date or the reason refused, by field; `claim_conflict` when the
            loan's guarantee was already called with other data.
    """
    loan = _loan_of_bank(actor, membership, loan_id)
    reason = reason.strip()
    reference = reference.strip()
    existing = GuaranteeClaim.objects.filter(loan=loan).first()
    if existing is not None:
        return _same_claim(existing, acceleration_date, first_unpaid_date, reference)
    state = DossierState(loan.dossier.state)
    if state != DossierState.DISBURSED:
        raise TransitionRefused(
            f"La garantie ne peut être appelée que pour un prêt en remboursement : le dossier "
            f"est « {state.label} »."
        )
    errors = _check_dates(loan, acceleration_date, first_unpaid_date, today)
    if not reason:
        errors["reason"] = "Indiquez le motif de la déchéance du terme."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Au plus {MAX_REASON} caractères."
    if len(reference) > MAX_REFERENCE:
        errors["reference"] = f"Au plus {MAX_REFERENCE} caractères."
    _raise(errors)
    try:
        basis = loan_claim_basis(loan, acceleration_date)
    except LoanEngineError as error:
        message = (
            "La déchéance du terme ne peut pas précéder le dernier remboursement anticipé de "
            "l'échéancier en vigueur."
            if error.code == "date_before_last_version"
            else error.message
        )
        raise ValidationError(
            {"acceleration_date": ValidationError(message, code="invalid")}
        ) from error
    problem = first_unpaid_problem(basis, first_unpaid_date, acceleration_date)
    _raise({"first_unpaid_date": problem} if problem else {})
    terms = guarantee_terms(loan)
    if terms is None:
        raise TransitionRefused("Aucune version des paramètres du dispositif n'est en vigueur.")
    amount = claim_amount(basis, terms.guarantee_rate_percent, terms.guarantee_includes_interest)
    claim = GuaranteeClaim.objects.create(
        loan=loan,
        reference=reference,
        acceleration_date=acceleration_date,
        first_unpaid_date=first_unpaid_date,
        guarantor_name=terms.guarantor_name,
        rate_percent=terms.guarantee_rate_percent,
        includes_interest=terms.guarantee_includes_interest,
        outstanding_principal=basis.outstanding_principal,
        accrued_interest=basis.accrued_interest,
        amount=amount,
        state=ClaimState.SENT,
        recorded_by=actor,
    )
    dossier_transition(
        actor=actor,
        membership=membership,
        dossier_id=loan.dossier_id,
        transition="call_guarantee",
        expected_state=DossierState.DISBURSED,
        reason=reason,
        flow="bank",
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.GUARANTEE_CLAIM_RECORDED,
        obj=claim,
        reason=reason,
        new_values={
            "dossier": loan.dossier.number,
            "reference": reference,
            "acceleration_date": acceleration_date,
            "first_unpaid_date": first_unpaid_date,
            "guarantor_name": claim.guarantor_name,
            "rate_percent": claim.rate_percent,
            "includes_interest": claim.includes_interest,
            "outstanding_principal": claim.outstanding_principal,
            "accrued_interest": claim.accrued_interest,
            "amount": amount,
            "state": claim.state,
        },
    )
    return claim


@transaction.atomic
def guarantee_claim_paid(
    *,
    actor: User,
    membership: Membership | None,
    loan_id: int,
    paid_amount: Decimal,
    paid_on: date,
    today: date,
) -> GuaranteeClaim:
    """Record the guarantor's payment of the claim (state « payé par le garant »).

    The amount may be lower than the amount called (the bank bears the rest, the loss ledger
    says so), never higher. Recording the same payment again answers the claim unchanged.

    Raises:
        Http404: the loan is not visible to the actor (another bank's).
        TransitionRefused: not the bank's adviser.
        ValidationError: `no_claim` when the guarantee was not called; `claim_conflict` when
            another payment is recorded; the amount or the date refused, by field.
    """
    loan = _loan_of_bank(actor, membership, loan_id)
    claim = GuaranteeClaim.objects.select_for_update().filter(loan=loan).first()
    if claim is None:
        raise ValidationError(
            "La garantie de ce prêt n'a pas été appelée : enregistrez d'abord l'appel en garantie.",
            code="no_claim",
        )
    if claim.state == ClaimState.PAID:
        if (claim.paid_amount, claim.paid_on) == (paid_amount, paid_on):
            return claim
        paid = (
            f" : {format_eur(claim.paid_amount)} le {format_date(claim.paid_on)}"
            if claim.paid_amount is not None and claim.paid_on is not None
            else ""
        )
        raise ValidationError(
            f"Le paiement du garant est déjà enregistré{paid}.",
            code="claim_conflict",
        )
    claimed_on = timezone.localdate(claim.recorded_at)
    errors: dict[str, str] = {}
    if paid_amount <= 0:
        errors["paid_amount"] = "Le montant payé par le garant doit être positif."
    elif paid_amount != paid_amount.quantize(CENT):
        errors["paid_amount"] = "Au plus deux décimales (centimes)."
    elif paid_amount > claim.amount:
        errors["paid_amount"] = (
            f"Le garant ne paie pas plus que le montant appelé ({format_eur(claim.amount)}) : "
            "vérifiez le montant reçu. S'il a payé moins, la différence reste à la charge de la "
            "banque."
        )
    if paid_on > today:
        errors["paid_on"] = "La date du paiement ne peut pas être dans le futur."
    elif paid_on < claimed_on:
        errors["paid_on"] = (
            f"Le paiement du garant ne peut pas précéder l'appel en garantie, enregistré le "
            f"{format_date(claimed_on)}."
        )
    _raise(errors)
    claim.state = ClaimState.PAID
    claim.paid_amount = paid_amount
    claim.paid_on = paid_on
    claim.save(update_fields=["state", "paid_amount", "paid_on"])
    audit_event_create(
        actor=actor,
        action=AuditAction.GUARANTEE_CLAIM_PAID,
        obj=claim,
        old_values={"state": ClaimState.SENT},
        new_values={
            "dossier": loan.dossier.number,
            "state": claim.state,
            "paid_amount": paid_amount,
            "paid_on": paid_on,
        },
    )
    return claim
