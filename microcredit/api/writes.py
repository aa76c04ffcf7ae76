"""The API's writes: the bank's decision, the signed offer, the disbursement (dossiers), the
repayments and incidents (loans). Only through the services (atomic: nothing half-applied).

Safe retries (#18): a decision, an offer or a disbursement identical to the one the dossier
already has answers 200 with the dossier, as the first call did (a retry after a timeout, even
without `Idempotency-Key`); a different one is refused as before (409/422). That holds for
identical calls at the same moment too: the one the service refuses because another just
recorded the same thing (409 transition_refused) answers 200 as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form
from ninja.files import UploadedFile

from microcredit.api import schemas
from microcredit.api.base import (
    NUMBER,
    WRITE,
    api,
    dossier_or_404,
    principal_of,
    related,
    responses,
)
from microcredit.api.errors import api_fields
from microcredit.api.reads import fresh
from microcredit.api.schemas import (
    DecisionIn,
    DisbursementIn,
    DossierOut,
    IncidentIn,
    IncidentOut,
    RepaymentBatchIn,
    RepaymentBatchOut,
)
from microcredit.banking import rules as banking_rules
from microcredit.banking import services as banking_services
from microcredit.banking.enums import BankOutcome
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.enums import AccessAction
from microcredit.core.errors import TransitionRefused
from microcredit.documents.models import Document
from microcredit.documents.rules import UploadRefused, check_sent_names
from microcredit.dossiers.models import Dossier
from microcredit.loans import services as loan_services
from microcredit.loans.enums import RecordedVia

# The services name some fields after their own arguments; the error body uses the API's names.
REFUSAL_FIELDS = {"reason": "refusal_reason", "text": "refusal_text"}
OFFER_FIELDS = {"upload": "file"}


# ---------------------------------------------------------------- already recorded, identical
def _same_decision(dossier: Dossier, payload: DecisionIn) -> bool:
    """The dossier's decision is the one sent (accepted: same terms; refused: same reason and
    text), as the service would have recorded it."""
    decision: BankDecision | None = related(dossier, "bank_decision")
    outcome = str(payload.outcome)
    if decision is None or decision.outcome != outcome:
        return False
    if outcome == BankOutcome.ACCEPTED:
        # The service records no deferral kind without deferral months.
        kind = payload.deferral_kind.value if payload.deferral_months else "none"
        return (
            payload.amount is not None
            and decision.amount == payload.amount
            and decision.months == payload.months
            and decision.deferral_months == payload.deferral_months
            and decision.deferral_kind == kind
        )
    return (
        payload.refusal_reason is not None
        and decision.refusal_reason == payload.refusal_reason.value
        and decision.refusal_text == payload.refusal_text.strip()
    )


def _file_sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _same_offer(dossier: Dossier, signed_on: Any, upload: UploadedFile) -> bool:
    """The dossier's signed offer has that date and that file (same content)."""
    decision: BankDecision | None = related(dossier, "bank_decision")
    if (
        decision is None
        or decision.offer_signed_on != signed_on
        or decision.offer_document_id is None
    ):
        return False
    recorded = (
        Document.objects.filter(pk=decision.offer_document_id)
        .values_list("sha256", flat=True)
        .first()
    )
    return recorded is not None and recorded == _file_sha256(upload)


def _same_disbursement(dossier: Dossier, payload: DisbursementIn) -> bool:
    """The dossier's disbursement is that cheque (number, date, amount) to that payee."""
    disbursement: Disbursement | None = related(dossier, "disbursement")
    if disbursement is None:
        return False
    applicant = dossier.applicant
    payee, problems = banking_rules.resolve_payee(
        dossier_payee=dossier.payee_name,
        payee_name=payload.payee_name.strip(),
        reason=payload.payee_change_reason.strip(),
        dossier_siret=dossier.payee_siret,
        payee_siret=payload.payee_siret.strip(),
        borrower=(applicant.first_name, applicant.last_name),
    )
    return (
        payee is not None
        and not problems
        and disbursement.cheque_number == " ".join(payload.cheque_number.split()).upper()
        and disbursement.date == payload.date
        and disbursement.amount == payload.amount
        and disbursement.payee_name == payee.name
        and disbursement.payee_siret == payee.siret
        and disbursement.payee_changed == payee.changed
        and disbursement.payee_change_reason == payee.reason
    )


