"""The exports of the bilan's rows (docs/exports.md): a page that chooses the period, the scheme
and whether the file names the people, and the downloads of dossiers, loans and repayments as
CSV (streamed) or XLSX. Every export is written to the access log.

Only the director exports: the référents and agents see the same dossiers on their pages, but a
file of a whole year's rows leaves the platform, so the right stays with the person who answers
for the scheme's figures (the rows come through the same funnels as every page).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django import forms
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.programmes.selectors import access_programmes_for_membership
from microcredit.reporting import exports
from microcredit.reporting.rules import Period

MINIMISED = "minimised"
NOMINATIVE = "nominative"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    programme = forms.TypedChoiceField(
        label=gettext_lazy("Dispositif"), required=False, coerce=int, empty_value=None
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Contenu"), required=False, widget=forms.RadioSelect
    )

    def __init__(
        self, *args: Any, programmes: list[tuple[int, str]], names: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["programme"]).choices = [
            ("", _("Tous les dispositifs")),
            *programmes,
        ]
        modes = [(MINIMISED, _("Minimisé : sans nom, adresse, contact ni date de naissance"))]
        if names:
            modes.append((NOMINATIVE, _("Nominatif : avec les noms et coordonnées (journalisé)")))
        cast(forms.ChoiceField, self.fields["mode"]).choices = modes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if (start is None) != (end is None):
            raise forms.ValidationError(_("Indiquez le début et la fin de la période."))
        if start is not None and end is not None and end < start:
            raise forms.ValidationError(_("La fin de la période précède son début."))
        return data


@dataclass(frozen=True)
class Choice:
    period: Period
    programme_id: int | None
    nominative: bool


def _default_period(today: date) -> Period:
    return Period(start=date(today.year, 1, 1), end=date(today.year, 12, 31))


def _form(request: MemberRequest) -> tuple[ExportForm, Choice | None, list[str]]:
    """The form to show, the choice the query string makes, and what is wrong with it: a wrong
    choice gives no choice, its French messages, and the form back at the default choice."""
    programmes = list(
        access_programmes_for_membership(request.membership)
        .order_by("name", "id")
        .values_list("id", "name")
    )
    names = exports.names_allowed(request.membership)
    default = _default_period(timezone.localdate())
    initial = {"start": default.start, "end": default.end, "mode": MINIMISED}
    if request.GET:
        form = ExportForm(request.GET, programmes=programmes, names=names)
        if form.is_valid():
            data = form.cleaned_data
            period = Period(data["start"], data["end"]) if data["start"] else default
            nominative = data["mode"] == NOMINATIVE
            return form, Choice(period, data["programme"], nominative), []
        errors = [str(m) for messages in form.errors.values() for m in messages]
        return ExportForm(initial=initial, programmes=programmes, names=names), None, errors
    form = ExportForm(initial=initial, programmes=programmes, names=names)
    return form, Choice(default, None, nominative=False), []


def _page(
    request: MemberRequest, form: ExportForm, errors: list[str], *, status: int = 200
) -> HttpResponse:
    datasets = [
        (exports.DOSSIERS, _("Dossiers"), _("par date de la demande")),
        (exports.LOANS, _("Prêts"), _("par date du décaissement")),
        (exports.REPAYMENTS, _("Remboursements"), _("par date du paiement")),
    ]
    context = {"form": form, "errors": errors, "datasets": datasets, "formats": exports.FORMATS}
    return render(request, "reporting/exports.html", context, status=status)


@require_GET
@roles_required(Role.DIRECTOR)
def export_list(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    form, _choice, errors = _form(request)
    return _page(request, form, errors)


@require_GET
@roles_required(Role.DIRECTOR)
def export_download(request: MemberRequest, /, dataset: str, fmt: str) -> HttpResponseBase:
    if dataset not in exports.DATASETS or fmt not in exports.FORMATS:
        raise Http404("Export inconnu.")
    form, choice, errors = _form(request)
    if choice is None:
        return _page(request, form, errors, status=400)
    export = exports.export_build(
        dataset=dataset,
        user=request.user,
        membership=request.membership,
        period=choice.period,
        programme_id=choice.programme_id,
        nominative=choice.nominative,
    )
    period = choice.period
    detail = f"{dataset}.{fmt} du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}"
    detail += f", {export.count} ligne{'s' if export.count > 1 else ''}"
    if choice.programme_id is not None:
        detail += f", dispositif n° {choice.programme_id}"
    if choice.nominative:
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
