"""Pages of servicing: the plan de reprise. The référent previews a plan (the engine's schedule,
nothing stored) then proposes it; the bank adviser agrees or refuses it. Both on the loan's
follow-up page (servicing:loan), where every POST comes back."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.forms import free_text_refusal
from microcredit.core.refusals import attempt_on_form, attempt_with_messages
from microcredit.core.services import access_log_create
from microcredit.loans.models import Loan
from microcredit.loans.selectors import loan_for_user_or_404
from microcredit.servicing.enums import PlanMode, PlanState
from microcredit.servicing.forms.plans import PlanDecisionForm, PlanProposalForm
from microcredit.servicing.selectors.loan import followup_page
from microcredit.servicing.selectors.plans import (
    DECIDER_ROLES,
    PROPOSER_ROLES,
    PlanDraft,
    ShownPreview,
    plan_for_user_or_404,
    plan_preview,
    shown,
)
from microcredit.servicing.services.plans import plan_decide, plan_propose


def _draft(form: PlanProposalForm) -> PlanDraft:
    return PlanDraft(
        months=form.data.get("months", ""),
        mode=form.data.get("mode", PlanMode.ON_TOP),
        note=form.data.get("note", ""),
        errors={name: [str(e) for e in errors] for name, errors in form.errors.items()},
    )


def _preview(loan: Loan, form: PlanProposalForm) -> ShownPreview | None:
    """The engine's plan for the form's months and mode (a reason on the form if none)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    result = plan_preview(loan, data["months"], data["mode"], timezone.localdate())
    if isinstance(result, str):
        form.add_error(None, result)
        return None
    return shown(result)


def _render(
    request: MemberRequest, loan_id: int, form: PlanProposalForm, preview: ShownPreview | None
) -> HttpResponse:
    """The follow-up page with the référent's proposal as typed, its faults and its preview."""
    page = followup_page(request.user, request.membership, loan_id, timezone.localdate())
    access_log_create(user=request.user, action=AccessAction.LOAN_DETAIL, obj=page.loan)
    page = replace(page, plans=replace(page.plans, draft=_draft(form), draft_preview=preview))
    return render(
        request,
        "servicing/loan_followup.html",
        {
            "page": page,
            "loan": page.loan,
            "dossier": page.loan.dossier,
            "role": request.membership.role,
        },
    )


@roles_required(*PROPOSER_ROLES)
@require_POST
def plan_preview_view(request: MemberRequest, loan_id: int) -> HttpResponse:
    """« Prévisualiser » : the plan's schedule, computed and shown, never stored."""
    loan = loan_for_user_or_404(request.user, request.membership, loan_id)
    form = PlanProposalForm(request.POST)
    return _render(request, loan.pk, form, _preview(loan, form))


@roles_required(*PROPOSER_ROLES)
@require_POST
def plan_propose_view(request: MemberRequest, loan_id: int) -> HttpResponse:
    loan = loan_for_user_or_404(request.user, request.membership, loan_id)
    form = PlanProposalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        plan = attempt_on_form(
            form,
            lambda: plan_propose(
                actor=request.user,
                membership=request.membership,
                loan_id=loan.pk,
                months=data["months"],
                mode=data["mode"],
                note=data["note"],
                today=timezone.localdate(),
            ),
        )
        if plan is not None:
            messages.success(
                request,
                "Le plan de reprise est proposé à la banque ; il prendra effet quand elle "
                "l'acceptera.",
            )
            return redirect("servicing:loan", loan.pk)
    return _render(request, loan.pk, form, None)


@roles_required(*DECIDER_ROLES)
@require_POST
def plan_decision_view(request: MemberRequest, plan_id: int) -> HttpResponse:
    """« Accepter le plan » or « Refuser » (with its reason), then back to the follow-up page."""
    plan = plan_for_user_or_404(request.user, request.membership, plan_id)
    form = PlanDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            free_text_refusal(
                form,
                "Choisissez d'accepter ou de refuser le plan (motif : 2 000 caractères au plus).",
            ),
        )
        return redirect("servicing:loan", plan.loan_id)
    agree = form.cleaned_data["agree"]
    result = attempt_with_messages(
        request,
        lambda: plan_decide(
            actor=request.user,
            membership=request.membership,
            plan_id=plan.pk,
            agree=agree,
            reason=form.cleaned_data["reason"],
            today=timezone.localdate(),
        ),
    )
    if result is not None:
        decided, now = result
        if not now:
            messages.info(
                request, f"Ce plan de reprise était déjà {PlanState(decided.state).label}."
            )
        elif agree:
            messages.success(
                request,
                "Le plan de reprise est accepté : le nouvel échéancier est en vigueur et un "
                "courrier part à l'emprunteur.",
            )
        else:
            messages.success(request, "Le plan de reprise est refusé.")
    return redirect("servicing:loan", plan.loan_id)


urlpatterns: list[URLPattern] = [
    path("prets/<id:loan_id>/plans/apercu/", plan_preview_view, name="plan_preview"),
    path("prets/<id:loan_id>/plans/proposer/", plan_propose_view, name="plan_propose"),
    path("plans/<id:plan_id>/decision/", plan_decision_view, name="plan_decision"),
]
