"""Pages of the bank statement import: the upload (with the organisation's past imports), the
preview of one import, its confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_on_form, attempt_with_messages
from microcredit.core.services import access_log_create
from microcredit.loans.rules import MAX_BATCH
from microcredit.servicing.forms.statements import StatementUploadForm
from microcredit.servicing.rules.statements import COLUMNS, EXAMPLE, MAX_BYTES
from microcredit.servicing.selectors.statements import (
    PAGE_SIZE,
    STATEMENT_ROLES,
    statement_import_list,
)
from microcredit.servicing.services import statements as services


@roles_required(*STATEMENT_ROLES)
def statement_upload(request: MemberRequest) -> HttpResponse:
    form = StatementUploadForm()
    if request.method == "POST":
        form = StatementUploadForm(request.POST, request.FILES)
    if form.is_bound and form.is_valid():
        preview = attempt_on_form(
            form,
            lambda: services.statement_preview(
                actor=request.user,
                membership=request.membership,
                upload=form.cleaned_data["upload"],
                today=timezone.localdate(),
            ),
        )
        if preview is not None:
            return redirect("servicing:statement_detail", preview.statement_import.pk)
    page = Paginator(statement_import_list(request.membership), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "servicing/statement_upload.html",
        {
            "form": form,
            "page": page,
            "columns": COLUMNS,
            "example": EXAMPLE,
            "max_lines": MAX_BATCH,
            "max_kilobytes": MAX_BYTES // 1024,
        },
    )


@roles_required(*STATEMENT_ROLES)
def statement_detail(request: MemberRequest, import_id: int) -> HttpResponse:
    preview = attempt_with_messages(
        request,
        lambda: services.statement_lines(
            actor=request.user,
            membership=request.membership,
            import_id=import_id,
            today=timezone.localdate(),
        ),
    )
    if preview is None:
        return redirect("servicing:statement_upload")
    access_log_create(
        user=request.user, action=AccessAction.STATEMENT_IMPORT_DETAIL, obj=preview.statement_import
    )
    return render(
        request,
        "servicing/statement_detail.html",
        {"preview": preview, "statement": preview.statement_import},
    )


@roles_required(*STATEMENT_ROLES)
@require_POST
def statement_confirm(request: MemberRequest, import_id: int) -> HttpResponse:
    confirmation = attempt_with_messages(
        request,
        lambda: services.statement_confirm(
            actor=request.user,
            membership=request.membership,
            import_id=import_id,
            today=timezone.localdate(),
        ),
    )
    if confirmation is not None and confirmation.already_confirmed:
        messages.info(request, "Ce relevé était déjà confirmé : rien de plus n'est enregistré.")
    elif confirmation is not None:
        messages.success(
            request,
            f"Relevé confirmé : {confirmation.recorded} remboursement(s) enregistré(s), "
            f"{confirmation.already_recorded} déjà enregistré(s) auparavant.",
        )
    return redirect("servicing:statement_detail", import_id)


urlpatterns: list[URLPattern] = [
    path("releves/", statement_upload, name="statement_upload"),
    path("releves/<id:import_id>/", statement_detail, name="statement_detail"),
    path("releves/<id:import_id>/confirmer/", statement_confirm, name="statement_confirm"),
]
