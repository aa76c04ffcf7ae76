"""Reads of repayment plans: through the loan funnel; the plan section of the follow-up page
with the engine's preview of a plan (computed, never stored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from loan_engine import Payment, Schedule, ScheduleRow
from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, Repayment, ScheduleLine
from microcredit.loans.selectors import access_loans_for_user, loan_payments, loan_schedule
from microcredit.servicing.enums import PlanMode, PlanState
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.rules import plans as rules

# The référent proposes with the borrower (or the director·rice); the bank adviser decides.
PROPOSER_ROLES = frozenset({Role.REFERENT, Role.DIRECTOR})
DECIDER_ROLES = frozenset({Role.BANK_ADVISER})
OPEN_STATES = (PlanState.PROPOSED, PlanState.AGREED)
# A loan has few plans (each needs the bank's decision); the page shows the latest ones.
SHOWN_PLANS = 20


def access_plans_for_user(user: User, membership: Membership | None) -> QuerySet[RepaymentPlan]:
    """The plans of the loans `user` may see (loans.selectors.access_loans_for_user)."""
    return RepaymentPlan.objects.filter(loan__in=access_loans_for_user(user, membership))


def plan_for_user_or_404(user: User, membership: Membership | None, plan_id: int) -> RepaymentPlan:
    """The plan if `user` may see its loan; 404 otherwise (never say that it exists)."""
    plan = (
        access_plans_for_user(user, membership)
        .select_related("loan", "loan__dossier", "schedule_version")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise Http404("Plan de reprise introuvable.")
    return plan


def loan_plans(loan: Loan) -> QuerySet[RepaymentPlan]:
    """The loan's plans, newest first, with who proposed and decided them."""
    return (
        RepaymentPlan.objects.filter(loan=loan)
        .select_related("proposed_by", "decided_by", "schedule_version")
        .order_by("-proposed_at", "-id")
    )


def open_plan(loan: Loan) -> RepaymentPlan | None:
    """The plan proposed or agreed (one at most: a database constraint)."""
    return RepaymentPlan.objects.filter(loan=loan, state__in=OPEN_STATES).first()


def plan_engine_inputs(loan: Loan) -> tuple[Schedule, list[Payment]]:
    """The schedule version in force (the engine's Schedule) and every repayment received."""
    repayments = list(Repayment.objects.filter(loan=loan).order_by("date", "id"))
    return loan_schedule(loan), loan_payments(repayments)


def plan_preview(loan: Loan, months: int, mode: str, today: date) -> rules.PlanPreview | str:
    """The plan `months` × `mode` would give on `today`, or why there is none (French)."""
    as_of = max(today, loan.disbursement_date)
    schedule, payments = plan_engine_inputs(loan)
    return rules.plan_preview(schedule, payments, as_of, months, mode)


def _line(row: ScheduleRow) -> ScheduleLine:
    """An engine row as an unsaved line: the loan page's schedule table shows it."""
    return ScheduleLine(
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


@dataclass(frozen=True)
class ShownPreview:
    """A preview as the page shows it: the figures and the rows still to pay."""

    preview: rules.PlanPreview
    lines: list[ScheduleLine]

    @property
    def mode_label(self) -> str:
        return PlanMode(self.preview.mode).label


def shown(preview: rules.PlanPreview) -> ShownPreview:
    return ShownPreview(preview=preview, lines=[_line(row) for row in preview.upcoming])


@dataclass(frozen=True)
class PlanDraft:
    """The référent's proposal as typed (strings), with the faults found in it by field
    ("__all__" for the others)."""

    months: str = ""
    mode: str = PlanMode.ON_TOP
    note: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def months_errors(self) -> list[str]:
        return self.errors.get("months", [])

    @property
    def mode_errors(self) -> list[str]:
        return self.errors.get("mode", [])

    @property
    def note_errors(self) -> list[str]:
        return self.errors.get("note", [])

    @property
    def other_errors(self) -> list[str]:
        return [
            m
            for name, ms in self.errors.items()
            if name not in {"months", "mode", "note"}
            for m in ms
        ]


@dataclass(frozen=True)
class PlanSection:
    """The plan section of the follow-up page."""

    loan: Loan
    today: date
    plans: list[RepaymentPlan]
    more_plans: bool
    open_plan: RepaymentPlan | None
    figures: rules.PlanFigures | None
    is_proposer: bool
    is_decider: bool
    can_propose: bool
    why_not: str
    open_preview: ShownPreview | None
    open_problem: str
    draft: PlanDraft
    draft_preview: ShownPreview | None
    mode_choices: list[tuple[str, str]]
    min_months: int = rules.PLAN_MIN_MONTHS
    max_months: int = rules.PLAN_MAX_MONTHS


def _open_preview(
    plan: RepaymentPlan, schedule: Schedule, payments: list[Payment], as_of: date
) -> tuple[ShownPreview | None, str]:
    """The proposed plan as it would be agreed on `as_of`, or why it cannot be any more."""
    figures = rules.plan_figures(schedule, payments, as_of)
    problem = rules.outdated_problem(plan.overdue_amount, plan.as_of, figures)
    if problem is not None:
        return None, problem
    preview = rules.plan_preview(schedule, payments, as_of, plan.months, plan.mode)
    if isinstance(preview, str):
        return None, preview
    return shown(preview), ""


def plan_section(loan: Loan, membership: Membership | None, today: date) -> PlanSection:
    """The loan's plans (newest first), what is overdue today, what the person may do: the
    référent proposes (with the engine's preview of the plan typed), the bank adviser agrees
    or refuses the plan proposed (with its preview, recomputed today). Queries do not grow
    with the number of plans."""
    role = membership.role if membership is not None else None
    listed = list(loan_plans(loan)[: SHOWN_PLANS + 1])
    current = loan_plans(loan).filter(state__in=OPEN_STATES).first()
    active = loan.state == LoanState.ACTIVE
    as_of = max(today, loan.disbursement_date)
    figures = None
    open_preview, open_problem = None, ""
    if active:
        schedule, payments = plan_engine_inputs(loan)
        figures = rules.plan_figures(schedule, payments, as_of)
        if current is not None and current.state == PlanState.PROPOSED:
            open_preview, open_problem = _open_preview(current, schedule, payments, as_of)
    why_not = ""
    if not active:
        why_not = (
            f"Le prêt n'est plus en remboursement ({LoanState(loan.state).label}) : pas de plan "
            "de reprise."
        )
    elif current is not None:
        why_not = "Un plan de reprise est déjà " + (
            "proposé à la banque." if current.state == PlanState.PROPOSED else "en cours."
        )
    elif figures is not None:
        why_not = rules.arrears_problem(figures) or ""
    is_proposer = role in PROPOSER_ROLES
    return PlanSection(
        loan=loan,
        today=as_of,
        plans=listed[:SHOWN_PLANS],
        more_plans=len(listed) > SHOWN_PLANS,
        open_plan=current,
        figures=figures,
        is_proposer=is_proposer,
        is_decider=role in DECIDER_ROLES,
        can_propose=is_proposer and not why_not,
        why_not=why_not,
        open_preview=open_preview,
        open_problem=open_problem,
        draft=PlanDraft(),
        draft_preview=None,
        mode_choices=list(PlanMode.choices),
    )
