"""Writes of the bank's side: its decision, the signed offer, the disbursement (→ the loan).

Each function is one transaction: the dossier's move (flow "bank"), the bank's records and the
audit rows are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.banking import rules
from microcredit.banking.enums import BankOutcome, BankRefusalReason
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.banking.selectors import bank_dossier_for_user_or_404, offer_quote
from microcredit.core.enums import AuditAction
from microcredit.core.errors import TransitionRefused
from microcredit.core.formatting import format_date, format_eur, format_percent
from microcredit.core.services import audit_event_create
from microcredit.documents.models import Document
from microcredit.documents.rules import UploadRefused
from microcredit.documents.services import document_store
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.services import dossier_transition
from microcredit.loans.enums import RecordedVia
from microcredit.loans.models import Loan
from microcredit.loans.services import loan_create
from microcredit.programmes.selectors import version_in_force


def _raise(problems: Iterable[rules.Problem]) -> None:
    """One ValidationError keyed by field, each message with its code; nothing when empty."""
    errors: dict[str, list[ValidationError]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(
            ValidationError(problem.message, code=problem.code)
        )
    if errors:
        raise ValidationError(errors)


def _dossier(actor: User, membership: Membership | None, dossier_id: int) -> Dossier:
    """The transmitted dossier, row locked; 404 for anyone but an adviser of its bank."""
    return bank_dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)


def _require_state(dossier: Dossier, state: str, expected_state: str | None) -> None:
    current = DossierState(dossier.state)
    if expected_state is not None and expected_state != dossier.state:
        raise TransitionRefused(
            f"Le dossier vient d'être modifié par quelqu'un d'autre : il est maintenant "
            f"« {current.label} ». Rechargez la page pour voir son état."
        )
    if dossier.state != state:
        raise TransitionRefused(
            f"Le dossier est « {current.label} » : cette action n'est plus possible."
        )


def _accepted_decision(dossier: Dossier) -> BankDecision:
    decision = BankDecision.objects.select_for_update().filter(dossier=dossier).first()
    if decision is None or decision.outcome != BankOutcome.ACCEPTED:
        raise TransitionRefused("Le prêt n'a pas été accordé par la banque.")
    return decision


def _store_document(
    *, actor: User, dossier: Dossier, kind: str, label: str, upload: UploadedFile[bytes], field: str
) -> Document:
    """Check and store a file of the dossier (as a document upload); a refusal is on `field`."""
    try:
        return document_store(
            actor=actor, dossier=dossier, kind=kind, label=label, upload=upload, field=field
        )
    except UploadRefused as refusal:
        raise ValidationError(
            {field: ValidationError(refusal.message, code="invalid_file")}
        ) from refusal


def _forget_files(documents: list[Document]) -> None:
    for document in documents:
        document.file.delete(save=False)


@transaction.atomic
def bank_accept(
    *,
    actor: User,
    membership: Membership,
    dossier_id: int,
    amount: Decimal,
    months: int,
    deferral_months: int,
    deferral_kind: str,
    today: date,
    expected_state: str | None = None,
) -> BankDecision:
    """Grant the loan on terms within the parameters in force and under the usury threshold.

    Raises:
        Http404: the dossier was not transmitted to the actor's bank.
        TransitionRefused: the dossier is no longer waiting for the bank's decision.
        ValidationError: terms out of bounds (by field), usury threshold exceeded
            (code "usury_exceeded").
    """
    dossier = _dossier(actor, membership, dossier_id)
    _require_state(dossier, DossierState.TRANSMITTED_TO_BANK, expected_state)
    if deferral_months == 0 and deferral_kind != "none":
        deferral_kind = "none"
    version = version_in_force(dossier.programme, today)
    quote = offer_quote(
        version,
        amount=amount,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
        on_date=today,
    )
    _raise(quote.problems)
    if (
        version is None
        or quote.schedule is None
        or quote.apr_percent is None
        or quote.usury is None
    ):
        raise RuntimeError("offer_quote returned no figures without a problem")
    summary = (
        f"Accordé : {format_eur(amount)} sur {months} mois"
        + (f" après {deferral_months} mois de différé" if deferral_months else "")
        + f", mensualité {format_eur(quote.schedule.installment)}, "
        f"TAEG {format_percent(quote.apr_percent)}."
    )
    event = dossier_transition(
        actor=actor,
        membership=membership,
        dossier_id=dossier.pk,
        transition="bank_accept",
        expected_state=expected_state,
        reason=summary,
        flow="bank",
    )
    decision = BankDecision.objects.create(
        dossier=dossier,
        bank_id=membership.organisation_id,
        outcome=BankOutcome.ACCEPTED,
        decided_by=actor,
        event=event,
        amount=amount,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
        nominal_rate_percent=version.nominal_rate_percent,
        installment=quote.schedule.installment,
        apr_percent=quote.apr_percent,
        usury_threshold_percent=quote.usury.threshold,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.BANK_DECISION_ACCEPTED,
        obj=decision,
        new_values={
            "dossier": dossier.number,
            "amount": amount,
            "months": months,
            "deferral_months": deferral_months,
            "deferral_kind": deferral_kind,
            "nominal_rate_percent": version.nominal_rate_percent,
            "installment": decision.installment,
            "apr_percent": decision.apr_percent,
            "usury_threshold_percent": decision.usury_threshold_percent,
        },
    )
    return decision


@transaction.atomic
def bank_refuse(
    *,
    actor: User,
    membership: Membership,
    dossier_id: int,
    reason: str,
    text: str,
    expected_state: str | None = None,
) -> BankDecision:
    """Refuse the loan: a reason from the agreement's list, with a text (required for "other").

    Raises:
        Http404: the dossier was not transmitted to the actor's bank.
        TransitionRefused: the dossier is no longer waiting for the bank's decision.
        ValidationError: unknown reason (code "invalid_reason"), text missing ("required").
    """
    dossier = _dossier(actor, membership, dossier_id)
    _require_state(dossier, DossierState.TRANSMITTED_TO_BANK, expected_state)
    text = text.strip()
    problems: list[rules.Problem] = []
    if reason not in BankRefusalReason.values:
        problems.append(
            rules.Problem("reason", "invalid_reason", "Choisissez le motif dans la liste.")
        )
    elif reason == BankRefusalReason.OTHER and not text:
        problems.append(
            rules.Problem("text", "required", "Précisez le motif du refus (« autre motif »).")
        )
    _raise(problems)
    label = BankRefusalReason(reason).label
    full_reason = f"{label[:1].upper()}{label[1:]}." + (f" {text}" if text else "")
    event = dossier_transition(
        actor=actor,
        membership=membership,
        dossier_id=dossier.pk,
        transition="bank_refuse",
        expected_state=expected_state,
        reason=full_reason,
        flow="bank",
    )
    decision = BankDecision.objects.create(
        dossier=dossier,
        bank_id=membership.organisation_id,
        outcome=BankOutcome.REFUSED,
        decided_by=actor,
        event=event,
        refusal_reason=reason,
        refusal_text=text,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.BANK_DECISION_REFUSED,
        obj=decision,
        reason=full_reason,
        new_values={"dossier": dossier.number, "refusal_reason": reason},
    )
    return decision


@transaction.atomic
def bank_offer_record(
    *,
    actor: User,
    membership: Membership,
    dossier_id: int,
    signed_on: date,
    upload: UploadedFile[bytes],
    today: date,
) -> BankDecision:
    """Record the offer the borrower signed (date and file); replaces one recorded before.

    Raises:
        Http404: the dossier was not transmitted to the actor's bank.
        TransitionRefused: the loan is not granted, or already disbursed.
        ValidationError: date in the future or before the decision, file refused.
    """
    dossier = _dossier(actor, membership, dossier_id)
    _require_state(dossier, DossierState.GRANTED, None)
    decision = _accepted_decision(dossier)
    decided_on = timezone.localdate(decision.decided_at)
    _raise(
        p
        for p in [rules.check_offer_date(signed_on=signed_on, decided_on=decided_on, today=today)]
        if p
    )
    stored: list[Document] = []
    try:
        document = _store_document(
            actor=actor,
            dossier=dossier,
            kind=rules.SIGNED_OFFER_KIND,
            label=rules.SIGNED_OFFER_LABEL,
            upload=upload,
            field="upload",
        )
        stored.append(document)
        old = {
            "offer_signed_on": decision.offer_signed_on,
            "offer_document": decision.offer_document_id,
        }
        decision.offer_signed_on = signed_on
        decision.offer_document = document
        decision.offer_recorded_at = timezone.now()
        decision.save(update_fields=["offer_signed_on", "offer_document", "offer_recorded_at"])
        audit_event_create(
            actor=actor,
            action=AuditAction.BANK_OFFER_RECORDED,
            obj=decision,
            old_values=old,
            new_values={"offer_signed_on": signed_on, "offer_document": document.pk},
        )
    except Exception:
        _forget_files(stored)
        raise
    return decision


@transaction.atomic
def disbursement_record(
    *,
    actor: User,
    membership: Membership,
    dossier_id: int,
    cheque_number: str,
    date: date,
    amount: Decimal,
    payee_name: str = "",
    payee_siret: str = "",
    payee_change_reason: str = "",
    payee_change_upload: UploadedFile[bytes] | None = None,
    today: date,
    via: str = RecordedVia.PORTAL,
) -> Loan:
    """Record the cheque; the loan and its schedule (from the loan engine) are created with it.

    The payee is the dossier's (name and SIRET, copied) unless another is given, with the
    reason and its SIRET; never the borrower. The cheque number is unique at the bank.

    Raises:
        Http404: the dossier was not transmitted to the actor's bank.
        TransitionRefused: the loan is not granted (or already disbursed).
        ValidationError: offer not recorded (code "offer_missing"), cheque number
            ("required", "invalid_cheque_number", "cheque_reused"), date, amount different
            from the accepted one ("amount_mismatch"), payee ("payee_is_borrower",
            "payee_required"), payee change without a reason
            ("payee_change_reason_required") or a SIRET ("payee_siret_required",
            "invalid_siret").
    """
    dossier = _dossier(actor, membership, dossier_id)
    _require_state(dossier, DossierState.GRANTED, None)
    decision = _accepted_decision(dossier)
    if decision.offer_signed_on is None or decision.amount is None:
        raise ValidationError(
            "Enregistrez d'abord l'offre de prêt signée par l'emprunteur.", code="offer_missing"
        )
    problems: list[rules.Problem] = []
    cheque_text = " ".join(cheque_number.split()).upper()
    cheque = rules.check_cheque_number(cheque_number)
    if cheque:
        problems.append(cheque)
    else:
        used = (
            Disbursement.objects.filter(
                bank_id=membership.organisation_id, cheque_number__iexact=cheque_text
            )
            .values_list("dossier__number", flat=True)
            .first()
        )
        if used is not None:
            problems.append(rules.cheque_reused(cheque_text, used))
    day = rules.check_disbursement_date(
        day=date, offer_signed_on=decision.offer_signed_on, today=today
    )
    if day:
        problems.append(day)
    if amount != decision.amount:
        problems.append(
            rules.Problem(
                "amount",
                "amount_mismatch",
                f"Le montant du chèque doit être celui du prêt accordé : "
                f"{format_eur(decision.amount)}.",
            )
        )
    applicant = dossier.applicant
    payee, payee_problems = rules.resolve_payee(
        dossier_payee=dossier.payee_name,
        payee_name=payee_name,
        reason=payee_change_reason,
        dossier_siret=dossier.payee_siret,
        payee_siret=payee_siret,
        borrower=(applicant.first_name, applicant.last_name),
    )
    problems += payee_problems
    _raise(problems)
    if payee is None:
        raise RuntimeError("resolve_payee returned no payee without a problem")
    stored: list[Document] = []
    try:
        document = None
        if payee.changed and payee_change_upload is not None:
            document = _store_document(
                actor=actor,
                dossier=dossier,
                kind=rules.PAYEE_CHANGE_KIND,
                label=rules.PAYEE_CHANGE_LABEL,
                upload=payee_change_upload,
                field="payee_change_upload",
            )
            stored.append(document)
        dossier_transition(
            actor=actor,
            membership=membership,
            dossier_id=dossier.pk,
            transition="disburse",
            reason=f"Chèque n° {cheque_text} du {format_date(date)}, {format_eur(amount)}, "
            f"à l'ordre de {payee.name}.",
            flow="bank",
        )
        try:
            with transaction.atomic():  # a savepoint: the same cheque recorded meanwhile
                disbursement = Disbursement.objects.create(
                    dossier=dossier,
                    bank_id=membership.organisation_id,
                    cheque_number=cheque_text,
                    date=date,
                    amount=amount,
                    payee_name=payee.name,
                    payee_siret=payee.siret,
                    payee_changed=payee.changed,
                    payee_change_reason=payee.reason,
                    payee_change_document=document,
                    recorded_by=actor,
                )
        except IntegrityError as error:
            if not Disbursement.objects.filter(
                bank_id=membership.organisation_id, cheque_number=cheque_text
            ).exists():
                raise
            problem = rules.cheque_reused(cheque_text, None)
            raise ValidationError(
                {problem.field: ValidationError(problem.message, code=problem.code)}
            ) from error
        audit_event_create(
            actor=actor,
            action=AuditAction.DISBURSEMENT_RECORDED,
            obj=disbursement,
            new_values={
                "dossier": dossier.number,
                "cheque_number": cheque_text,
                "date": date,
                "amount": amount,
                "payee_name": payee.name,
                "payee_siret": payee.siret,
                "payee_changed": payee.changed,
                "bank": membership.organisation_id,
                "via": via,
            },
        )
        if decision.months is None or decision.nominal_rate_percent is None:
            raise ValueError("the decision is not an acceptance with its terms")
        return loan_create(
            actor=actor,
            dossier=dossier,
            bank_id=decision.bank_id,
            principal=decision.amount,
            nominal_rate_percent=decision.nominal_rate_percent,
            months=decision.months,
            deferral_months=decision.deferral_months,
            deferral_kind=decision.deferral_kind,
            disbursement_date=disbursement.date,
        )
    except Exception:
        _forget_files(stored)
        raise
