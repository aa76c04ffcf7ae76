"""Writes of the end of a repaid loan: the project's proof (the invoice, filed through the
documents rules, or its waiver) and the CCAS's bonification (paid, or waived).

Both wait for the dossier to be « remboursé » (the bank adviser's `record_repaid`); closing the
dossier waits for both (dossiers.hooks.closing_blockers, answered by servicing.handlers). Each
function locks the dossier row, as the workflow's moves do, and writes one audit row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.formatting import format_eur
from microcredit.core.services import audit_event_create
from microcredit.documents.models import Document
from microcredit.documents.rules import UploadRefused
from microcredit.documents.services import document_store
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from microcredit.loans.selectors import loan_for_user_or_404
from microcredit.servicing.enums import PaymentMode
from microcredit.servicing.models import Bonification, ProjectProof
from microcredit.servicing.rules import closing as rules
from microcredit.servicing.selectors.closing import CLOSING_ROLES, bonification_figures

__all__ = [
    "bonification_record",
    "bonification_waive",
    "project_proof_record",
    "project_proof_waive",
]


def _loan_to_close(actor: User, membership: Membership, loan_id: int) -> tuple[Loan, Dossier]:
    """The loan through the loan funnel (404), its dossier locked; the référent or the director
    of the loan's organisation only; the dossier « remboursé »."""
    loan = loan_for_user_or_404(actor, membership, loan_id)
    if membership.role not in CLOSING_ROLES or membership.organisation_id != loan.organisation_id:
        raise Refused(
            "Seuls le référent et la direction du CCAS enregistrent le justificatif du projet "
            "et la bonification."
        )
    dossier = Dossier.objects.select_for_update().get(pk=loan.dossier_id)
    if dossier.state == DossierState.GUARANTEE_CALLED:
        raise Refused(
            "La garantie a été appelée : il n'y a ni justificatif du projet ni bonification, "
            "le dossier peut être clôturé."
        )
    if dossier.state != DossierState.REPAID:
        raise Refused(
            f"Le dossier est « {dossier.get_state_display()} » : le justificatif du projet et la "
            "bonification s'enregistrent une fois le prêt entièrement remboursé (dossier "
            "« remboursé »)."
        )
    loan.dossier = dossier
    return loan, dossier


def _reason(reason: str) -> str:
    text = reason.strip()
    problem = rules.reason_problem(text)
    if problem is not None:
        raise ValidationError({"reason": problem})
    return text


def _no_proof_yet(loan: Loan) -> None:
    if ProjectProof.objects.filter(loan=loan).exists():
        raise Refused("Le justificatif du projet est déjà enregistré.")


def _no_bonification_yet(loan: Loan) -> None:
    if Bonification.objects.filter(loan=loan).exists():
        raise Refused("La bonification est déjà enregistrée.")


@transaction.atomic
def project_proof_record(
    *, actor: User, membership: Membership, loan_id: int, upload: UploadedFile[bytes], today: date
) -> ProjectProof:
    """File the project's invoice (kind « invoice », checked as any document: PDF/JPEG/PNG by its
    first bytes, size, name, not already filed) and link it as the project's proof.

    Raises:
        Http404: the loan is not visible to the actor.
        Refused: not the référent or the director, the dossier not « remboursé », a proof
            already recorded.
        ValidationError: the file is refused or already filed (on "upload").
    """
    loan, dossier = _loan_to_close(actor, membership, loan_id)
    _no_proof_yet(loan)
    stored: list[Document] = []
    try:
        try:
            document = document_store(
                actor=actor,
                dossier=dossier,
                kind=rules.INVOICE_KIND,
                label=rules.INVOICE_LABEL,
                upload=upload,
                field="upload",
            )
        except UploadRefused as refusal:
            raise ValidationError(
                {"upload": ValidationError(refusal.message, code="invalid_file")}
            ) from refusal
        stored.append(document)
        proof = ProjectProof.objects.create(loan=loan, document=document, recorded_by=actor)
        audit_event_create(
            actor=actor,
            action=AuditAction.PROJECT_PROOF_RECORDED,
            obj=loan,
            new_values={
                "document": document.pk,
                "name": document.original_name,
                "sha256": document.sha256,
                "on": today,
            },
        )
    except Exception:
        # The file is written before the rows: nothing half-done stays on the disk.
        for document in stored:
            document.file.delete(save=False)
        raise
    return proof


