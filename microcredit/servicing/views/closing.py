"""The end of a repaid loan: the project's invoice (or its waiver), the CCAS's bonification (or
its waiver), then « Clôturer le dossier » (the dossier's workflow move, whose preconditions read
the proof and the bonification). One page for the référent and the director; each form posts to
its own route and, when refused, comes back to the page with its errors."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_on_form
from microcredit.core.services import access_log_create
from microcredit.documents.rules import UploadRefused, check_sent_names
from microcredit.dossiers.services import dossier_transition
from microcredit.dossiers.workflow import CLOSE
from microcredit.servicing.forms.closing import BonificationForm, CloseForm, ProofForm, WaiveForm
from microcredit.servicing.selectors.closing import CLOSING_ROLES, ClosingSection, closing_page
from microcredit.servicing.services import closing as services

PREFIXES = {
    "proof_form": "proof",
    "proof_waive_form": "proof_waive",
    "bonification_form": "bonification",
    "bonification_waive_form": "bonification_waive",
    "close_form": "close",
}


def _section(request: MemberRequest, loan_id: int) -> ClosingSection:
    return closing_page(request.user, request.membership, loan_id, timezone.localdate())


def _render(request: MemberRequest, section: ClosingSection, **bound: forms.Form) -> HttpResponse:
    figures = section.figures
    initial = {
        "proof_form": ProofForm(prefix=PREFIXES["proof_form"]),
        "proof_waive_form": WaiveForm(prefix=PREFIXES["proof_waive_form"]),
        "bonification_form": BonificationForm(
            prefix=PREFIXES["bonification_form"],
            initial={
                "paid_on": timezone.localdate(),
                "expected_amount": figures.amount if figures else None,
            },
        ),
        "bonification_waive_form": WaiveForm(prefix=PREFIXES["bonification_waive_form"]),
        "close_form": CloseForm(
            prefix=PREFIXES["close_form"],
            initial={"expected_state": section.loan.dossier.state},
        ),
    }
    context = {
        "closing": section,
        "loan": section.loan,
        "dossier": section.loan.dossier,
        **initial,
        **bound,
    }
    return render(request, "servicing/closing.html", context)


def _files_have_paths(request: HttpRequest, form: forms.Form) -> bool:
    """Refuse a file name sent with a folder (Django would keep only its last part)."""
    try:
        check_sent_names(getattr(request, "upload_names_with_path", []))
    except UploadRefused as refusal:
        form.add_error(None, refusal.message)
        return True
    return False


def _done(request: MemberRequest, loan_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("servicing:closing", loan_id)


@roles_required(*CLOSING_ROLES)
@require_GET
def closing_detail(request: MemberRequest, loan_id: int) -> HttpResponse:
    section = _section(request, loan_id)
    access_log_create(user=request.user, action=AccessAction.LOAN_CLOSING, obj=section.loan)
    return _render(request, section)


@roles_required(*CLOSING_ROLES)
@require_POST
def proof_record(request: MemberRequest, loan_id: int) -> HttpResponse:
    section = _section(request, loan_id)
    form = ProofForm(request.POST, request.FILES, prefix=PREFIXES["proof_form"])
    if form.is_valid() and not _files_have_paths(request, form):
        proof = attempt_on_form(
            form,
            lambda: services.project_proof_record(
                actor=request.user,
                membership=request.membership,
                loan_id=section.loan.pk,
                upload=form.cleaned_data["upload"],
                today=timezone.localdate(),
            ),
        )
        if proof is not None:
            return _done(request, loan_id, "La facture du projet est enregistrée.")
    return _render(request, section, proof_form=form)


@roles_required(*CLOSING_ROLES)
@require_POST
def proof_waive(request: MemberRequest, loan_id: int) -> HttpResponse:
    section = _section(request, loan_id)
    form = WaiveForm(request.POST, prefix=PREFIXES["proof_waive_form"])
    if form.is_valid():
        proof = attempt_on_form(
            form,
            lambda: services.project_proof_waive(
                actor=request.user,
                membership=request.membership,
                loan_id=section.loan.pk,
                reason=form.cleaned_data["reason"],
            ),
        )
        if proof is not None:
            return _done(request, loan_id, "La dispense du justificatif est enregistrée.")
    return _render(request, section, proof_waive_form=form)


@roles_required(*CLOSING_ROLES)
@require_POST
def bonification_record(request: MemberRequest, loan_id: int) -> HttpResponse:
    section = _section(request, loan_id)
    form = BonificationForm(request.POST, prefix=PREFIXES["bonification_form"])
    if form.is_valid():
        data = form.cleaned_data
        bonification = attempt_on_form(
            form,
            lambda: services.bonification_record(
                actor=request.user,
                membership=request.membership,
                loan_id=section.loan.pk,
                paid_on=data["paid_on"],
                mode=data["mode"],
                today=timezone.localdate(),
                expected_amount=data["expected_amount"],
            ),
        )
        if bonification is not None:
            return _done(request, loan_id, "Le versement de la bonification est enregistré.")
    return _render(request, section, bonification_form=form)


@roles_required(*CLOSING_ROLES)
@require_POST
def bonification_waive(request: MemberRequest, loan_id: int) -> HttpResponse:
    section = _section(request, loan_id)
    form = WaiveForm(request.POST, prefix=PREFIXES["bonification_waive_form"])
    if form.is_valid():
        bonification = attempt_on_form(
            form,
            lambda: services.bonification_waive(
                actor=request.user,
                membership=request.membership,
                loan_id=section.loan.pk,
                reason=form.cleaned_data["reason"],
            ),
        )
        if bonification is not None:
            return _done(request, loan_id, "La dispense de la bonification est enregistrée.")
    return _render(request, section, bonification_waive_form=form)


@roles_required(*CLOSING_ROLES)
@require_POST
def dossier_close(request: MemberRequest, loan_id: int) -> HttpResponse:
    """« Clôturer le dossier »: the workflow's move, refused with its blockers in French."""
    section = _section(request, loan_id)
    form = CloseForm(request.POST, prefix=PREFIXES["close_form"])
    if form.is_valid():
        event = attempt_on_form(
            form,
            lambda: dossier_transition(
                actor=request.user,
                membership=request.membership,
                dossier_id=section.loan.dossier_id,
                transition=CLOSE,
                expected_state=form.cleaned_data["expected_state"] or None,
            ),
        )
        if event is not None:
            messages.success(request, "Le dossier est clôturé.")
            return redirect("servicing:loan", loan_id)
    return _render(request, section, close_form=form)


urlpatterns: list[URLPattern] = [
    path("prets/<id:loan_id>/cloture/", closing_detail, name="closing"),
    path("prets/<id:loan_id>/cloture/facture/", proof_record, name="proof_record"),
    path("prets/<id:loan_id>/cloture/facture/dispense/", proof_waive, name="proof_waive"),
    path(
        "prets/<id:loan_id>/cloture/bonification/",
        bonification_record,
        name="bonification_record",
    ),
    path(
        "prets/<id:loan_id>/cloture/bonification/dispense/",
        bonification_waive,
        name="bonification_waive",
    ),
    path("prets/<id:loan_id>/cloture/cloturer/", dossier_close, name="close"),
]
