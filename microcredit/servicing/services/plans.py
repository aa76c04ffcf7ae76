"""Writes of repayment plans (plans de reprise): the référent proposes, the bank decides; an
agreed plan is the next schedule version (loan_engine.repayment_plan), with a letter.

The plan is computed on the day of the bank's agreement, not on the day of the proposal: its
rows then all fall after the agreement, and the version reconciles with every payment made
before it. The amount proposed must still be what is to reschedule that day: a payment (or an
installment fallen due) since the proposal makes the plan outdated, and the bank refuses it so
that the référent proposes again.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.formatting import format_date
from microcredit.core.services import audit_event_create
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.loans.selectors import loan_for_user_or_404
from microcredit.loans.services.schedules import schedule_version_store
from microcredit.servicing.enums import PlanState
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.rules import plans as rules
from microcredit.servicing.selectors.plans import (
    DECIDER_ROLES,
    PROPOSER_ROLES,
    open_plan,
    plan_engine_inputs,
    plan_for_user_or_404,
)

LETTER_KIND = "repayment_plan"  # letters.enums.LetterKind.REPAYMENT_PLAN


class PlanRefused(Refused):
    """A plan action refused as a whole; `code` names why (the API answers it)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _locked_loan(loan_id: int) -> Loan:
    """The loan's row locked: one plan action at a time per loan."""
    return Loan.objects.select_for_update().get(pk=loan_id)


def _check_active(loan: Loan) -> None:
    if loan.state != LoanState.ACTIVE:
        raise PlanRefused(
            f"Le prêt n'est plus en remboursement ({LoanState(loan.state).label}) : aucun plan "
            "de reprise n'est possible.",
            "loan_not_active",
        )


def _check_text(name: str, text: str, label: str) -> None:
    if len(text) > rules.MAX_TEXT_LENGTH:
        raise ValidationError(
            {name: ValidationError(f"{label} : au plus {rules.MAX_TEXT_LENGTH} caractères.")},
            code="too_long",
        )


@transaction.atomic
def plan_propose(
    *,
    actor: User,
    membership: Membership | None,
    loan_id: int,
    months: int,
    mode: str,
    note: str,
    today: date,
) -> RepaymentPlan:
    """The référent (or director·rice) of the loan's CCAS proposes, with the borrower, to
    reschedule what is unpaid on `today` over `months` months, on top of or instead of the
    running installments.

    Raises:
        Http404: a loan the actor may not see.
        PlanRefused: not a référent or director·rice (not_allowed), the loan is closed
            (loan_not_active), a plan is already proposed or agreed (plan_open), nothing is
            overdue (no_arrears).
        ValidationError: months out of 1..36, an unknown mode, a note too long (by field).
    """
    if membership is None or not membership.active or membership.role not in PROPOSER_ROLES:
        raise PlanRefused(
            "Seul le référent ou le directeur·rice du CCAS propose un plan de reprise.",
            "not_allowed",
        )
    loan = _locked_loan(loan_for_user_or_404(actor, membership, loan_id).pk)
    _check_active(loan)
    problems = {
        name: [message]
        for name, message in (
            ("months", rules.months_problem(months)),
            ("mode", rules.mode_problem(mode)),
        )
        if message is not None
    }
    if problems:
        raise ValidationError(problems, code="invalid")
    note = note.strip()
    _check_text("note", note, "La note")
    current = open_plan(loan)
    if current is not None:
        where = "proposé à la banque" if current.state == PlanState.PROPOSED else "en cours"
        raise PlanRefused(
            f"Un plan de reprise est déjà {where} pour ce prêt (proposé le "
            f"{format_date(timezone.localdate(current.proposed_at))}) : un seul à la fois.",
            "plan_open",
        )
    schedule, payments = plan_engine_inputs(loan)
    as_of = max(today, loan.disbursement_date)
    preview = rules.plan_preview(schedule, payments, as_of, months, mode)
    if isinstance(preview, str):
        raise PlanRefused(preview, "no_arrears")
    try:
        with transaction.atomic():
            plan = RepaymentPlan.objects.create(
                loan=loan,
                state=PlanState.PROPOSED,
                as_of=as_of,
                months=months,
                mode=mode,
                overdue_amount=preview.figures.to_reschedule,
                note=note,
                proposed_by=actor,
            )
    except IntegrityError as error:  # another proposal committed meanwhile (no row lock)
        raise PlanRefused(
            "Un plan de reprise vient d'être proposé pour ce prêt.", "plan_open"
        ) from error
    audit_event_create(
        actor=actor,
        action=AuditAction.PLAN_PROPOSED,
        obj=plan,
        new_values={
            "loan": loan.pk,
            "as_of": as_of,
            "months": months,
            "mode": mode,
            "overdue_amount": plan.overdue_amount,
            "overdue_interest": preview.figures.interest,
            "overdue_principal": preview.figures.principal,
            "note": note,
        },
    )
    return plan