@transaction.atomic
def project_proof_waive(
    *, actor: User, membership: Membership, loan_id: int, reason: str
) -> ProjectProof:
    """Record that no proof will be filed, and why (the project was not carried out...).

    Raises:
        Http404: the loan is not visible to the actor.
        Refused: not the référent or the director, the dossier not « remboursé », a proof
            already recorded.
        ValidationError: no reason, or too long (on "reason").
    """
    loan, _dossier = _loan_to_close(actor, membership, loan_id)
    text = _reason(reason)
    _no_proof_yet(loan)
    proof = ProjectProof.objects.create(loan=loan, waived_reason=text, recorded_by=actor)
    audit_event_create(
        actor=actor,
        action=AuditAction.PROJECT_PROOF_WAIVED,
        obj=loan,
        reason=text,
        new_values={"waived": True},
    )
    return proof


@transaction.atomic
def bonification_record(
    *,
    actor: User,
    membership: Membership,
    loan_id: int,
    paid_on: date,
    mode: str,
    today: date,
    expected_amount: Decimal | None = None,
) -> Bonification:
    """Record the CCAS's refund, of the amount the loan engine gives (`bonification_amount` on
    the schedule in force and the repayments, with the parameters of the programme version in
    force on the disbursement day), paid on `paid_on` by `mode`.

    `expected_amount` is the amount the person saw: when it is no longer the amount due, the
    refund is refused rather than recorded at an amount they did not see.

    Raises:
        Http404: the loan is not visible to the actor.
        Refused: not the référent or the director, the dossier not « remboursé », no proof yet,
            a bonification already recorded, no amount due (switched off, proof waived), the
            amount changed.
        ValidationError: the date (future, before the disbursement) or the mode (by field).
    """
    loan, _dossier = _loan_to_close(actor, membership, loan_id)
    _no_bonification_yet(loan)
    errors: dict[str, str] = {}
    if mode not in PaymentMode.values:
        errors["mode"] = "Choisissez le mode de paiement : virement ou chèque."
    if paid_on > today:
        errors["paid_on"] = "La date du versement est dans le futur."
    elif paid_on < loan.disbursement_date:
        errors["paid_on"] = "La date du versement est antérieure au décaissement du prêt."
    if errors:
        raise ValidationError(errors)
    proof = ProjectProof.objects.filter(loan=loan).first()
    if proof is None:
        raise Refused(
            "Enregistrez d'abord le justificatif du projet (la facture) : la bonification en "
            "dépend."
        )
    figures = bonification_figures(loan, proven=proof.document_id is not None, today=today)
    if figures.amount <= 0:
        raise Refused(figures.no_amount_reason)
    if expected_amount is not None and expected_amount != figures.amount:
        raise Refused(
            f"Le montant de la bonification est maintenant de {format_eur(figures.amount)} "
            f"(et non {format_eur(expected_amount)}) : vérifiez-le avant de l'enregistrer."
        )
    bonification = Bonification.objects.create(
        loan=loan, amount=figures.amount, paid_on=paid_on, mode=mode, recorded_by=actor
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.BONIFICATION_RECORDED,
        obj=loan,
        new_values={
            "amount": figures.amount,
            "paid_on": paid_on,
            "mode": mode,
            "capped": figures.capped,
            "after_early_repayment": figures.after_early_repayment,
        },
    )
    return bonification


@transaction.atomic
def bonification_waive(
    *, actor: User, membership: Membership, loan_id: int, reason: str
) -> Bonification:
    """Record that the CCAS refunds nothing, and why (project not carried out, switched off...);
    the amount recorded is zero.

    Raises:
        Http404: the loan is not visible to the actor.
        Refused: not the référent or the director, the dossier not « remboursé », a bonification
            already recorded.
        ValidationError: no reason, or too long (on "reason").
    """
    loan, _dossier = _loan_to_close(actor, membership, loan_id)
    text = _reason(reason)
    _no_bonification_yet(loan)
    bonification = Bonification.objects.create(
        loan=loan, amount=Decimal("0.00"), waived_reason=text, recorded_by=actor
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.BONIFICATION_WAIVED,
        obj=loan,
        reason=text,
        new_values={"amount": Decimal("0.00"), "waived": True},
    )
    return bonification
