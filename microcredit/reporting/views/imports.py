"""The import of a scheme's history (the director's page): upload → preview → confirm, and the
template to download.

Between the preview and the confirmation, the rows read from the file are kept in the director's
session (server-side, with a random token the confirmation form carries, for 30 minutes): the
confirmation checks them again against the database and imports them, or nothing.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.programmes.models import Programme
from microcredit.programmes.selectors import access_programmes_for_membership
from microcredit.reporting import history_rules as rules
from microcredit.reporting.forms import HistoryUploadForm
from microcredit.reporting.history import (
    column_docs,
    history_check,
    problem_message,
    template_xlsx,
)
from microcredit.reporting.services import HistoryRefused, history_import

SESSION_KEY = "reporting_history_import"
PREVIEW_SECONDS = 30 * 60
PREVIEW_ROWS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: MemberRequest, form: HistoryUploadForm) -> HttpResponse:
    return render(
        request,
        "reporting/import.html",
        {
            "form": form,
            "columns": column_docs(),
            "issues": rules.ISSUES,
            "loan_states": rules.LOAN_STATES,
            "max_rows": rules.MAX_ROWS,
            "max_kilobytes": rules.MAX_BYTES // 1024,
        },
    )


@roles_required(Role.DIRECTOR)
@require_http_methods(["GET", "POST"])
def import_history(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    programmes = access_programmes_for_membership(request.membership).order_by("id")
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, programmes)
    form = HistoryUploadForm(programmes=programmes)
    if request.method == "POST":
        form = HistoryUploadForm(request.POST, request.FILES, programmes=programmes)
        if form.is_valid():
            return _preview(request, form)
    return _page(request, form)


def _preview(request: MemberRequest, form: HistoryUploadForm) -> HttpResponse:
    programme: Programme = form.cleaned_data["programme"]
    upload = form.cleaned_data["upload"]
    upload.seek(0)
    try:
        table = rules.read_file(upload.read(rules.MAX_BYTES + 1))
    except rules.FileProblem as problem:
        form.add_error("upload", problem_message(problem.problem))
        return _page(request, form)
    check = history_check(
        organisation_id=request.membership.organisation_id,
        programme=programme,
        table=table,
        today=timezone.localdate(),
    )
    token = ""
    if check.ok and check.new_rows:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {
            "token": token,
            "at": time.time(),
            "organisation": request.membership.organisation_id,
            "programme": programme.pk,
            "user": request.user.pk,
            "table": table.to_json(),
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return render(
        request,
        "reporting/import_preview.html",
        {
            "check": check,
            "programme": programme,
            "file_name": (upload.name or "")[:150],
            "rows": check.new_rows[:PREVIEW_ROWS],
            "preview_rows": PREVIEW_ROWS,
            "token": token,
        },
    )


def _confirm(request: MemberRequest, programmes: Any) -> HttpResponse:
    kept: dict[str, Any] | None = request.session.get(SESSION_KEY)
    token = request.POST.get("token", "")
    valid = (
        kept is not None
        and secrets.compare_digest(str(kept.get("token", "")), token)
        and kept.get("organisation") == request.membership.organisation_id
        and kept.get("user") == request.user.pk
        and time.time() - float(kept.get("at", 0)) <= PREVIEW_SECONDS
    )
    if not valid or kept is None:
        messages.error(
            request,
            _(
                "Cet aperçu n'est plus valable (expiré, remplacé par un autre fichier ou déjà "
                "importé) : rien n'a été importé. Déposez le fichier à nouveau."
            ),
        )
        return redirect("reporting:import")
    request.session.pop(SESSION_KEY, None)
    programme = programmes.filter(pk=kept["programme"]).first()
    if programme is None:
        raise Http404
    try:
        result = history_import(
            actor=request.user,
            organisation=request.membership.organisation,
            programme=programme,
            table=rules.RawTable.from_json(kept["table"]),
            today=timezone.localdate(),
        )
    except HistoryRefused as refusal:
        for message in refusal.messages:
            messages.error(request, message)
        return redirect("reporting:import")
    messages.success(
        request,
        _("Historique importé : %(created)s dossier(s) créé(s), %(present)s déjà présent(s).")
        % {"created": result.created, "present": result.already_present},
    )
    return redirect("reporting:import")


@roles_required(Role.DIRECTOR)
@require_GET
def import_template(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    fmt = kwargs.get("fmt", "")
    if fmt == "csv":
        response = HttpResponse(rules.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="modele-historique.{fmt}"'
    return response
