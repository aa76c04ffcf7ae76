"""Writes of loans: the loan created at the disbursement, the bank's repayments and incidents.

Repayments and incidents are idempotent by the bank's reference: the same reference with the
same content is "already recorded", with another content a conflict. A batch is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from loan_engine import annual_percentage_rate, build_schedule
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.services import audit_event_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.services import TransitionRefused
from microcredit.loans import rules
from microcredit.loans.enums import IncidentKind, RecordedVia
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import (
    loan_for_user_or_404,
    loans_by_dossier,
    visible_dossiers_by_number,
)
from microcredit.organisations.models import Organisation

MAX_BATCH = 500


@transaction.atomic
def loan_create(
    *, actor: User, dossier: Dossier, decision: BankDecision, disbursement: Disbursement
) -> Loan:
    """The loan of the accepted terms, its schedule (version 1) from the loan engine.

    Internal: called by the disbursement service, which has checked everything already."""
    if decision.amount is None or decision.months is None or decision.nominal_rate_percent is None:
        raise ValueError("the decision is not an acceptance with its terms")
    terms = rules.loan_terms(
        principal=decision.amount,
        rate_percent=decision.nominal_rate_percent,
        months=decision.months,
        deferral_months=decision.deferral_months,
        deferral_kind=decision.deferral_kind,
        disbursement_date=disbursement.date,
    )
    schedule = build_schedule(terms)
    loan = Loan.objects.create(
        dossier=dossier,
        organisation_id=dossier.organisation_id,
        bank_id=decision.bank_id,
        principal=decision.amount,
        nominal_rate_percent=decision.nominal_rate_percent,
        months=decision.months,
        deferral_months=decision.deferral_months,
        deferral_kind=decision.deferral_kind,
        disbursement_date=disbursement.date,
        installment=schedule.installment,
        total_interest=schedule.total_interest,
        total_due=schedule.total_due,
        apr_percent=annual_percentage_rate(schedule),
    )
    version = ScheduleVersion.objects.create(
        loan=loan, number=schedule.version, reason=rules.INITIAL_SCHEDULE_REASON, created_by=actor
    )
    ScheduleLine.objects.bulk_create(
        ScheduleLine(
            version=version,
            number=row.number,
            due_date=row.due_date,
            kind=row.kind,
            payment=row.payment,
            interest=row.interest,
            principal=row.principal,
            capitalised=row.capitalised,
            balance=row.balance,
        )
        for row in schedule.rows
    )
    audit_event_create(
        actor=actor,
        action="loan_created",
        obj=loan,
        new_values={
            "dossier": dossier.number,
            "principal": loan.principal,
            "months": loan.months,
            "disbursement_date": loan.disbursement_date,
            "installment": loan.installment,
            "apr_percent": loan.apr_percent,
        },
    )
    return loan


@dataclass(frozen=True)
class RepaymentLine:
    reference: str
    dossier_number: str
    date: date
    amount: Decimal
    early_repayment: bool = False


@dataclass(frozen=True)
class BatchResult:
    recorded: list[Repayment] = field(default_factory=list)
    already_recorded: list[Repayment] = field(default_factory=list)


def _bank_for_update(membership: Membership | None) -> Organisation:
    """The adviser's bank, its row locked: one batch at a time per bank (no duplicate)."""
    if membership is None or membership.role != Role.BANK_ADVISER or not membership.active:
        raise TransitionRefused("Seul le partenaire bancaire enregistre les remboursements.")
    return Organisation.objects.select_for_update().get(pk=membership.organisation_id)


