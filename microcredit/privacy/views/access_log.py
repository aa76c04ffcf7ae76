"""The read log, visible to the director and the data-protection officer: the reads of their
organisation's users, filtered by who, dossier or person, dates and kind of read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import PRIVACY_ROLES
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.privacy.forms_access_log import AccessLogFilterForm
from microcredit.privacy.selectors_access_log import PAGE_SIZE, access_log_page

FILTER_PARAMS = ("qui", "dossier", "personne", "du", "au", "action")


@roles_required(*PRIVACY_ROLES)
def access_log(request: MemberRequest) -> HttpResponse:
    organisation_id = request.membership.organisation_id
    params = {
        name: request.GET[name] for name in FILTER_PARAMS if request.GET.get(name, "").strip()
    }
    form = AccessLogFilterForm(params, organisation_id=organisation_id)
    if form.is_valid():
        page = access_log_page(organisation_id, form.filters(), request.GET.get("page"))
    else:  # a refused filter shows its message and no read, rather than every read
        page = Paginator([], PAGE_SIZE).get_page(1)
    # Reading the log is a read of personal data too: it names who saw which dossier.
    access_log_create(
        user=request.user,
        action=AccessAction.ACCESS_LOG,
        detail=f"page={page.number} " + urlencode(params),
    )
    return render(
        request,
        "privacy/access_log.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(params),
            "page_query": urlencode(params),
        },
    )
