"""Repayment plans (plan de reprise / d'apurement) as new schedule versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from ._versions import amortise, c, extend_grid, finish, m
from .errors import InvalidDurationError, InvalidParameterError
from .money import ZERO
from .payments import Payment, allocate_payments
from .schedule import (
    KIND_PLAN,
    Schedule,
    ScheduleRow,
    installment_cents,
    monthly_interest,
    rate_ratio,
)

__all__ = ["repayment_plan"]

PlanMode = Literal["on_top", "instead"]


def repayment_plan(
    schedule: Schedule,
    payments: Sequence[Payment],
    as_of: dt.date,
    months: int,
    mode: PlanMode = "on_top",
) -> Schedule:
    """New schedule version rescheduling what is unpaid on ``as_of`` over ``months`` months.

    * Rows due on or before ``as_of`` are rewritten *as paid* (payment, interest and principal
      actually allocated), so the version reconciles with the payments made before it.
    * The unpaid principal keeps bearing interest at the unchanged nominal rate; the unpaid
      interest bears none (no interest on interest): it is split in ``months`` equal parts
      (cents rounded down, remainder on the last part) shown in ``interest`` and
      ``arrears_interest``.
    * ``mode="on_top"``: the unpaid principal is amortised with the constant-installment
      formula over the next ``months`` due dates, added to the running installments (rows
      ``kind="plan"``; the loan is extended when the plan outlasts it).
    * ``mode="instead"``: the running installments are replaced; the whole outstanding
      principal is amortised over ``months`` installments (``kind="plan"``).

    Plan due dates are the loan's due dates (anchor + k months) after ``as_of``.

    Raises:
        InvalidDurationError: ``months`` < 1.
        InvalidParameterError: unknown ``mode`` or nothing unpaid (``no_arrears``).
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise InvalidDurationError(
            "duration_out_of_range", "Le plan de reprise doit durer au moins 1 mois."
        )
    if mode not in ("on_top", "instead"):
        raise InvalidParameterError(
            "invalid_plan_mode",
            "Le plan s'ajoute aux échéances (on_top) ou les remplace (instead).",
        )
    pos = allocate_payments(schedule, payments, as_of)
    rows = schedule.rows
    k0 = sum(1 for r in rows if r.due_date <= as_of)
    past: list[ScheduleRow] = []
    bal = c(schedule.terms.principal)
    unpaid_i = unpaid_p = 0
    for r, st in zip(rows[:k0], pos.installments[:k0], strict=True):
        cap = c(r.capitalised)
        pi, pp = c(st.interest_paid), c(st.principal_paid)
        unpaid_i += c(st.interest_due) - pi
        unpaid_p += c(st.principal_due) - pp
        bal += cap - pp
        regular_i = c(r.interest) - c(r.arrears_interest) - cap
        arrears_paid = max(0, pi - regular_i)
        past.append(
            r._replace(
                payment=m(pi + pp),
                interest=m(pi + cap),
                principal=m(pp),
                balance=m(bal),
                arrears_interest=m(arrears_paid),
            )
        )
    if unpaid_i == 0 and unpaid_p == 0:
        raise InvalidParameterError("no_arrears", "Aucun impayé à rééchelonner à cette date.")
    future = list(rows[k0:])
    share, rest = divmod(unpaid_i, months)
    shares = [share] * months
    shares[-1] += rest
    if mode == "instead":
        dates = extend_grid(schedule, as_of, months)
        tail, a = amortise(
            schedule,
            bal,
            dates,
            k0 + 1,
            deferral_rows=0,
            installment=None,
            first_fraction=None,
            kind=KIND_PLAN,
        )
        out = []
        for row, s in zip(tail, shares, strict=True):
            out.append(
                row._replace(
                    payment=row.payment + m(s), interest=row.interest + m(s), arrears_interest=m(s)
                )
            )
        return finish(schedule, past + out, m(a))
    total_rows = max(months, len(future))
    dates = extend_grid(schedule, as_of, total_rows)
    p, q = rate_ratio(schedule.terms.annual_rate)
    a_plan = installment_cents(unpaid_p, months, p, q)
    plan_bal = unpaid_p
    out = []
    for idx in range(total_rows):
        if idx < months:
            it = monthly_interest(plan_bal, p, q)
            pr = plan_bal if idx == months - 1 or a_plan - it > plan_bal else a_plan - it
            plan_bal -= pr
            s = shares[idx]
        else:
            it = pr = s = 0
        plan_pay = it + pr + s
        if idx < len(future):
            r = future[idx]
            out.append(
                r._replace(
                    payment=r.payment + m(plan_pay),
                    interest=r.interest + m(it + s),
                    principal=r.principal + m(pr),
                    balance=r.balance + m(plan_bal),
                    arrears_interest=r.arrears_interest + m(s),
                    kind=KIND_PLAN if idx < months else r.kind,
                )
            )
        else:
            out.append(
                ScheduleRow(
                    0,
                    dates[idx],
                    m(plan_pay),
                    m(it + s),
                    m(pr),
                    m(plan_bal),
                    KIND_PLAN,
                    ZERO,
                    m(s),
                )
            )
    return finish(schedule, past + out, schedule.installment)
