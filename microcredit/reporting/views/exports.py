"""The exports of the bilan's rows (docs/exports.md): a page that chooses the period, the scheme
and whether the file names the people, and the downloads of dossiers, loans and repayments as
CSV (streamed) or XLSX. Every export is written to the access log.

Only the director exports: the référents and agents see the same dossiers on their pages, but a
file of a whole year's rows leaves the platform, so the right stays with the person who answers
for the scheme's figures (the rows come through the same funnels as every page).
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.reporting import exports
from microcredit.reporting.forms_filters import ExportFilterForm

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request: MemberRequest) -> tuple[ExportFilterForm, bool]:
    """The form the query string fills (or the default one: this calendar year, every scheme,
    minimised) and whether it holds a valid choice; a refused choice shows its French messages
    and exports nothing."""
    options: dict[str, Any] = {
        "organisation_id": request.membership.organisation_id,
        "today": timezone.localdate(),
        "names": exports.names_allowed(request.membership),
    }
    if not request.GET:
        return ExportFilterForm(**options), True
    form = ExportFilterForm(request.GET, **options)
    return form, form.is_valid()


def _page(request: MemberRequest, form: ExportFilterForm, *, status: int = 200) -> HttpResponse:
    datasets = [
        (exports.DOSSIERS, _("Dossiers"), _("par date de la demande")),
        (exports.LOANS, _("Prêts"), _("par date du décaissement")),
        (exports.REPAYMENTS, _("Remboursements"), _("par date du paiement")),
    ]
    context = {"form": form, "datasets": datasets, "formats": exports.FORMATS}
    return render(request, "reporting/exports.html", context, status=status)


@require_GET
@roles_required(Role.DIRECTOR)
def export_list(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    form, _valid = _form(request)
    return _page(request, form)


@require_GET
@roles_required(Role.DIRECTOR)
def export_download(request: MemberRequest, /, dataset: str, fmt: str) -> HttpResponseBase:
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        raise Http404("Export inconnu.")
    form, valid = _form(request)
    if not valid:
        return _page(request, form, status=400)
    export = exports.export_build(
        dataset=dataset,
        user=request.user,
        membership=request.membership,
        period=form.period,
        programme_id=form.programme_id,
        nominative=form.nominative,
    )
    period = form.period
    detail = f"{dataset}.{fmt} du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}"
    detail += f", {export.count} ligne{'s' if export.count > 1 else ''}"
    if form.programme_id is not None:
        detail += f", dispositif n° {form.programme_id}"
    if form.nominative:
        detail += ", nominatif"
    access_log_create(user=request.user, action=AccessAction.EXPORT, detail=detail)
    name = exports.filename(dataset, period, request.membership.organisation.slug, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(export), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    exports.xlsx_write(export, target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=name, content_type=XLSX_TYPE)
