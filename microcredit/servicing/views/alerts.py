"""Alerts: the recipient marks one handled from their home page (the list is on the home page,
composed by the shell app)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.refusals import attempt_with_messages
from microcredit.loans.selectors import LOAN_ROLES
from microcredit.servicing.selectors.alerts import addressed_to
from microcredit.servicing.services.alerts import alert_handle


@roles_required(*LOAN_ROLES)
@require_POST
def alert_handled(request: MemberRequest, alert_id: int) -> HttpResponse:
    # Someone else's alert does not exist for this person.
    if not addressed_to(request.user, alert_id):
        raise Http404("Alerte introuvable.")
    done = attempt_with_messages(
        request, lambda: alert_handle(actor=request.user, alert_id=alert_id)
    )
    if done is not None:
        messages.success(request, "Alerte marquée comme traitée.")
    return redirect("shell:home")


urlpatterns: list[URLPattern] = [
    path("alertes/<id:alert_id>/traitee/", alert_handled, name="alert_handled"),
]
