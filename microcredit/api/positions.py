"""Where a loan stands on a date, as the bank partner's API shows it (#18): the position's
figures (`loans.selectors.loan_position`, the loan page's) and each schedule line's stable
identity, paid part and status. No operation here (reads and reconciliation declare them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan, ScheduleLine, ScheduleVersion
from microcredit.loans.selectors import (
    LoanStatus,
    loan_position,
    loan_schedule,
    schedule_line_ids,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """An amount with its two decimals (an engine's Decimal(0) is "0" otherwise)."""
    return value.quantize(CENT)


@dataclass(frozen=True)
class LineState:
    """How far one line of the schedule in force is paid on a date."""

    line_id: str
    paid: Decimal
    remaining: Decimal
    status: str


def line_status(*, due_date: dt.date, amount: Decimal, paid: Decimal, as_of: dt.date) -> str:
    """paid / partial / due / overdue (LINE_STATUS_DESCRIPTION); a line with nothing to pay
    (a capitalised deferral month) is paid once due."""
    remaining = amount - paid
    if remaining <= 0 and (amount > 0 or due_date <= as_of):
        return "paid"
    if due_date < as_of:
        return "overdue"
    return "partial" if paid > 0 else "due"


def line_states(status: LoanStatus) -> list[LineState]:
    """Each line of the schedule the position was computed on, in order, with its stable id."""
    rows = status.position.installments
    ids = schedule_line_ids((row.kind, row.due_date) for row in rows)
    return [
        LineState(
            line_id=line_id,
            paid=cents(row.interest_paid + row.principal_paid),
            remaining=cents(row.remaining),
            status=line_status(
                due_date=row.due_date,
                amount=row.amount_due,
                paid=row.interest_paid + row.principal_paid,
                as_of=status.as_of,
            ),
        )
        for line_id, row in zip(ids, rows, strict=True)
    ]


def schedule_line_states(
    loan: Loan, version: ScheduleVersion | None, lines: list[ScheduleLine], as_of: dt.date
) -> dict[int, LineState]:
    """line number → its state on `as_of` (one query: the repayments)."""
    status = loan_position(loan, as_of, schedule=loan_schedule(loan, lines, version))
    return {
        row.number: state
        for row, state in zip(status.position.installments, line_states(status), strict=True)
    }


def position_out(dossier: Dossier, loan: Loan, status: LoanStatus) -> dict[str, Any]:
    position = status.position
    rows = position.installments
    paid_interest = sum((row.interest_paid for row in rows), ZERO)
    paid_principal = sum((row.principal_paid for row in rows), ZERO)
    states = line_states(status)
    following = next(
        (
            (row, state)
            for row, state in zip(rows, states, strict=True)
            if row.due_date >= status.as_of and row.remaining > 0
        ),
        None,
    )
    return {
        "number": dossier.number,
        "loan_id": loan.pk,
        "as_of": status.as_of,
        "loan_state": loan.state,
        "schedule_version": position.schedule.version,
        "principal": cents(loan.principal),
        "total_paid": cents(position.total_paid),
        "paid_principal": cents(paid_principal),
        "paid_interest": cents(paid_interest),
        "outstanding_principal": cents(status.arrears.outstanding_principal),
        "overdue_amount": cents(status.arrears.overdue_amount),
        "overdue_principal": cents(status.arrears.overdue_principal),
        "overdue_interest": cents(status.arrears.overdue_interest),
        "days_past_due": status.arrears.days_past_due,
        "bucket": status.arrears.bucket,
        "bucket_label": status.bucket_label,
        "credit": cents(status.credit),
        "pending_early_repayment": cents(status.pending_early_repayment),
        "excess": cents(position.excess),
        "fully_repaid": position.fully_repaid,
        "next_installment": None
        if following is None
        else {
            "line_id": following[1].line_id,
            "due_date": following[0].due_date,
            "kind": following[0].kind,
            "amount": cents(following[0].amount_due),
            "remaining": cents(following[0].remaining),
        },
    }
