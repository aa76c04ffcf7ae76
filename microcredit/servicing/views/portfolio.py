"""The portfolio page (portefeuille): one page for the CCAS staff (the loans of their
organisation) and the bank adviser (the loans of their bank), each loan as the nightly job left
it, PAR30 at the top. It replaces the loans app's list."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.converters import id_url_maker
from microcredit.core.enums import AccessAction
from microcredit.core.search import QUERY_PARAM, search_terms
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

# The portfolio's other parameters, carried along when a search moves out of the URL.
KEPT_PARAMS = ("etat", "tranche")


@roles_required(*LOAN_ROLES)
@require_http_methods(["GET", "POST"])
def portfolio(request: MemberRequest) -> HttpResponse:
    # A name searched stays out of the URL (core.search, F6): a POST, then ?recherche=<key>.
    search = search_terms(
        request, url=reverse("servicing:portfolio"), namespace="portfolio", keep=KEPT_PARAMS
    )
    if isinstance(search, HttpResponse):
        return search
    summary = portfolio_summary(request.user, request.membership)
    data = request.GET.copy()
    data[QUERY_PARAM] = search.query
    form = PortfolioFilterForm(data, buckets=summary.buckets)
    filters = form.filters()
    listing = portfolio_page(
        request.user, request.membership, summary, filters, request.GET.get("page")
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
    # Each row with its two links: two `reverse` for the page rather than two per row.
    loan_url = id_url_maker("loans:detail")
    followup_url = id_url_maker("servicing:loan")
    linked_rows = [(row, loan_url(row.loan.pk), followup_url(row.loan.pk)) for row in listing.rows]
    return render(
        request,
        "servicing/portfolio.html",
        {
            "summary": summary,
            "form": form,
            "filters": filters,
            "page": listing.page,
            "rows": listing.rows,
            "linked_rows": linked_rows,
            "page_query": params.urlencode(),
            "page_size": PAGE_SIZE,
            "par_days": PAR_DAYS,
            "show_bank": request.membership.role != Role.BANK_ADVISER,
            "can_import": request.membership.role in STATEMENT_ROLES,
            "search_expired": search.expired,
        },
    )


urlpatterns: list[URLPattern] = [
    path("portefeuille/", portfolio, name="portfolio"),
]
