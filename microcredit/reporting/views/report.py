"""The annual report (PDF) and the statistics export (XLSX, CSV): the director's bilan for their
own organisation, for a period and a scheme.

The period: `annee=YYYY` gives that calendar year; otherwise the dashboard's parameters
(`periode`, `du`, `au`, read by `BilanFilterForm`); with none of them, the last complete
calendar year for the annual report, the dashboard's default (the current year) for the export.
`dispositif` chooses one of the organisation's schemes (all of them by default). A refused
parameter gets a page saying why (400), and no file.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.reporting import report
from microcredit.reporting.forms_filters import EARLIEST, BilanFilterForm
from microcredit.reporting.rules import Bilan, Period
from microcredit.reporting.selectors import bilan

FILTER_PARAMETERS = ("periode", "du", "au")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Refused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _period_and_programme(
    request: MemberRequest, *, default_last_year: bool
) -> tuple[Period, Programme | None]:
    """The period and the scheme the request asks for; `Refused` with the French messages."""
    organisation_id = request.membership.organisation_id
    today = timezone.localdate()
    data = request.GET.copy()
    year_text = data.pop("annee", [""])[-1].strip()
    if year_text:  # the calendar year wins over the dashboard's period
        for name in FILTER_PARAMETERS:
            data.pop(name, None)
    form = BilanFilterForm(data, organisation_id=organisation_id, today=today)
    errors: list[str] = []
    if not form.is_valid():
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors.extend(f"{label} : {message}" if label else str(message) for message in messages)
    period = form.period
    if year_text:
        if not year_text.isdigit() or not EARLIEST.year <= int(year_text) <= today.year:
            errors.append(
                _("Année : indiquez une année de %(first)s à %(last)s.")
                % {"first": EARLIEST.year, "last": today.year}
            )
        else:
            period = report.calendar_year(int(year_text))
    elif default_last_year and not any(data.get(name) for name in FILTER_PARAMETERS):
        period = report.calendar_year(report.last_complete_year(today))
    if errors:
        raise Refused(errors)
    return period, form.programme


def _refused(request: MemberRequest, errors: list[str]) -> HttpResponse:
    return render(request, "reporting/annual_report_refused.html", {"errors": errors}, status=400)


def _bilan(request: MemberRequest, period: Period, programme: Programme | None) -> Bilan:
    return bilan(
        organisation_ids=[request.membership.organisation_id],
        period=period,
        programme_id=programme.pk if programme is not None else None,
        today=timezone.localdate(),
    )


def _download(content: bytes, content_type: str, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@roles_required(Role.DIRECTOR)
def annual_report(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    """The bilan of a year (the last complete one by default) as a PDF to publish."""
    try:
        period, programme = _period_and_programme(request, default_last_year=True)
    except Refused as refused:
        return _refused(request, refused.errors)
    organisation = Organisation.objects.get(pk=request.membership.organisation_id)
    figures = _bilan(request, period, programme)
    parameters = report.parameters_in_force(
        organisation_id=organisation.pk,
        programme_id=programme.pk if programme is not None else None,
        on_date=period.end,
    )
    context = report.annual_report_context(
        bilan=figures,
        organisation=organisation,
        programme=programme,
        parameters=parameters,
        today=timezone.localdate(),
    )
    content = report.annual_report_pdf(context)
    filename = report.export_filename(organisation, period, "pdf")
    return _download(content, "application/pdf", filename, inline=True)


@roles_required(Role.DIRECTOR)
def statistics_export(request: MemberRequest, /, fmt: str, **kwargs: str) -> HttpResponse:
    """The bilan's figures as a workbook (XLSX) or one long table (CSV); 404 for another fmt."""
    if fmt not in CONTENT_TYPES:
        raise Http404(_("Format inconnu : CSV ou XLSX."))
    try:
        period, programme = _period_and_programme(request, default_last_year=False)
    except Refused as refused:
        return _refused(request, refused.errors)
    organisation = Organisation.objects.get(pk=request.membership.organisation_id)
    figures = _bilan(request, period, programme)
    indicators = report.statistics_indicators(
        figures, organisation=organisation, programme=programme
    )
    sheets = report.statistics_sheets(figures)
    if fmt == "xlsx":
        content = report.statistics_xlsx(indicators, sheets)
    else:
        content = report.statistics_csv(indicators, sheets)
    filename = report.export_filename(organisation, period, fmt)
    return _download(content, CONTENT_TYPES[fmt], filename, inline=False)
