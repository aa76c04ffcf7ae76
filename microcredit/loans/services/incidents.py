"""Writes of the incidents the bank reports, idempotent by the bank's reference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.loans import rules
from microcredit.loans.enums import IncidentKind, LoanState, RecordedVia
from microcredit.loans.models import Incident, Loan
from microcredit.loans.selectors import (
    loan_for_user_or_404,
    loans_by_dossier,
    visible_dossiers_by_number,
)
from microcredit.loans.services.access import bank_for_update
from microcredit.organisations.models import Organisation


def _record_incident(
    *,
    actor: User,
    bank: Organisation,
    loan: Loan,
    reference: str,
    kind: str,
    date: date,
    amount: Decimal | None,
    note: str,
    today: date,
    via: str,
) -> tuple[Incident, bool]:
    problems = rules.check_incident(
        reference=reference,
        kind=kind,
        kinds=IncidentKind.values,
        day=date,
        amount=amount,
        disbursement_date=loan.disbursement_date,
        today=today,
    )
    if problems:
        raise ValidationError(
            {
                field: [ValidationError(problem.message, code=problem.code)]
                for field, problem in problems.items()
            }
        )
    existing = Incident.objects.filter(bank=bank, reference=reference).first()
    if existing is None and loan.state != LoanState.ACTIVE:
        raise ValidationError(
            {
                "dossier_number": ValidationError(
                    f"Le prêt du dossier « {loan.dossier.number} » est clos "
                    f"({LoanState(loan.state).label}) : aucun incident ne peut plus y être "
                    "enregistré.",
                    code="loan_closed",
                )
            }
        )
    if existing is not None:
        same = existing.loan_id == loan.pk and rules.incident_content(
            existing.kind, existing.date, existing.amount, existing.note
        ) == rules.incident_content(kind, date, amount, note)
        if not same:
            raise ValidationError(
                {
                    "reference": ValidationError(
                        f"La référence « {reference} » est déjà enregistrée pour un autre "
                        "incident.",
                        code="reference_conflict",
                    )
                }
            )
        return existing, False
    incident = Incident.objects.create(
        loan=loan,
        bank=bank,
        reference=reference,
        kind=kind,
        date=date,
        amount=amount,
        note=note.strip(),
        recorded_by=actor,
        via=via,
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.INCIDENT_RECORDED,
        obj=loan,
        new_values={
            "reference": reference,
            "kind": kind,
            "date": date,
            "amount": amount,
            "via": via,
        },
    )
    return incident, True


@transaction.atomic
def incident_record(
    *,
    actor: User,
    membership: Membership,
    reference: str,
    dossier_number: str,
    kind: str,
    date: date,
    amount: Decimal | None,
    note: str,
    today: date,
    via: str,
) -> tuple[Incident, bool]:
    """Record an incident reported by the bank; (incident, created), idempotent by reference.

    Raises:
        TransitionRefused: the actor is not a bank adviser.
        ValidationError: by field, codes unknown_dossier, no_loan, loan_closed (repaid or
            guarantee called), invalid_kind, future_date, before_disbursement, invalid_amount,
            reference_conflict.
    """
    bank = bank_for_update(membership)
    number = dossier_number.strip()
    dossier_id = visible_dossiers_by_number(actor, membership, {number}).get(number)
    if dossier_id is None:
        raise ValidationError(
            {
                "dossier_number": ValidationError(
                    f"Le dossier « {dossier_number} » est inconnu de la banque.",
                    code="unknown_dossier",
                )
            }
        )
    loan = loans_by_dossier([dossier_id]).get(dossier_id)
    if loan is None or loan.bank_id != bank.pk:
        raise ValidationError(
            {
                "dossier_number": ValidationError(
                    f"Le dossier « {dossier_number} » n'a pas de prêt décaissé.", code="no_loan"
                )
            }
        )
    return _record_incident(
        actor=actor,
        bank=bank,
        loan=loan,
        reference=reference.strip(),
        kind=kind,
        date=date,
        amount=amount,
        note=note,
        today=today,
        via=via,
    )


@transaction.atomic
def incident_record_for_loan(
    *,
    actor: User,
    membership: Membership,
    loan_id: int,
    reference: str,
    kind: str,
    date: date,
    amount: Decimal | None,
    note: str,
    today: date,
    via: str = RecordedVia.PORTAL,
) -> tuple[Incident, bool]:
    """One incident typed on the loan's page; (incident, created)."""
    bank = bank_for_update(membership)
    loan = loan_for_user_or_404(actor, membership, loan_id)
    return _record_incident(
        actor=actor,
        bank=bank,
        loan=loan,
        reference=reference.strip(),
        kind=kind,
        date=date,
        amount=amount,
        note=note,
        today=today,
        via=via,
    )
