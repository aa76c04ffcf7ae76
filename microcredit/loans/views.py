"""Loan pages: terms, schedule, repayments, incidents, arrears and the payoff quote of a date;
the bank types a repayment or an incident by hand. CCAS staff read the loans of their
organisation. The list of loans is the servicing portfolio (`loan_list` redirects there)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import RedirectView

from microcredit.accounts.access import authenticated, roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_on_form
from microcredit.core.services import access_log_create
from microcredit.loans import rules, selectors, services
from microcredit.loans.forms import (
    IncidentForm,
    PayoffForm,
    RepaymentForm,
    repayment_refusal_by_field,
)
from microcredit.loans.models import Repayment
from microcredit.loans.selectors import LOAN_ROLES, LoanPage, LoanPageNumbers

# The loan page's paginated lists: the parameter of each one's page number.
PAGE_PARAMS = {"versions": "versions", "repayments": "remboursements", "incidents": "incidents"}

# The old list of loans (/prets/): the portfolio of the servicing app lists them now (with the
# installment in force, the arrears, filters and pages). Each role's access is the portfolio's.
loan_list = authenticated(RedirectView.as_view(pattern_name="servicing:portfolio"))


def _payoff(
    request: MemberRequest, page: LoanPage, today: date
) -> tuple[PayoffForm, rules.Payoff | None]:
    """The payoff quote of the date asked for (`?date=`, today by default), or the form with
    its French error."""
    form = PayoffForm(request.GET if "date" in request.GET else {"date": today.isoformat()})
    if not form.is_valid():
        return form, None
    try:
        payoff = selectors.loan_payoff(
            page.loan, form.cleaned_data["date"], schedule=page.schedule, repayments=page.repayments
        )
    except ValidationError as refusal:
        form.add_error("date", refusal)
        return form, None
    return form, payoff


def _other_params(request: MemberRequest, param: str) -> str:
    params = request.GET.copy()
    params.pop(param, None)
    return params.urlencode()


def _render(
    request: MemberRequest,
    loan_id: int,
    *,
    repayment_form: forms.Form | None = None,
    incident_form: forms.Form | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    numbers = LoanPageNumbers(**{key: request.GET.get(param) for key, param in PAGE_PARAMS.items()})
    page = selectors.loan_page(request.user, request.membership, loan_id, today, numbers)
    access_log_create(user=request.user, action=AccessAction.LOAN_DETAIL, obj=page.loan)
    is_bank = request.membership.role == Role.BANK_ADVISER
    payoff_form, payoff = _payoff(request, page, today)
    context: dict[str, Any] = {
        "payoff_form": payoff_form,
        "payoff": payoff,
        "page": page,
        "loan": page.loan,
        "dossier": page.loan.dossier,
        "status": page.status,
        "is_bank": is_bank,
        "repayment_form": repayment_form or RepaymentForm(initial={"date": today}, prefix="rep"),
        "incident_form": incident_form or IncidentForm(initial={"date": today}, prefix="inc"),
        # Each list's other query parameters (the payoff date, the other lists' pages).
        "page_queries": {key: _other_params(request, param) for key, param in PAGE_PARAMS.items()},
    }
    return render(request, "loans/loan_detail.html", context)


@roles_required(*LOAN_ROLES)
@require_GET
def loan_detail(request: MemberRequest, loan_id: int) -> HttpResponse:
    return _render(request, loan_id)


@roles_required(Role.BANK_ADVISER)
@require_POST
def repayment_create(request: MemberRequest, loan_id: int) -> HttpResponse:
    loan = selectors.loan_for_user_or_404(request.user, request.membership, loan_id)
    form = RepaymentForm(request.POST, prefix="rep")
    if form.is_valid():
        data = form.cleaned_data

        def record() -> tuple[Repayment, bool]:
            try:
                return services.repayment_record_for_loan(
                    actor=request.user,
                    membership=request.membership,
                    loan_id=loan.pk,
                    reference=data["reference"],
                    date=data["date"],
                    amount=data["amount"],
                    early_repayment=data["early_repayment"],
                    early_repayment_keep=data["early_repayment_keep"],
                    today=timezone.localdate(),
                )
            except ValidationError as refusal:
                raise repayment_refusal_by_field(refusal, data["reference"]) from refusal

        recorded = attempt_on_form(form, record)
        if recorded is not None:
            repayment, created = recorded
            if created and repayment.early_repayment:
                messages.success(
                    request,
                    "Le remboursement anticipé est enregistré : le nouvel échéancier est en "
                    "vigueur.",
                )
            elif created:
                messages.success(request, "Le remboursement est enregistré.")
            else:
                messages.info(request, "Ce remboursement était déjà enregistré.")
            return redirect("loans:detail", loan.pk)
    return _render(request, loan.pk, repayment_form=form)


@roles_required(Role.BANK_ADVISER)
@require_POST
def incident_create(request: MemberRequest, loan_id: int) -> HttpResponse:
    loan = selectors.loan_for_user_or_404(request.user, request.membership, loan_id)
    form = IncidentForm(request.POST, prefix="inc")
    if form.is_valid():
        data = form.cleaned_data
        recorded = attempt_on_form(
            form,
            lambda: services.incident_record_for_loan(
                actor=request.user,
                membership=request.membership,
                loan_id=loan.pk,
                reference=data["reference"],
                kind=data["kind"],
                date=data["date"],
                amount=data["amount"],
                note=data["note"],
                today=timezone.localdate(),
            ),
        )
        if recorded is not None:
            _, created = recorded
            if created:
                messages.success(request, "L'incident est enregistré.")
            else:
                messages.info(request, "Cet incident était déjà enregistré.")
            return redirect("loans:detail", loan.pk)
    return _render(request, loan.pk, incident_form=form)
