"""The portfolio page (portefeuille): one page for the CCAS staff (the loans of their
organisation) and the bank adviser (the loans of their bank), each loan as the nightly job left
it, PAR30 at the top. It replaces the loans app's list."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.loans.selectors import LOAN_ROLES
from microcredit.servicing.forms.portfolio import PortfolioFilterForm
from microcredit.servicing.rules.arrears import PAR_DAYS
from microcredit.servicing.selectors.portfolio import (
    PAGE_SIZE,
    portfolio_page,
    portfolio_summary,
)
from microcredit.servicing.selectors.statements import STATEMENT_ROLES


@roles_required(*LOAN_ROLES)
@require_GET
def portfolio(request: MemberRequest) -> HttpResponse:
    summary = portfolio_summary(request.user, request.membership)
    form = PortfolioFilterForm(request.GET, buckets=summary.buckets)
    filters = form.filters()
    listing = portfolio_page(
        request.user, request.membership, summary.as_of, filters, request.GET.get("page")
    )
    access_log_create(
        user=request.user,
        action=AccessAction.PORTFOLIO,
        detail=(
            f"état={filters.state} tranche={filters.bucket} recherche={filters.query} "
            f"page={listing.page.number}"
        ),
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "servicing/portfolio.html",
        {
            "summary": summary,
            "form": form,
            "filters": filters,
            "page": listing.page,
            "rows": listing.rows,
            "page_query": params.urlencode(),
            "page_size": PAGE_SIZE,
            "par_days": PAR_DAYS,
            "show_bank": request.membership.role != Role.BANK_ADVISER,
            "can_import": request.membership.role in STATEMENT_ROLES,
        },
    )


urlpatterns: list[URLPattern] = [
    path("portefeuille/", portfolio, name="portfolio"),
]