def _error(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _line_label(index: int, reference: str) -> str:
    return f"Ligne {index} (référence « {reference} »)"


def _check_money(amount: Decimal) -> bool:
    return amount > 0 and amount == amount.quantize(Decimal("0.01"))


def _same_repayment(existing: Repayment, loan: Loan, line: RepaymentLine) -> bool:
    return (
        existing.loan_id == loan.pk
        and existing.date == line.date
        and existing.amount == line.amount
        and existing.early_repayment == line.early_repayment
    )


def _content(line: RepaymentLine, loan: Loan) -> tuple[int, date, Decimal, bool]:
    return loan.pk, line.date, line.amount, line.early_repayment


def _record_repayments(
    *,
    actor: User,
    bank: Organisation,
    resolved: list[tuple[int, RepaymentLine, Loan]],
    via: str,
) -> BatchResult:
    """Write the lines (already checked and resolved to their loan), skipping known ones."""
    references = {line.reference for _, line, _ in resolved}
    known = {r.reference: r for r in Repayment.objects.filter(bank=bank, reference__in=references)}
    errors: list[ValidationError] = []
    seen: dict[str, tuple[RepaymentLine, Loan]] = {}
    for index, line, loan in resolved:
        label = _line_label(index, line.reference)
        existing = known.get(line.reference)
        earlier = seen.get(line.reference)
        if existing is not None and not _same_repayment(existing, loan, line):
            errors.append(
                _error(
                    f"{label} : cette référence est déjà enregistrée pour un autre "
                    "remboursement (dossier, date ou montant différents).",
                    "reference_conflict",
                    line=index,
                    reference=line.reference,
                )
            )
        elif earlier is not None and _content(*earlier) != _content(line, loan):
            errors.append(
                _error(
                    f"{label} : la même référence figure deux fois dans le lot avec des "
                    "contenus différents.",
                    "reference_conflict",
                    line=index,
                    reference=line.reference,
                )
            )
        seen.setdefault(line.reference, (line, loan))
    if errors:
        raise ValidationError(errors)
    result = BatchResult()
    for reference, (line, loan) in seen.items():
        existing = known.get(reference)
        if existing is not None:
            result.already_recorded.append(existing)
            continue
        repayment = Repayment.objects.create(
            loan=loan,
            bank=bank,
            reference=reference,
            date=line.date,
            amount=line.amount,
            early_repayment=line.early_repayment,
            recorded_by=actor,
            via=via,
        )
        audit_event_create(
            actor=actor,
            action="repayment_recorded",
            obj=loan,
            new_values={
                "reference": reference,
                "date": line.date,
                "amount": line.amount,
                "early_repayment": line.early_repayment,
                "via": via,
            },
        )
        result.recorded.append(repayment)
    return result


def _check_line(
    index: int, line: RepaymentLine, loan: Loan | None, today: date
) -> list[ValidationError]:
    label = _line_label(index, line.reference)
    errors: list[ValidationError] = []
    params = {"line": index, "reference": line.reference}
    problem = rules.check_reference(line.reference)
    if problem:
        errors.append(_error(f"Ligne {index} : {problem}", "invalid_reference", **params))
    if not _check_money(line.amount):
        errors.append(
            _error(
                f"{label} : le montant doit être positif, au centime.", "invalid_amount", **params
            )
        )
    if line.date > today:
        errors.append(_error(f"{label} : la date est dans le futur.", "future_date", **params))
    elif loan is not None and line.date < loan.disbursement_date:
        errors.append(
            _error(
                f"{label} : la date précède le décaissement du prêt "
                f"({loan.disbursement_date:%d/%m/%Y}).",
                "before_disbursement",
                **params,
            )
        )
    return errors


@transaction.atomic
def repayments_record_batch(
    *,
    actor: User,
    membership: Membership,
    lines: Sequence[RepaymentLine],
    today: date,
    via: str,
) -> BatchResult:
    """Record the bank's repayments, all or nothing; known references are not recorded twice.

    Raises:
        TransitionRefused: the actor is not a bank adviser.
        ValidationError: a list of errors, one per faulty line, each with a code
            (unknown_dossier, no_loan, future_date, invalid_amount, reference_conflict, ...)
            and params {"line": n (from 1), "reference": ...}.
    """
    bank = _bank_for_update(membership)
    if via not in RecordedVia.values:
        raise ValueError(f"unknown channel {via!r}")
    if not lines:
        raise ValidationError("Le lot ne contient aucun remboursement.", code="empty_batch")
    if len(lines) > MAX_BATCH:
        raise ValidationError(
            f"Un lot contient au plus {MAX_BATCH} remboursements.", code="batch_too_large"
        )
    lines = [
        replace(line, reference=line.reference.strip(), dossier_number=line.dossier_number.strip())
        for line in lines
    ]
    numbers = {line.dossier_number for line in lines}
    dossiers = visible_dossiers_by_number(actor, membership, numbers)
    loans = loans_by_dossier([pk for pks in dossiers.values() for pk in pks])
    errors: list[ValidationError] = []
    resolved: list[tuple[int, RepaymentLine, Loan]] = []
    for index, line in enumerate(lines, start=1):
        label = _line_label(index, line.reference)
        ids = dossiers.get(line.dossier_number, [])
        loan = loans.get(ids[0]) if len(ids) == 1 else None
        if len(ids) != 1:
            errors.append(
                _error(
                    f"{label} : le dossier « {line.dossier_number} » est inconnu de la banque.",
                    "unknown_dossier",
                    line=index,
                    reference=line.reference,
                )
            )
        elif loan is None or loan.bank_id != bank.pk:
            errors.append(
                _error(
                    f"{label} : le dossier « {line.dossier_number} » n'a pas de prêt décaissé.",
                    "no_loan",
                    line=index,
                    reference=line.reference,
                )
            )
        line_errors = _check_line(index, line, loan, today)
        errors += line_errors
        if loan is not None and not line_errors:
            resolved.append((index, line, loan))
    if errors:
        raise ValidationError(errors)
    return _record_repayments(actor=actor, bank=bank, resolved=resolved, via=via)


@transaction.atomic
def repayment_record_for_loan(
    *,
    actor: User,
    membership: Membership,
    loan_id: int,
    reference: str,
    date: date,
    amount: Decimal,
    early_repayment: bool = False,
    today: date,
    via: str = RecordedVia.PORTAL,
) -> tuple[Repayment, bool]:
    """One repayment typed on the loan's page; (repayment, created)."""
    bank = _bank_for_update(membership)
    loan = loan_for_user_or_404(actor, membership, loan_id)
    line = RepaymentLine(reference.strip(), loan.dossier.number, date, amount, early_repayment)
    errors = _check_line(1, line, loan, today)
    if errors:
        raise ValidationError(errors)
    result = _record_repayments(actor=actor, bank=bank, resolved=[(1, line, loan)], via=via)
    if result.recorded:
        return result.recorded[0], True
    return result.already_recorded[0], False


def _incident_values(
    kind: str, day: date, amount: Decimal | None, note: str
) -> tuple[str, date, Decimal | None, str]:
    return kind, day, amount, note.strip()


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
    errors: dict[str, list[ValidationError]] = {}
    problem = rules.check_reference(reference)
    if problem:
        errors["reference"] = [ValidationError(problem, code="invalid_reference")]
    if kind not in IncidentKind.values:
        errors["kind"] = [ValidationError("Nature d'incident inconnue.", code="invalid_kind")]
    if amount is not None and not _check_money(amount):
        errors["amount"] = [
            ValidationError("Le montant doit être positif, au centime.", code="invalid_amount")
        ]
    if date > today:
        errors["date"] = [ValidationError("La date est dans le futur.", code="future_date")]
    elif date < loan.disbursement_date:
        errors["date"] = [
            ValidationError(
                f"La date précède le décaissement du prêt ({loan.disbursement_date:%d/%m/%Y}).",
                code="before_disbursement",
            )
        ]
    if errors:
        raise ValidationError(errors)
    existing = Incident.objects.filter(bank=bank, reference=reference).first()
    if existing is not None:
        same = existing.loan_id == loan.pk and _incident_values(
            existing.kind, existing.date, existing.amount, existing.note
        ) == _incident_values(kind, date, amount, note)
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
        action="incident_recorded",
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
        ValidationError: by field, codes unknown_dossier, no_loan, invalid_kind, future_date,
            before_disbursement, invalid_amount, reference_conflict.
    """
    bank = _bank_for_update(membership)
    number = dossier_number.strip()
    ids = visible_dossiers_by_number(actor, membership, {number}).get(number, [])
    if len(ids) != 1:
        raise ValidationError(
            {
                "dossier_number": ValidationError(
                    f"Le dossier « {dossier_number} » est inconnu de la banque.",
                    code="unknown_dossier",
                )
            }
        )
    loan = loans_by_dossier(ids).get(ids[0])
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
    bank = _bank_for_update(membership)
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
