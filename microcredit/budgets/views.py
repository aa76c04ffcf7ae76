"""Budget pages: the budget form (each save is a new version) and the référent's opinion; the
« Budget » section of the dossier page is built by ``budget_section``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.http import MemberRequest
from microcredit.accounts.models import Membership
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets import selectors, services
from microcredit.budgets.forms import BudgetForm, OpinionForm, form_persons
from microcredit.core.enums import AccessAction
from microcredit.core.forms import free_text_refusal
from microcredit.core.refusals import attempt_on_form, attempt_with_messages
from microcredit.core.services import access_log_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.programmes.models import ProgrammeVersion


def budget_section(
    dossier: Dossier, version: ProgrammeVersion | None, membership: Membership
) -> dict[str, Any]:
    """The context of ``budgets/_budget_section.html`` (a fixed number of queries)."""
    panel = selectors.budget_panel(dossier, version)
    can_give_opinion = panel.budget is not None and membership.role in services.OPINION_ROLES
    return {
        "budget_panel": panel,
        "budget_editable": membership.role in DOSSIER_STAFF_ROLES
        and dossier.state not in FINAL_STATES,
        "opinion_form": OpinionForm(initial={"budget_id": panel.budget.pk})
        if can_give_opinion and panel.budget is not None
        else None,
    }


def _to_budget(dossier_id: int) -> str:
    return reverse("dossiers:detail", args=[dossier_id]) + "#budget"


@roles_required(*DOSSIER_STAFF_ROLES)
def budget_edit(request: MemberRequest, dossier_id: int) -> HttpResponse:
    """The budget form, filled with the latest version; saving writes a new version."""
    membership = request.membership
    dossier = dossier_for_user_or_404(request.user, membership, dossier_id)
    if dossier.state in FINAL_STATES:
        messages.error(
            request,
            f"Le dossier est « {dossier.get_state_display()} » : son budget ne change plus.",
        )
        return redirect(_to_budget(dossier.pk))
    applicant = dossier.applicant
    today = timezone.localdate()
    persons = form_persons(
        applicant, list(HouseholdMember.objects.filter(applicant=applicant)), today
    )
    latest = selectors.latest_budget(dossier)
    form = BudgetForm(
        request.POST or None,
        persons=persons,
        initial=BudgetForm.initial_from(latest, applicant, persons, today),
    )
    if request.method == "POST" and form.is_valid():
        budget = attempt_on_form(
            form,
            lambda: services.budget_create_version(
                actor=request.user,
                membership=membership,
                dossier_id=dossier.pk,
                month=form.cleaned_data["month"],
                housing_status=form.cleaned_data["housing_status"],
                separation_recent=form.cleaned_data["separation_recent"],
                no_resources=form.cleaned_data["no_resources"],
                lines=form.lines(),
                gross_salaries=form.gross_salaries(),
            ),
        )
        if budget is not None:
            messages.success(request, f"Budget enregistré (version {budget.version}).")
            return redirect(_to_budget(dossier.pk))
    elif request.method != "POST":
        access_log_create(user=request.user, action=AccessAction.BUDGET_EDIT, obj=dossier)
    return render(
        request,
        "budgets/budget_form.html",
        {"form": form, "dossier": dossier, "applicant": applicant, "latest": latest},
    )


@roles_required(*services.OPINION_ROLES)
@require_POST
def budget_opinion(request: MemberRequest, dossier_id: int) -> HttpResponse:
    form = OpinionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, free_text_refusal(form, "Choisissez votre avis et indiquez son motif.")
        )
        return redirect(_to_budget(dossier_id))
    opinion = attempt_with_messages(
        request,
        lambda: services.referent_opinion_record(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
            budget_id=form.cleaned_data["budget_id"],
            verdict=form.cleaned_data["verdict"],
            reason=form.cleaned_data["reason"],
        ),
    )
    if opinion is not None:
        messages.success(request, "Votre avis sur le budget est enregistré.")
    return redirect(_to_budget(dossier_id))