def _record_unless_identical(
    request: HttpRequest,
    dossier: Dossier,
    *,
    same: Callable[[Dossier], bool],
    record: Callable[[], object],
    action: AccessAction,
) -> dict[str, Any]:
    """The dossier after `record()`, or as it is when it already holds the same thing: before
    the call (a retry), or after the service refused it because a concurrent identical call
    recorded it in between (the dossier read again)."""
    if not same(dossier):
        try:
            record()
        except (TransitionRefused, ValidationError):
            current = dossier_or_404(request, dossier.number)
            if not same(current):
                raise
    return fresh(request, dossier, action)


@api.post(
    "/dossiers/{number}/decision",
    response=responses(WRITE, DossierOut),
    summary="Enregistrer la décision de la banque",
    description=(
        "Accord (outcome « accepted » : amount, months, deferral_months, deferral_kind, dans les "
        "paramètres du dispositif ; refusé si le TAEG dépasse le seuil de l'usure) ou refus "
        "(outcome « refused » : refusal_reason dans la liste, refusal_text). Le dossier doit "
        "être « transmis à la banque » (sinon 409)."
    ),
    tags=["decisions"],
)
def dossier_decision(
    request: HttpRequest, payload: DecisionIn, number: str = NUMBER
) -> dict[str, Any]:
    principal = principal_of(request)
    dossier = dossier_or_404(request, number)

    def record() -> None:
        if payload.outcome == "accepted":
            missing = [name for name in ("amount", "months") if getattr(payload, name) is None]
            if missing:
                raise ValidationError(
                    {
                        name: ValidationError(
                            "Ce champ est obligatoire pour un accord.", code="required"
                        )
                        for name in missing
                    }
                )
            banking_services.bank_accept(
                actor=principal.user,
                membership=principal.membership,
                dossier_id=dossier.pk,
                amount=payload.amount,  # type: ignore[arg-type]
                months=payload.months,  # type: ignore[arg-type]
                deferral_months=payload.deferral_months,
                deferral_kind=payload.deferral_kind.value,
                today=timezone.localdate(),
            )
            return
        if payload.refusal_reason is None:
            raise ValidationError(
                {
                    "refusal_reason": ValidationError(
                        "Choisissez le motif du refus dans la liste.", code="required"
                    )
                }
            )
        with api_fields(REFUSAL_FIELDS):
            banking_services.bank_refuse(
                actor=principal.user,
                membership=principal.membership,
                dossier_id=dossier.pk,
                reason=payload.refusal_reason.value,
                text=payload.refusal_text,
            )

    return _record_unless_identical(
        request,
        dossier,
        same=lambda d: _same_decision(d, payload),
        record=record,
        action=AccessAction.API_DOSSIER_DECISION,
    )


@api.post(
    "/dossiers/{number}/offer",
    response=responses(WRITE, DossierOut),
    summary="Déposer l'offre de prêt signée",
    description=(
        "Formulaire multipart : signed_on (date de signature, AAAA-MM-JJ) et file (l'offre "
        "signée, PDF, JPEG ou PNG). Le dossier doit être « accordé »."
    ),
    tags=["decisions"],
)
def dossier_offer(
    request: HttpRequest,
    signed_on: Annotated[
        schemas.ApiDate,
        Form(description="Date de signature (AAAA-MM-JJ)."),
    ],
    file: Annotated[UploadedFile, File(description="L'offre signée (PDF, JPEG ou PNG).")],
    number: str = NUMBER,
) -> dict[str, Any]:
    principal = principal_of(request)
    dossier = dossier_or_404(request, number)
    try:  # the multipart parser kept only the last part of a name sent with a path
        check_sent_names(getattr(request, "upload_names_with_path", []))
    except UploadRefused as refusal:
        raise ValidationError(
            {"file": ValidationError(refusal.message, code="invalid_file")}
        ) from refusal

    def record() -> None:
        with api_fields(OFFER_FIELDS):
            banking_services.bank_offer_record(
                actor=principal.user,
                membership=principal.membership,
                dossier_id=dossier.pk,
                signed_on=signed_on,
                upload=file,
                today=timezone.localdate(),
            )

    return _record_unless_identical(
        request,
        dossier,
        same=lambda d: _same_offer(d, signed_on, file),
        record=record,
        action=AccessAction.API_DOSSIER_OFFER,
    )


