"""Pure rules of the plan de reprise: the durations allowed, what a plan reschedules on a date,
its schedule from the loan engine (`repayment_plan`), the reason of the version it creates.

No Django here: the loan engine, plain values and French sentences. What is rescheduled is the
engine's: the unpaid part of the rows due on or before the plan's date (the payments made up to
that date allocated by `allocate_payments`), interest and principal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loan_engine import (
    KIND_PLAN,
    LoanEngineError,
    Payment,
    Schedule,
    ScheduleRow,
    allocate_payments,
    repayment_plan,
)
from microcredit.core.formatting import format_date, format_eur

# A plan lasts 1 to 36 months: 36 is the longest repayment duration of the conventions (3–36
# months by default); a longer plan would stretch a micro-credit beyond what any offer allows.
PLAN_MIN_MONTHS = 1
PLAN_MAX_MONTHS = 36
MAX_TEXT_LENGTH = 2000

# The engine's plan modes (servicing.enums.PlanMode values) and how the reason words them.
ON_TOP = "on_top"
INSTEAD = "instead"
MODE_WORDS = {
    ON_TOP: "en plus des mensualités en cours",
    INSTEAD: "à la place des mensualités en cours",
}


@dataclass(frozen=True)
class PlanFigures:
    """Where the loan stands on `as_of` for a plan.

    `overdue` is what is late (rows due strictly before `as_of`, as everywhere else);
    `to_reschedule` what a plan made that day reschedules (rows due on or before `as_of`:
    the installment due that very day too, as the engine does)."""

    as_of: date
    overdue: Decimal
    days_past_due: int
    to_reschedule: Decimal
    interest: Decimal
    principal: Decimal


def plan_figures(schedule: Schedule, payments: Sequence[Payment], as_of: date) -> PlanFigures:
    position = allocate_payments(schedule, payments, as_of)
    due = [st for st in position.installments if st.due_date <= as_of]
    interest = sum((st.interest_due - st.interest_paid for st in due), Decimal("0.00"))
    principal = sum((st.principal_due - st.principal_paid for st in due), Decimal("0.00"))
    return PlanFigures(
        as_of=as_of,
        overdue=position.overdue_amount,
        days_past_due=position.days_past_due,
        to_reschedule=interest + principal,
        interest=interest,
        principal=principal,
    )


def months_problem(months: int) -> str | None:
    if not PLAN_MIN_MONTHS <= months <= PLAN_MAX_MONTHS:
        return (
            f"Un plan de reprise dure de {PLAN_MIN_MONTHS} à {PLAN_MAX_MONTHS} mois "
            f"({months} demandé)."
        )
    return None


def mode_problem(mode: str) -> str | None:
    if mode not in MODE_WORDS:
        return "Choisissez si le plan s'ajoute aux mensualités en cours ou les remplace."
    return None


def arrears_problem(figures: PlanFigures) -> str | None:
    """Why no plan is possible on `figures.as_of` (nothing late), or None."""
    if figures.overdue == 0 or figures.to_reschedule == 0:
        return (
            f"Aucune échéance impayée au {format_date(figures.as_of)} : il n'y a rien à "
            "rééchelonner."
        )
    return None


def outdated_problem(proposed: Decimal, proposed_on: date, figures: PlanFigures) -> str | None:
    """Why a proposed plan can no longer be agreed: what it reschedules changed since."""
    if figures.to_reschedule == proposed:
        return None
    return (
        f"Les impayés ont changé depuis la proposition du {format_date(proposed_on)} : "
        f"{format_eur(proposed)} proposés, {format_eur(figures.to_reschedule)} au "
        f"{format_date(figures.as_of)} (un remboursement ou une échéance depuis). Ce plan ne "
        "peut plus être accepté : refusez-le, le référent en proposera un nouveau."
    )


@dataclass(frozen=True)
class PlanPreview:
    """The schedule a plan gives (not stored): the figures it starts from and the new
    version of the engine."""

    figures: PlanFigures
    months: int
    mode: str
    schedule: Schedule

    @property
    def upcoming(self) -> tuple[ScheduleRow, ...]:
        """The rows due after the plan's date: what the borrower will pay."""
        return tuple(r for r in self.schedule.rows if r.due_date > self.figures.as_of)

    @property
    def plan_rows(self) -> tuple[ScheduleRow, ...]:
        return tuple(r for r in self.upcoming if r.kind == KIND_PLAN)

    @property
    def first_payment(self) -> Decimal:
        return self.upcoming[0].payment if self.upcoming else Decimal("0.00")

    @property
    def remaining_due(self) -> Decimal:
        return sum((r.payment for r in self.upcoming), Decimal("0.00"))

    @property
    def end_date(self) -> date:
        return self.schedule.end_date


def plan_preview(
    schedule: Schedule, payments: Sequence[Payment], as_of: date, months: int, mode: str
) -> PlanPreview | str:
    """The plan's schedule by the engine, or the French sentence saying why there is none."""
    figures = plan_figures(schedule, payments, as_of)
    problem = months_problem(months) or mode_problem(mode) or arrears_problem(figures)
    if problem is not None:
        return problem
    try:
        new = repayment_plan(
            schedule, payments, as_of, months, "on_top" if mode == ON_TOP else "instead"
        )
    except LoanEngineError as error:
        return error.message
    return PlanPreview(figures=figures, months=months, mode=mode, schedule=new)


def plan_reason(*, as_of: date, months: int, mode: str, amount: Decimal) -> str:
    """The schedule version's reason: « Plan de reprise du 20/03/2026 (3 mois, en plus des
    mensualités en cours, 100,95 € rééchelonnés) »."""
    return (
        f"Plan de reprise du {format_date(as_of)} ({months} mois, {MODE_WORDS[mode]}, "
        f"{format_eur(amount)} rééchelonnés)"
    )
