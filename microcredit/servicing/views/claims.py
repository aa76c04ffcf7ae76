"""The guarantee claim's page, for the bank adviser of the loan's bank: call the guarantee (the
date of the déchéance du terme, the first unpaid installment, the reason), then record the
guarantor's payment. Each form posts to its own route and, when refused, comes back to the page
with its errors. The CCAS staff read the claim on the follow-up page (its claim section)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.formatting import format_eur
from microcredit.core.refusals import attempt_on_form
from microcredit.core.services import access_log_create
from microcredit.servicing.forms.claims import ClaimForm, ClaimPaymentForm
from microcredit.servicing.selectors.claims import claim_page
from microcredit.servicing.services.claims import guarantee_claim_paid, guarantee_claim_record

CLAIM_PREFIX = "claim"
PAYMENT_PREFIX = "payment"


def _render(
    request: MemberRequest,
    loan_id: int,
    *,
    claim_form: forms.Form | None = None,
    payment_form: forms.Form | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    page = claim_page(request.user, request.membership, loan_id, today)
    access_log_create(user=request.user, action=AccessAction.LOAN_DETAIL, obj=page.loan)
    basis = page.today_basis
    first_unpaid = basis.first_unpaid_date if basis is not None else None
    context = {
        "page": page,
        "claim": page.section,
        "loan": page.loan,
        "dossier": page.loan.dossier,
        "claim_form": claim_form
        or ClaimForm(
            prefix=CLAIM_PREFIX,
            initial={"acceleration_date": today, "first_unpaid_date": first_unpaid},
        ),
        "payment_form": payment_form
        or ClaimPaymentForm(prefix=PAYMENT_PREFIX, initial={"paid_on": today}),
    }
    return render(request, "servicing/claim.html", context)


@roles_required(Role.BANK_ADVISER)
@require_GET
def claim(request: MemberRequest, loan_id: int) -> HttpResponse:
    return _render(request, loan_id)


@roles_required(Role.BANK_ADVISER)
@require_POST
def claim_record(request: MemberRequest, loan_id: int) -> HttpResponse:
    form = ClaimForm(request.POST, prefix=CLAIM_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        recorded = attempt_on_form(
            form,
            lambda: guarantee_claim_record(
                actor=request.user,
                membership=request.membership,
                loan_id=loan_id,
                acceleration_date=data["acceleration_date"],
                first_unpaid_date=data["first_unpaid_date"],
                reason=data["reason"],
                reference=data["reference"],
                today=timezone.localdate(),
            ),
        )
        if recorded is not None:
            messages.success(
                request,
                f"L'appel en garantie est enregistré : {format_eur(recorded.amount)} appelés "
                f"auprès du garant ({recorded.guarantor_name}). Le dossier est « garantie "
                "appelée ».",
            )
            return redirect("servicing:loan", loan_id)
    return _render(request, loan_id, claim_form=form)


@roles_required(Role.BANK_ADVISER)
@require_POST
def claim_payment(request: MemberRequest, loan_id: int) -> HttpResponse:
    form = ClaimPaymentForm(request.POST, prefix=PAYMENT_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        recorded = attempt_on_form(
            form,
            lambda: guarantee_claim_paid(
                actor=request.user,
                membership=request.membership,
                loan_id=loan_id,
                paid_amount=data["paid_amount"],
                paid_on=data["paid_on"],
                today=timezone.localdate(),
            ),
        )
        if recorded is not None:
            messages.success(request, "Le paiement du garant est enregistré.")
            return redirect("servicing:loan", loan_id)
    return _render(request, loan_id, payment_form=form)


urlpatterns: list[URLPattern] = [
    path("prets/<id:loan_id>/garantie/", claim, name="claim"),
    path("prets/<id:loan_id>/garantie/appel/", claim_record, name="claim_record"),
    path("prets/<id:loan_id>/garantie/paiement/", claim_payment, name="claim_payment"),
]
