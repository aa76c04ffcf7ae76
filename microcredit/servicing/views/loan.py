"""The loan's follow-up page: plan de reprise, guarantee claim, proof and bonification."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.loans.selectors import LOAN_ROLES
from microcredit.servicing.selectors.loan import followup_page


@roles_required(*LOAN_ROLES)
@require_GET
def loan_followup(request: MemberRequest, loan_id: int) -> HttpResponse:
    page = followup_page(request.user, request.membership, loan_id, timezone.localdate())
    access_log_create(user=request.user, action=AccessAction.LOAN_DETAIL, obj=page.loan)
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


urlpatterns: list[URLPattern] = [
    path("prets/<id:loan_id>/", loan_followup, name="loan"),
]