def _agree(*, actor: User, plan: RepaymentPlan, loan: Loan, today: date) -> None:
    _check_active(loan)
    schedule, payments = plan_engine_inputs(loan)
    as_of = max(today, loan.disbursement_date)
    figures = rules.plan_figures(schedule, payments, as_of)
    outdated = rules.outdated_problem(plan.overdue_amount, plan.as_of, figures)
    if outdated is not None:
        raise PlanRefused(outdated, "plan_outdated")
    preview = rules.plan_preview(schedule, payments, as_of, plan.months, plan.mode)
    if isinstance(preview, str):
        raise PlanRefused(preview, "no_arrears")
    reason = rules.plan_reason(
        as_of=as_of, months=plan.months, mode=plan.mode, amount=plan.overdue_amount
    )
    version = schedule_version_store(
        actor=actor, loan=loan, schedule=preview.schedule, reason=reason
    )
    old = {"state": plan.state, "as_of": plan.as_of, "version": schedule.version}
    plan.state = PlanState.AGREED
    plan.as_of = as_of
    plan.decided_at = timezone.now()
    plan.decided_by = actor
    plan.schedule_version = version
    plan.save(update_fields=["state", "as_of", "decided_at", "decided_by", "schedule_version"])
    audit_event_create(
        actor=actor,
        action=AuditAction.PLAN_AGREED,
        obj=plan,
        reason=reason,
        old_values=old,
        new_values={
            "state": plan.state,
            "loan": loan.pk,
            "as_of": as_of,
            "version": version.number,
            "installment": preview.schedule.installment,
            "first_payment": preview.first_payment,
            "end_date": preview.end_date,
            "total_due": preview.schedule.total_due,
        },
    )
    letter_due.send(loan, LETTER_KIND, str(plan.pk))


def _refuse(*, actor: User, plan: RepaymentPlan, reason: str) -> None:
    if not reason:
        raise ValidationError(
            {"reason": ValidationError("Indiquez le motif du refus.", code="required")}
        )
    plan.state = PlanState.REFUSED
    plan.refusal_reason = reason
    plan.decided_at = timezone.now()
    plan.decided_by = actor
    plan.save(update_fields=["state", "refusal_reason", "decided_at", "decided_by"])
    audit_event_create(
        actor=actor,
        action=AuditAction.PLAN_REFUSED,
        obj=plan,
        reason=reason,
        old_values={"state": PlanState.PROPOSED},
        new_values={"state": plan.state, "loan": plan.loan_id},
    )


@transaction.atomic
def plan_decide(
    *,
    actor: User,
    membership: Membership | None,
    plan_id: int,
    agree: bool,
    reason: str,
    today: date,
) -> tuple[RepaymentPlan, bool]:
    """The bank adviser of the loan's bank agrees to the plan proposed (the next schedule
    version, computed on `today`, and a letter to the borrower) or refuses it with a reason.

    Returns (plan, decided now). Idempotent: agreeing a plan already agreed (or refusing one
    already refused) answers with the plan and False, and writes nothing.

    Raises:
        Http404: a plan of a loan the actor may not see.
        PlanRefused: not the bank adviser (not_allowed), the loan is closed (loan_not_active),
            the plan was decided the other way (plan_decided), the amount to reschedule changed
            since the proposal (plan_outdated), nothing is overdue any more (no_arrears).
        ValidationError: a refusal without a reason, or one too long ("reason").
    """
    if membership is None or not membership.active or membership.role not in DECIDER_ROLES:
        raise PlanRefused(
            "Seul le conseiller de la banque du prêt accepte ou refuse un plan de reprise.",
            "not_allowed",
        )
    found = plan_for_user_or_404(actor, membership, plan_id)
    loan = _locked_loan(found.loan_id)
    plan = RepaymentPlan.objects.select_for_update().get(pk=found.pk)
    reason = reason.strip()
    _check_text("reason", reason, "Le motif")
    decided = plan.decided_at is not None
    if decided and agree == (plan.state != PlanState.REFUSED):
        return plan, False
    if decided:
        on = format_date(timezone.localdate(plan.decided_at))
        raise PlanRefused(
            f"Ce plan de reprise a été refusé le {on} : il ne peut plus être accepté (le "
            "référent peut en proposer un nouveau)."
            if agree
            else f"Ce plan de reprise a été accepté le {on} : il ne peut plus être refusé.",
            "plan_decided",
        )
    if agree:
        _agree(actor=actor, plan=plan, loan=loan, today=today)
    else:
        _refuse(actor=actor, plan=plan, reason=reason)
    return plan, True