@api.post(
    "/dossiers/{number}/disbursement",
    response=responses(WRITE, DossierOut),
    summary="Enregistrer le décaissement",
    description=(
        "Le chèque de banque remis au bénéficiaire : numéro, date, montant (le montant accordé). "
        "Le bénéficiaire est celui du dossier ; s'il diffère, indiquez payee_name, payee_siret "
        "et payee_change_reason (jamais l'emprunteur). Exige l'offre signée. Crée le prêt et "
        "son échéancier."
    ),
    tags=["decisions"],
)
def dossier_disbursement(
    request: HttpRequest, payload: DisbursementIn, number: str = NUMBER
) -> dict[str, Any]:
    principal = principal_of(request)
    dossier = dossier_or_404(request, number)
    return _record_unless_identical(
        request,
        dossier,
        same=lambda d: _same_disbursement(d, payload),
        record=lambda: banking_services.disbursement_record(
            actor=principal.user,
            membership=principal.membership,
            dossier_id=dossier.pk,
            cheque_number=payload.cheque_number.strip(),
            date=payload.date,
            amount=payload.amount,
            payee_name=payload.payee_name.strip(),
            payee_change_reason=payload.payee_change_reason.strip(),
            payee_siret=payload.payee_siret.strip(),
            today=timezone.localdate(),
            via=RecordedVia.API,
        ),
        action=AccessAction.API_DOSSIER_DISBURSEMENT,
    )


@api.post(
    "/repayments",
    response=responses(WRITE, RepaymentBatchOut),
    summary="Envoyer un lot de remboursements",
    description=(
        f"Au plus {loan_services.MAX_BATCH} remboursements par lot, tout ou rien. Idempotent : "
        "une référence déjà reçue avec le même contenu est ignorée (already_recorded), de même "
        "qu'une ligne qui répète une ligne précédente du lot (duplicate_in_batch) ; la même "
        "référence avec un autre contenu est refusée (409 reference_conflict) et rien n'est "
        "enregistré. Un dossier inconnu de la banque donne 404 (unknown_dossier)."
    ),
    tags=["loans"],
)
def repayments_post(request: HttpRequest, payload: RepaymentBatchIn) -> dict[str, Any]:
    principal = principal_of(request)
    lines = [
        loan_services.RepaymentLine(
            reference=line.reference,
            dossier_number=line.dossier_number,
            date=line.date,
            amount=line.amount,
            early_repayment=line.early_repayment,
            early_repayment_keep=line.early_repayment_keep,
        )
        for line in payload.repayments
    ]
    result = loan_services.repayments_record_batch(
        actor=principal.user,
        membership=principal.membership,
        lines=lines,
        today=timezone.localdate(),
        via=RecordedVia.API,
    )
    # The service records a reference once: a later line with the same reference (same content,
    # else it refuses the batch) is a duplicate, so that the items add up to the counts.
    already = {r.reference for r in result.already_recorded}
    seen: set[str] = set()
    items = []
    for line in payload.repayments:
        if line.reference in seen:
            status = "duplicate_in_batch"
        else:
            status = "already_recorded" if line.reference in already else "recorded"
            seen.add(line.reference)
        items.append(
            {"reference": line.reference, "dossier_number": line.dossier_number, "status": status}
        )
    return {
        "recorded": len(result.recorded),
        "already_recorded": len(result.already_recorded),
        "duplicate_in_batch": len(items) - len(seen),
        "items": items,
    }


@api.post(
    "/incidents",
    response=responses(WRITE, IncidentOut),
    summary="Signaler un incident",
    description=(
        "Une échéance impayée, un rejet ou un autre incident sur un prêt décaissé. Idempotent "
        "par référence, comme les remboursements."
    ),
    tags=["loans"],
)
def incident_post(request: HttpRequest, payload: IncidentIn) -> dict[str, Any]:
    principal = principal_of(request)
    incident, created = loan_services.incident_record(
        actor=principal.user,
        membership=principal.membership,
        reference=payload.reference,
        dossier_number=payload.dossier_number,
        kind=payload.kind.value,
        date=payload.date,
        amount=payload.amount,
        note=payload.note,
        today=timezone.localdate(),
        via=RecordedVia.API,
    )
    return {
        "reference": incident.reference,
        "dossier_number": payload.dossier_number,
        "kind": incident.kind,
        "date": incident.date,
        "amount": incident.amount,
        "note": incident.note,
        "status": "recorded" if created else "already_recorded",
    }
