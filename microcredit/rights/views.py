"""Rights pages: ask for an estimate, the « Droits à vérifier » section (polled by htmx while
the estimate runs) and the outcome of each right.

The htmx answers carry the section's content (``#rights-content``) and, out of band, the text of
its live region (``#rights-status``), which stays in the page so that screen readers announce
it. A poll that finds the estimate still running answers 204: htmx swaps nothing, so the control
that has the focus is not replaced every 2 s."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.http import MemberRequest
from microcredit.budgets.models import Budget
from microcredit.budgets.selectors import latest_budget
from microcredit.core.enums import AccessAction
from microcredit.core.errors import Refused
from microcredit.core.refusals import attempt_with_messages
from microcredit.core.services import access_log_create
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.rights import selectors, services
from microcredit.rights.enums import RightOutcome

SECTION_TEMPLATE = "rights/_rights_section.html"
UPDATE_TEMPLATE = "rights/_rights_update.html"
# The element that polls (htmx sends its id in the HX-Trigger header).
POLLING_ELEMENT = "rights-content"


def rights_section(
    dossier: Dossier, budget: Budget | None, errors: list[str] | None = None
) -> dict[str, Any]:
    """The context of ``rights/_rights_section.html`` (a fixed number of queries)."""
    return {
        "dossier": dossier,
        "rights_panel": selectors.rights_panel(dossier, budget),
        "outcome_choices": RightOutcome.choices,
        "rights_errors": errors or [],
    }


def _to_rights(dossier_id: int) -> str:
    return reverse("dossiers:detail", args=[dossier_id]) + "#droits"


@roles_required(*DOSSIER_STAFF_ROLES)
@require_GET
def rights_section_view(request: MemberRequest, dossier_id: int) -> HttpResponse:
    """The section alone; htmx polls its content every 2 s while the estimate runs.

    A poll that finds the estimate still running answers 204 No Content (htmx swaps nothing);
    otherwise htmx gets the content and the live region's text, a plain request the section.
    """
    dossier = dossier_for_user_or_404(request.user, request.membership, dossier_id)
    context = rights_section(dossier, latest_budget(dossier))
    if context["rights_panel"].running:
        if request.htmx and request.htmx.trigger == POLLING_ELEMENT:
            return HttpResponse(status=204)
    else:
        access_log_create(user=request.user, action=AccessAction.RIGHTS_SECTION, obj=dossier)
    return render(request, UPDATE_TEMPLATE if request.htmx else SECTION_TEMPLATE, context)


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def rights_request(request: MemberRequest, dossier_id: int) -> HttpResponse:
    errors: list[str] = []
    try:
        services.rights_assessment_request(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
        )
    except Refused as refusal:  # shown in the section (htmx) or as messages
        errors = refusal.messages
    if request.htmx:
        dossier = dossier_for_user_or_404(request.user, request.membership, dossier_id)
        return render(
            request, UPDATE_TEMPLATE, rights_section(dossier, latest_budget(dossier), errors)
        )
    for message in errors:
        messages.error(request, message)
    if not errors:
        messages.success(request, "L'estimation des droits est lancée.")
    return redirect(_to_rights(dossier_id))


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def right_outcome(request: MemberRequest, dossier_id: int) -> HttpResponse:
    try:
        assessment_id = int(request.POST.get("assessment_id", ""))
    except ValueError:
        messages.error(request, "Estimation inconnue : rechargez la page.")
        return redirect(_to_rights(dossier_id))
    outcome = attempt_with_messages(
        request,
        lambda: services.right_outcome_record(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
            assessment_id=assessment_id,
            right=request.POST.get("right", ""),
            outcome=request.POST.get("outcome", ""),
        ),
    )
    if outcome is not None:
        messages.success(request, "La suite donnée à ce droit est enregistrée.")
    return redirect(_to_rights(dossier_id))
