"""Upload a dossier's document (CCAS staff); download it through the access check only."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_ROLES, DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_with_messages
from microcredit.core.services import access_log_create
from microcredit.documents import selectors, services
from microcredit.documents.rules import UploadRefused, check_sent_names


@roles_required(*DOSSIER_STAFF_ROLES)
@require_POST
def document_upload(request: MemberRequest, dossier_id: int) -> HttpResponse:
    upload = request.FILES.get("file")
    kind = request.POST.get("kind", "")
    target = reverse("dossiers:detail", args=[dossier_id]) + "#pieces"
    if upload is None:
        messages.error(request, "Choisissez un fichier à déposer.")
        return redirect(target)
    try:  # Django kept only the last part of a name sent with a path: refuse it
        check_sent_names(getattr(request, "upload_names_with_path", []))
    except UploadRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(target)
    document = attempt_with_messages(
        request,
        lambda: services.document_upload(
            actor=request.user,
            membership=request.membership,
            dossier_id=dossier_id,
            kind=kind,
            upload=upload,
        ),
    )
    if document is not None:
        messages.success(request, f"« {document.original_name} » est déposé.")
    return redirect(target)


# The commission never reads the pieces (identity, address, bank statements): only the summary.
DOWNLOAD_ROLES = sorted(DOSSIER_ROLES - {Role.COMMITTEE_MEMBER})


@roles_required(*DOWNLOAD_ROLES)
@require_GET
def document_download(request: MemberRequest, document_id: int) -> FileResponse:
    document = selectors.document_for_user_or_404(
        request.user,
        request.membership,
        document_id,
    )
    access_log_create(user=request.user, action=AccessAction.DOCUMENT_DOWNLOAD, obj=document)
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
