"""Writes of loans: the loan created at the disbursement, its schedule versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from loan_engine import Schedule, annual_percentage_rate, build_schedule, loan_terms
from microcredit.accounts.models import User
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.dossiers.models import Dossier
from microcredit.loans import rules
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion


@transaction.atomic
def loan_create(
    *,
    actor: User,
    dossier: Dossier,
    bank_id: int,
    principal: Decimal,
    nominal_rate_percent: Decimal,
    months: int,
    deferral_months: int,
    deferral_kind: str,
    disbursement_date: date,
) -> Loan:
    """The loan of the terms the bank accepted, its schedule (version 1) from the loan engine.

    Internal: called by the disbursement service (banking), which has checked everything
    already and passes the accepted terms and the cheque's date."""
    terms = loan_terms(
        principal=principal,
        rate_percent=nominal_rate_percent,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
        disbursement_date=disbursement_date,
    )
    schedule = build_schedule(terms)
    loan = Loan.objects.create(
        dossier=dossier,
        organisation_id=dossier.organisation_id,
        bank_id=bank_id,
        principal=principal,
        nominal_rate_percent=nominal_rate_percent,
        months=months,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
        disbursement_date=disbursement_date,
        installment=schedule.installment,
        total_interest=schedule.total_interest,
        total_due=schedule.total_due,
        apr_percent=annual_percentage_rate(schedule),
    )
    schedule_version_store(
        actor=actor, loan=loan, schedule=schedule, reason=rules.INITIAL_SCHEDULE_REASON
    )
    audit_event_create(
        actor=actor,
        action=AuditAction.LOAN_CREATED,
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


def schedule_version_store(
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
            arrears_interest=row.arrears_interest,
            balance=row.balance,
        )
        for row in schedule.rows
    )
    return version
