"""The bank portal: the dossiers transmitted to the adviser's bank, its decision, the offer and
the disbursement. Every page and every form goes through the bank's funnel (404 otherwise)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.banking import selectors, services
from microcredit.banking.forms import AcceptForm, DisbursementForm, OfferForm, RefuseForm
from microcredit.core.converters import id_url_maker
from microcredit.core.enums import AccessAction
from microcredit.core.pagination import KnownCountPaginator
from microcredit.core.refusals import attempt_on_form
from microcredit.core.services import access_log_create
from microcredit.documents.rules import UploadRefused, check_sent_names
from microcredit.programmes.selectors import version_in_force

GROUP_TITLES = {
    selectors.TO_DECIDE: _("À décider"),
    selectors.AWAITING_DISBURSEMENT: _("Accordés : offre ou chèque à enregistrer"),
    selectors.DISBURSED: _("Décaissés"),
    selectors.CLOSED_BY_BANK: _("Refusés ou abandonnés"),
}


@roles_required(Role.BANK_ADVISER)
@require_GET
def bank_dossier_list(request: MemberRequest) -> HttpResponse:
    """The dossiers transmitted to the bank, a page at a time (the dossier list's page size),
    all of them or one group's (?groupe=), with the number of dossiers in each group."""
    group = request.GET.get("groupe", "")
    if group not in selectors.GROUPS:
        group = ""
    counts = selectors.bank_group_counts(request.user, request.membership)
    dossiers = selectors.bank_dossier_list(request.user, request.membership, group=group)
    paginator = KnownCountPaginator(
        dossiers, selectors.PAGE_SIZE, count=counts[group] if group else sum(counts.values())
    )
    page = paginator.get_page(request.GET.get("page"))
    access_log_create(
        user=request.user,
        action=AccessAction.BANK_DOSSIER_LIST,
        detail=f"groupe={group} page={page.number}",
    )
    rows = selectors.bank_rows(page.object_list)
    dossier_url = id_url_maker("banking:dossier")
    return render(
        request,
        "banking/dossier_list.html",
        {
            "page": page,
            # Each row with its link: one `reverse` for the page rather than one per row.
            "rows": [(row, dossier_url(row.dossier.pk)) for row in rows],
            "group": group,
            "group_title": GROUP_TITLES.get(group, ""),
            "groups": [(code, GROUP_TITLES[code], counts[code]) for code in selectors.GROUPS],
            "total": sum(counts.values()),
            "page_query": urlencode({"groupe": group}) if group else "",
        },
    )


def _accept_initial(page: selectors.BankDossierPage) -> dict[str, Any]:
    dossier = page.dossier
    return {
        "amount": dossier.requested_amount,
        "months": dossier.requested_months,
        "deferral_months": dossier.requested_deferral_months,
        "deferral_kind": dossier.requested_deferral_kind,
        "expected_state": dossier.state,
    }


def _render(
    request: MemberRequest,
    page: selectors.BankDossierPage,
    *,
    status: int = 200,
    quote: selectors.OfferQuote | None = None,
    **forms_given: forms.Form,
) -> HttpResponse:
    dossier = page.dossier
    today = timezone.localdate()
    version = version_in_force(dossier.programme, today)
    context: dict[str, Any] = {
        "page": page,
        "dossier": dossier,
        "applicant": dossier.applicant,
        "decision": page.decision,
        "version": version,
        "quote": quote,
        "purpose_label": version.purpose_label(dossier.purpose_category)
        if version
        else dossier.purpose_category,
        "accept_form": forms_given.get("accept_form")
        or AcceptForm(initial=_accept_initial(page), prefix="accept"),
        "refuse_form": forms_given.get("refuse_form")
        or RefuseForm(initial={"expected_state": dossier.state}, prefix="refuse"),
        "offer_form": forms_given.get("offer_form")
        or OfferForm(initial={"signed_on": today}, prefix="offer"),
        "disbursement_form": forms_given.get("disbursement_form")
        or DisbursementForm(
            initial={
                "date": today,
                "amount": page.decision.amount if page.decision else None,
                "payee_name": dossier.payee_name,
                "payee_siret": dossier.payee_siret,
            },
            prefix="disburse",
        ),
    }
    return render(request, "banking/dossier_detail.html", context, status=status)


def _page(request: MemberRequest, dossier_id: int) -> selectors.BankDossierPage:
    return selectors.bank_dossier_page(request.user, request.membership, dossier_id)


@roles_required(Role.BANK_ADVISER)
@require_GET
def bank_dossier_detail(request: MemberRequest, dossier_id: int) -> HttpResponse:
    page = _page(request, dossier_id)
    access_log_create(user=request.user, action=AccessAction.BANK_DOSSIER_DETAIL, obj=page.dossier)
    return _render(request, page)


def _files_have_paths(request: HttpRequest, form: forms.Form) -> bool:
    """Refuse a file name sent with a folder (Django would keep only its last part)."""
    try:
        check_sent_names(getattr(request, "upload_names_with_path", []))
    except UploadRefused as refusal:
        form.add_error(None, refusal.message)
        return True
    return False


@roles_required(Role.BANK_ADVISER)
@require_POST
def bank_accept(request: MemberRequest, dossier_id: int) -> HttpResponse:
    page = _page(request, dossier_id)
    form = AcceptForm(request.POST, prefix="accept")
    if not form.is_valid():
        return _render(request, page, accept_form=form)
    data = form.cleaned_data
    terms = {
        "amount": data["amount"],
        "months": data["months"],
        "deferral_months": data["deferral_months"],
        "deferral_kind": data["deferral_kind"] if data["deferral_months"] else "none",
    }
    if "calculer" in request.POST:
        today = timezone.localdate()
        quote = selectors.offer_quote(
            version_in_force(page.dossier.programme, today), on_date=today, **terms
        )
        for problem in quote.problems:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        return _render(request, page, quote=quote, accept_form=form)
    decision = attempt_on_form(
        form,
        lambda: services.bank_accept(
            actor=request.user,
            membership=request.membership,
            dossier_id=page.dossier.pk,
            today=timezone.localdate(),
            expected_state=data["expected_state"] or None,
            **terms,
        ),
    )
    if decision is None:
        return _render(request, page, accept_form=form)
    messages.success(request, decision.event.reason)
    return redirect("banking:dossier", page.dossier.pk)


@roles_required(Role.BANK_ADVISER)
@require_POST
def bank_refuse(request: MemberRequest, dossier_id: int) -> HttpResponse:
    page = _page(request, dossier_id)
    form = RefuseForm(request.POST, prefix="refuse")
    if form.is_valid():
        data = form.cleaned_data
        decision = attempt_on_form(
            form,
            lambda: services.bank_refuse(
                actor=request.user,
                membership=request.membership,
                dossier_id=page.dossier.pk,
                reason=data["reason"],
                text=data["text"],
                expected_state=data["expected_state"] or None,
            ),
        )
        if decision is not None:
            messages.success(request, "Le refus de la banque est enregistré.")
            return redirect("banking:dossier", page.dossier.pk)
    return _render(request, page, refuse_form=form)


@roles_required(Role.BANK_ADVISER)
@require_POST
def bank_offer(request: MemberRequest, dossier_id: int) -> HttpResponse:
    page = _page(request, dossier_id)
    form = OfferForm(request.POST, request.FILES, prefix="offer")
    if form.is_valid() and not _files_have_paths(request, form):
        data = form.cleaned_data
        decision = attempt_on_form(
            form,
            lambda: services.bank_offer_record(
                actor=request.user,
                membership=request.membership,
                dossier_id=page.dossier.pk,
                signed_on=data["signed_on"],
                upload=data["upload"],
                today=timezone.localdate(),
            ),
        )
        if decision is not None:
            messages.success(request, "L'offre signée est enregistrée.")
            return redirect("banking:dossier", page.dossier.pk)
    return _render(request, page, offer_form=form)


@roles_required(Role.BANK_ADVISER)
@require_POST
def bank_disburse(request: MemberRequest, dossier_id: int) -> HttpResponse:
    page = _page(request, dossier_id)
    form = DisbursementForm(request.POST, request.FILES, prefix="disburse")
    if form.is_valid() and not _files_have_paths(request, form):
        data = form.cleaned_data
        loan = attempt_on_form(
            form,
            lambda: services.disbursement_record(
                actor=request.user,
                membership=request.membership,
                dossier_id=page.dossier.pk,
                cheque_number=data["cheque_number"],
                date=data["date"],
                amount=data["amount"],
                payee_name=data["payee_name"],
                payee_siret=data["payee_siret"],
                payee_change_reason=data["payee_change_reason"],
                payee_change_upload=data["payee_change_upload"],
                today=timezone.localdate(),
            ),
        )
        if loan is not None:
            messages.success(request, "Le décaissement est enregistré : le prêt est créé.")
            return redirect("loans:detail", loan.pk)
    return _render(request, page, disbursement_form=form)
