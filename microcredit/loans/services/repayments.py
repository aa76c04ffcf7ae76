"""Writes of the bank's repayments; an early repayment adds the next schedule version.

Repayments are idempotent by the bank's reference: the same reference with the same content is
"already recorded", with another content a conflict. A batch is all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from loan_engine import KIND_EARLY_REPAYMENT, KIND_INSTALLMENT, Payment, Schedule
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.loans import rules
from microcredit.loans.enums import LoanState, RecordedVia
from microcredit.loans.models import Loan, Repayment, ScheduleVersion
from microcredit.loans.rules import MAX_BATCH, RepaymentLine
from microcredit.loans.selectors import (
    loan_for_user_or_404,
    loans_by_dossier,
    payments_by_loan,
    repayment_tolerances,
    schedules_in_force,
    visible_dossiers_by_number,
)
from microcredit.loans.services.access import Recorder, banks_for_update, repayment_recorder
from microcredit.loans.services.schedules import schedule_version_store

__all__ = [
    "MAX_BATCH",
    "BatchResult",
    "RepaymentLine",
    "repayment_record_for_loan",
    "repayments_record_batch",
]


@dataclass(frozen=True)
class BatchResult:
    recorded: list[Repayment] = field(default_factory=list)
    already_recorded: list[Repayment] = field(default_factory=list)


def _error(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _line_error(problem: rules.Problem, index: int, line: RepaymentLine) -> ValidationError:
    return _error(problem.message, problem.code, line=index, reference=line.reference)


def _same_repayment(existing: Repayment, loan: Loan, line: RepaymentLine) -> bool:
    stored = (
        existing.loan_id,
        existing.date,
        existing.amount,
        existing.early_repayment,
        existing.early_repayment_keep,
    )
    return stored == rules.repayment_content(line, loan.pk)


def _line_of(error: ValidationError) -> int:
    params = error.params if isinstance(error.params, dict) else {}
    return int(params.get("line", 0))


def _loan_closed(label: str, loan: Loan, line: RepaymentLine, index: int) -> ValidationError:
    return _error(
        f"{label} : le prêt du dossier « {line.dossier_number} » est clos "
        f"({LoanState(loan.state).label}) : aucun remboursement ne peut plus y être enregistré.",
        "loan_closed",
        line=index,
        reference=line.reference,
    )


@dataclass(frozen=True)
class EarlyVersion:
    """The schedule an early repayment line creates, and the installment in force before it."""

    loan: Loan
    line: RepaymentLine
    schedule: Schedule
    previous_installment: Decimal


@dataclass(frozen=True)
class LoanBook:
    """A loan's schedule in force and the repayments recorded on it (the engine's payments)."""

    schedule: Schedule
    paid: list[Payment]


def _books(loans: list[Loan]) -> dict[int, LoanBook]:
    """loan id → its book, in three queries whatever the number of loans."""
    in_force = schedules_in_force(loans)
    paid = payments_by_loan([loan.pk for loan in loans])
    books = {}
    for loan in loans:
        if loan.pk not in in_force:
            raise RuntimeError(f"loan {loan.pk} has no schedule")
        books[loan.pk] = LoanBook(in_force[loan.pk][1], paid.get(loan.pk, []))
    return books


def _amounts_exceeding_due(
    new: list[tuple[int, RepaymentLine, Loan]], books: dict[int, LoanBook]
) -> list[ValidationError]:
    """The money guard: a line above what is due at its date (the payoff then, plus the
    programme's repayment tolerance in force), the batch's lines of a loan summed
    (rules.amounts_exceeding_due)."""
    tolerances = repayment_tolerances(list(books))
    errors: list[ValidationError] = []
    for loan_id, book in books.items():
        refused = rules.amounts_exceeding_due(
            book.schedule,
            book.paid,
            [(i, line) for i, line, loan in new if loan.pk == loan_id],
            partial(rules.tolerance_on, tolerances.get(loan_id, [])),
        )
        errors += [_line_error(problem, index, line) for index, line, problem in refused]
    return errors


def _early_repayment_schedules(
    new: list[tuple[int, RepaymentLine, Loan]], books: dict[int, LoanBook]
) -> tuple[list[EarlyVersion], list[ValidationError]]:
    """The schedule versions the new early repayments create (rules.early_repayment_schedules),
    per loan, from the version in force; nothing is written.

    Each early repayment first settles what is due and unpaid on its date (from the payments
    already recorded and those of the batch), then the interest accrued; the rest reduces the
    principal. An amount equal to the payoff ends the schedule."""
    early = [(index, line, loan) for index, line, loan in new if line.early_repayment]
    loans = {loan.pk: loan for _, _, loan in early}
    results: list[EarlyVersion] = []
    errors: list[ValidationError] = []
    for loan_id, loan in loans.items():
        paid = list(books[loan_id].paid)
        paid += [
            Payment(line.date, line.amount)
            for _, line, other in new
            if other.pk == loan_id and not line.early_repayment
        ]
        schedules, refused = rules.early_repayment_schedules(
            books[loan_id].schedule,
            paid,
            [(i, line) for i, line, other in early if other.pk == loan_id],
        )
        results += [
            EarlyVersion(loan, s.line, s.schedule, s.previous_installment) for s in schedules
        ]
        if refused is not None:
            errors.append(_line_error(refused[2], refused[0], refused[1]))
    return results, errors


def _store_early_repayment_version(*, actor: User, early: EarlyVersion) -> ScheduleVersion:
    loan, line, schedule = early.loan, early.line, early.schedule
    total = schedule.rows[-1].balance == 0 and schedule.rows[-1].kind == KIND_EARLY_REPAYMENT
    reason = rules.early_repayment_reason(
        on_date=line.date, keep=line.early_repayment_keep, total=total
    )
    version = schedule_version_store(actor=actor, loan=loan, schedule=schedule, reason=reason)
    audit_event_create(
        actor=actor,
        action=AuditAction.SCHEDULE_VERSION_CREATED,
        obj=loan,
        reason=reason,
        old_values={"version": schedule.version - 1, "installment": early.previous_installment},
        new_values={
            "version": schedule.version,
            "reference": line.reference,
            "installment": schedule.installment,
            "installments": sum(1 for r in schedule.rows if r.kind == KIND_INSTALLMENT),
            "end_date": schedule.end_date,
            "total_due": schedule.total_due,
        },
    )
    return version


def _record_repayments(
    *,
    actor: User,
    recorder: Recorder,
    resolved: list[tuple[int, RepaymentLine, Loan]],
    via: str,
    errors: list[ValidationError] | None = None,
) -> BatchResult:
    """Write the lines (already checked and resolved to their loan), skipping known ones; an
    early repayment adds the next schedule version. `errors` (of the lines not resolved) are
    raised with those found here, in line order, before anything is written.

    A reference is unique per bank: the repayment's bank is the loan's."""
    if not recorder.is_bank:
        banks_for_update(loan.bank_id for _, _, loan in resolved)
    references = {line.reference for _, line, _ in resolved}
    known = {
        (r.bank_id, r.reference): r
        for r in Repayment.objects.filter(
            bank_id__in={loan.bank_id for _, _, loan in resolved}, reference__in=references
        )
    }
    errors = list(errors or [])
    seen: dict[tuple[int, str], tuple[RepaymentLine, Loan]] = {}
    new: list[tuple[int, RepaymentLine, Loan]] = []
    for index, line, loan in resolved:
        label = rules.line_label(index, line.reference)
        key = (loan.bank_id, line.reference)
        existing = known.get(key)
        earlier = seen.get(key)
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
        elif earlier is not None and rules.repayment_content(
            earlier[0], earlier[1].pk
        ) != rules.repayment_content(line, loan.pk):
            errors.append(
                _error(
                    f"{label} : la même référence figure deux fois dans le lot avec des "
                    "contenus différents.",
                    "reference_conflict",
                    line=index,
                    reference=line.reference,
                )
            )
        elif existing is None and earlier is None and loan.state != LoanState.ACTIVE:
            errors.append(_loan_closed(label, loan, line, index))
        elif existing is None and earlier is None:
            new.append((index, line, loan))
        seen.setdefault(key, (line, loan))
    versions: list[EarlyVersion] = []
    if new:
        books = _books(list({loan.pk: loan for _, _, loan in new}.values()))
        too_much = _amounts_exceeding_due(new, books)
        errors += too_much
        if not too_much:
            versions, early_errors = _early_repayment_schedules(new, books)
            errors += early_errors
    if errors:
        raise ValidationError(sorted(errors, key=_line_of))
    result = BatchResult()
    for (_bank_id, reference), (line, loan) in seen.items():
        existing = known.get((loan.bank_id, reference))
        if existing is not None:
            result.already_recorded.append(existing)
            continue
        repayment = Repayment.objects.create(
            loan=loan,
            bank_id=loan.bank_id,
            reference=reference,
            date=line.date,
            amount=line.amount,
            early_repayment=line.early_repayment,
            early_repayment_keep=rules.stored_keep(line),
            recorded_by=actor,
            via=via,
        )
        audit_event_create(
            actor=actor,
            action=AuditAction.REPAYMENT_RECORDED,
            obj=loan,
            new_values={
                "reference": reference,
                "date": line.date,
                "amount": line.amount,
                "early_repayment": line.early_repayment,
                "early_repayment_keep": rules.stored_keep(line),
                "via": via,
            },
        )
        result.recorded.append(repayment)
    for early in versions:
        _store_early_repayment_version(actor=actor, early=early)
    return result


def _check_line(
    index: int, line: RepaymentLine, loan: Loan | None, today: date
) -> list[ValidationError]:
    problems = rules.check_line(
        index, line, disbursement_date=loan.disbursement_date if loan else None, today=today
    )
    return [_line_error(problem, index, line) for problem in problems]


@transaction.atomic
def repayments_record_batch(
    *,
    actor: User,
    membership: Membership,
    lines: Sequence[RepaymentLine],
    today: date,
    via: str,
) -> BatchResult:
    """Record repayments, all or nothing; known references are not recorded twice.

    A bank adviser records the repayments of their bank's loans; an agent or the director of a
    CCAS those of their organisation's loans (a bank statement import), the repayment's bank
    being the loan's.

    Raises:
        TransitionRefused: the actor is neither a bank adviser nor a CCAS agent or director.
        ValidationError: a list of errors, one per faulty line, in line order, each with a
            code (unknown_dossier, no_loan, loan_closed, future_date, invalid_amount,
            invalid_keep, reference_conflict, amount_exceeds_due — above the payoff at its date
            plus the programme's tolerance, the batch's lines of a loan summed; for an early
            repayment the engine's amount_too_small, amount_exceeds_payoff,
            date_before_last_version, loan_repaid) and params {"line": n (from 1),
            "reference": ...}.

    A line flagged `early_repayment` adds the next schedule version (loan_engine's
    partial_repayment, the borrower's `early_repayment_keep`) in the same transaction.
    """
    recorder = repayment_recorder(membership)
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
    loans = loans_by_dossier(list(dossiers.values()))
    unknown_to = "de la banque" if recorder.is_bank else "de votre organisation"
    errors: list[ValidationError] = []
    resolved: list[tuple[int, RepaymentLine, Loan]] = []
    for index, line in enumerate(lines, start=1):
        label = rules.line_label(index, line.reference)
        dossier_id = dossiers.get(line.dossier_number)
        loan = loans.get(dossier_id) if dossier_id is not None else None
        if dossier_id is None:
            errors.append(
                _error(
                    f"{label} : le dossier « {line.dossier_number} » est inconnu {unknown_to}.",
                    "unknown_dossier",
                    line=index,
                    reference=line.reference,
                )
            )
        elif loan is None or not recorder.records(loan):
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
        if loan is not None and recorder.records(loan) and not line_errors:
            resolved.append((index, line, loan))
    return _record_repayments(
        actor=actor, recorder=recorder, resolved=resolved, via=via, errors=errors
    )


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
    early_repayment_keep: str = rules.KEEP_INSTALLMENT,
    today: date,
    via: str = RecordedVia.PORTAL,
) -> tuple[Repayment, bool]:
    """One repayment typed on the loan's page; (repayment, created). An early repayment adds
    the next schedule version (see repayments_record_batch); same errors, as line 1."""
    recorder = repayment_recorder(membership)
    loan = loan_for_user_or_404(actor, membership, loan_id)
    if not recorder.records(loan):
        raise Http404("Prêt introuvable.")
    line = RepaymentLine(
        reference.strip(),
        loan.dossier.number,
        date,
        amount,
        early_repayment,
        early_repayment_keep,
    )
    errors = _check_line(1, line, loan, today)
    if errors:
        raise ValidationError(errors)
    result = _record_repayments(actor=actor, recorder=recorder, resolved=[(1, line, loan)], via=via)
    if result.recorded:
        return result.recorded[0], True
    return result.already_recorded[0], False
