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

from loan_engine import (
    KIND_EARLY_REPAYMENT,
    KIND_INSTALLMENT,
    LoanEngineError,
    Payment,
    Schedule,
    annual_percentage_rate,
    build_schedule,
    partial_repayment,
)
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.banking.models import BankDecision, Disbursement
from microcredit.core.services import audit_event_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.services import TransitionRefused
from microcredit.loans import rules
from microcredit.loans.enums import IncidentKind, LoanState, RecordedVia
from microcredit.loans.models import Incident, Loan, Repayment, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import (
    loan_for_user_or_404,
    loans_by_dossier,
    repayments_by_loan,
    schedules_in_force,
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
    _schedule_version_store(
        actor=actor, loan=loan, schedule=schedule, reason=rules.INITIAL_SCHEDULE_REASON
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


def _schedule_version_store(
    *, actor: User, loan: Loan, schedule: Schedule, reason: str
) -> ScheduleVersion:
    """Store a schedule version of the engine (its number is the engine's) with its lines."""
    version = ScheduleVersion.objects.create(
        loan=loan,
        number=schedule.version,
        reason=reason,
        installment=schedule.installment,
        created_by=actor,
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
    return version


@dataclass(frozen=True)
class RepaymentLine:
    """One repayment of the bank. `early_repayment`: the borrower asks for the surplus to repay
    the loan early; `early_repayment_keep` is then their choice, "installment" (keep the
    installment, fewer installments) or "end_date" (keep the end date, lower installment)."""

    reference: str
    dossier_number: str
    date: date
    amount: Decimal
    early_repayment: bool = False
    early_repayment_keep: str = rules.KEEP_INSTALLMENT


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


def _keep(line: RepaymentLine) -> str:
    """The stored choice: only an early repayment has one."""
    return line.early_repayment_keep if line.early_repayment else ""


def _same_repayment(existing: Repayment, loan: Loan, line: RepaymentLine) -> bool:
    return (
        existing.loan_id == loan.pk
        and existing.date == line.date
        and existing.amount == line.amount
        and existing.early_repayment == line.early_repayment
        and existing.early_repayment_keep == _keep(line)
    )


def _content(line: RepaymentLine, loan: Loan) -> tuple[int, date, Decimal, bool, str]:
    return loan.pk, line.date, line.amount, line.early_repayment, _keep(line)


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


def _early_repayment_schedules(
    new: list[tuple[int, RepaymentLine, Loan]],
) -> tuple[list[EarlyVersion], list[ValidationError]]:
    """The schedule versions the new early repayments create (loan_engine.partial_repayment),
    in date order per loan, each on the version the previous one made; nothing is written.

    Each early repayment first settles what is due and unpaid on its date (from the payments
    already recorded and those of the batch), then the interest accrued; the rest reduces the
    principal. An amount equal to the payoff ends the schedule."""
    early = [(index, line, loan) for index, line, loan in new if line.early_repayment]
    if not early:
        return [], []
    loans = {loan.pk: loan for _, _, loan in early}
    in_force = schedules_in_force(list(loans.values()))
    stored = repayments_by_loan(list(loans))
    results: list[EarlyVersion] = []
    errors: list[ValidationError] = []
    for loan_id, loan in loans.items():
        if loan_id not in in_force:
            raise RuntimeError(f"loan {loan_id} has no schedule")
        schedule = in_force[loan_id][1]
        paid = [Payment(r.date, r.amount, r.early_repayment) for r in stored.get(loan_id, [])]
        paid += [
            Payment(line.date, line.amount)
            for _, line, other in new
            if other.pk == loan_id and not line.early_repayment
        ]
        mine = sorted(
            ((i, line) for i, line, other in early if other.pk == loan_id),
            key=lambda item: (item[1].date, item[0]),
        )
        for index, line in mine:
            previous = schedule.installment
            try:
                schedule = partial_repayment(
                    schedule,
                    line.date,
                    line.amount,
                    rules.engine_keep(line.early_repayment_keep),
                    payments=paid,
                )
            except LoanEngineError as error:
                errors.append(
                    _error(
                        f"{_line_label(index, line.reference)} : remboursement anticipé "
                        f"impossible : {error.message[:1].lower()}{error.message[1:]}",
                        error.code,
                        line=index,
                        reference=line.reference,
                    )
                )
                break  # the next early repayments of this loan would rest on this one
            paid.append(Payment(line.date, line.amount, True))
            results.append(EarlyVersion(loan, line, schedule, previous))
    return results, errors


def _store_early_repayment_version(*, actor: User, early: EarlyVersion) -> ScheduleVersion:
    loan, line, schedule = early.loan, early.line, early.schedule
    total = schedule.rows[-1].balance == 0 and schedule.rows[-1].kind == KIND_EARLY_REPAYMENT
    reason = rules.early_repayment_reason(
        on_date=line.date, keep=line.early_repayment_keep, total=total
    )
    version = _schedule_version_store(actor=actor, loan=loan, schedule=schedule, reason=reason)
    audit_event_create(
        actor=actor,
        action="schedule_version_created",
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
    bank: Organisation,
    resolved: list[tuple[int, RepaymentLine, Loan]],
    via: str,
    errors: list[ValidationError] | None = None,
) -> BatchResult:
    """Write the lines (already checked and resolved to their loan), skipping known ones; an
    early repayment adds the next schedule version. `errors` (of the lines not resolved) are
    raised with those found here, in line order, before anything is written."""
    references = {line.reference for _, line, _ in resolved}
    known = {r.reference: r for r in Repayment.objects.filter(bank=bank, reference__in=references)}
    errors = list(errors or [])
    seen: dict[str, tuple[RepaymentLine, Loan]] = {}
    new: list[tuple[int, RepaymentLine, Loan]] = []
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
        elif existing is None and earlier is None and loan.state != LoanState.ACTIVE:
            errors.append(_loan_closed(label, loan, line, index))
        elif existing is None and earlier is None:
            new.append((index, line, loan))
        seen.setdefault(line.reference, (line, loan))
    versions, early_errors = _early_repayment_schedules(new)
    errors += early_errors
    if errors:
        raise ValidationError(sorted(errors, key=_line_of))
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
            early_repayment_keep=_keep(line),
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
                "early_repayment_keep": _keep(line),
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
    if line.early_repayment and line.early_repayment_keep not in rules.ENGINE_KEEP:
        errors.append(
            _error(
                f"{label} : choix du remboursement anticipé inconnu (« installment » : garder la "
                "mensualité, « end_date » : garder la date de fin).",
                "invalid_keep",
                **params,
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
        ValidationError: a list of errors, one per faulty line, in line order, each with a
            code (unknown_dossier, no_loan, loan_closed, future_date, invalid_amount,
            invalid_keep, reference_conflict; for an early repayment the engine's
            amount_too_small, amount_exceeds_payoff, date_before_last_version, loan_repaid)
            and params {"line": n (from 1), "reference": ...}.

    A line flagged `early_repayment` adds the next schedule version (loan_engine's
    partial_repayment, the borrower's `early_repayment_keep`) in the same transaction.
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
    loans = loans_by_dossier(list(dossiers.values()))
    errors: list[ValidationError] = []
    resolved: list[tuple[int, RepaymentLine, Loan]] = []
    for index, line in enumerate(lines, start=1):
        label = _line_label(index, line.reference)
        dossier_id = dossiers.get(line.dossier_number)
        loan = loans.get(dossier_id) if dossier_id is not None else None
        if dossier_id is None:
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
        if loan is not None and loan.bank_id == bank.pk and not line_errors:
            resolved.append((index, line, loan))
    return _record_repayments(actor=actor, bank=bank, resolved=resolved, via=via, errors=errors)


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
    bank = _bank_for_update(membership)
    loan = loan_for_user_or_404(actor, membership, loan_id)
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
        ValidationError: by field, codes unknown_dossier, no_loan, loan_closed (repaid or
            guarantee called), invalid_kind, future_date, before_disbursement, invalid_amount,
            reference_conflict.
    """
    bank = _bank_for_update(membership)
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
