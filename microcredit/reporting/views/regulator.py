"""The Banque de France's figures: the page for a half-year (and its year), the same figures as a
CSV file a French spreadsheet opens as it is (UTF-8 with BOM, `;`, decimal comma).

The period comes from a small GET form (year, half-year, optionally one of the organisation's
schemes). Values that do not parse give the default period (the last complete half-year) or
every scheme, with a French message; never an error page."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.programmes.selectors import access_programmes_for_membership
from microcredit.reporting.regulator import (
    DEFAULT_DAYS,
    HalfYear,
    RegulatorFigures,
    figure_lines,
    first_loan_year,
    last_complete_half,
    regulator_figures_for,
)

HALF_CHOICES = [
    ("S1", gettext_lazy("1er semestre (janvier à juin)")),
    ("S2", gettext_lazy("2d semestre (juillet à décembre)")),
]
FIELDS = ("annee", "semestre", "dispositif")


class RegulatorPeriodForm(forms.Form):
    annee = forms.TypedChoiceField(label=gettext_lazy("Année"), coerce=int)
    semestre = forms.ChoiceField(label=gettext_lazy("Semestre"), choices=HALF_CHOICES)
    dispositif = forms.TypedChoiceField(
        label=gettext_lazy("Dispositif"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, years: list[int], programmes: list[Programme], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["annee"]).choices = [(y, str(y)) for y in years]
        cast(forms.ChoiceField, self.fields["dispositif"]).choices = [
            ("", _("Tous les dispositifs")),
            *((p.pk, p.name) for p in programmes),
        ]


@dataclass(frozen=True)
class Choice:
    """What the page shows: the half-year and scheme chosen, the messages about bad values."""

    half: HalfYear
    programme: Programme | None
    messages: list[str]
    form: RegulatorPeriodForm


def _choice(request: MemberRequest) -> Choice:
    """The period and scheme asked for, or the defaults (and why) when they do not parse."""
    today = timezone.localdate()
    default = last_complete_half(today)
    first = first_loan_year(request.membership.organisation_id)
    years = list(range(min(first or today.year, default.year), today.year + 1))
    programmes = list(access_programmes_for_membership(request.membership).order_by("name"))
    asked = any(name in request.GET for name in FIELDS)
    form = RegulatorPeriodForm(request.GET if asked else None, years=years, programmes=programmes)
    half, programme, messages = default, None, []
    if asked:
        form.is_valid()
        data = form.cleaned_data
        if "annee" in data and "semestre" in data:
            half = HalfYear(data["annee"], 1 if data["semestre"] == "S1" else 2)
        else:
            messages.append(
                _(
                    "La période demandée n'est pas valide (année de %(first)s à %(last)s, "
                    "1er ou 2d semestre) : le dernier semestre complet est affiché."
                )
                % {"first": years[0], "last": years[-1]}
            )
        if "dispositif" in data:
            programme = next((p for p in programmes if p.pk == data["dispositif"]), None)
        else:
            messages.append(
                _("Le dispositif demandé n'existe pas : tous les dispositifs sont affichés.")
            )
    shown = RegulatorPeriodForm(
        initial={
            "annee": half.year,
            "semestre": f"S{half.half}",
            "dispositif": programme.pk if programme else "",
        },
        years=years,
        programmes=programmes,
    )
    return Choice(half, programme, messages, shown)


def _figures(request: MemberRequest, choice: Choice) -> RegulatorFigures:
    return regulator_figures_for(
        organisation_id=request.membership.organisation_id,
        half=choice.half,
        today=timezone.localdate(),
        programme_id=choice.programme.pk if choice.programme else None,
    )


def _query(choice: Choice) -> str:
    params: dict[str, str | int] = {"annee": choice.half.year, "semestre": f"S{choice.half.half}"}
    if choice.programme is not None:
        params["dispositif"] = choice.programme.pk
    return urlencode(params)


@roles_required(Role.DIRECTOR)
@require_GET
def regulator_figures(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    choice = _choice(request)
    figures = _figures(request, choice)
    return render(
        request,
        "reporting/regulator.html",
        {
            "form": choice.form,
            "messages_period": choice.messages,
            "figures": figures,
            "programme": choice.programme,
            "csv_query": _query(choice),
            "default_days": DEFAULT_DAYS,
            "rate_rows": [
                (_("Taux nominal"), figures.new_loans.nominal_rate),
                (_("TAEG"), figures.new_loans.apr),
            ],
        },
    )


def csv_value(value: Decimal | int | str | None) -> str:
    """A value as a French spreadsheet reads it: decimal comma, no thousands separator."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    return str(value)


@roles_required(Role.DIRECTOR)
@require_GET
def regulator_csv(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    choice = _choice(request)
    if choice.messages:
        # Bad values: the page says why and shows the default period.
        return HttpResponseRedirect(f"{reverse('reporting:regulator')}?{request.GET.urlencode()}")
    figures = _figures(request, choice)
    organisation = Organisation.objects.get(pk=request.membership.organisation_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    # The file is for the Banque de France: in French whatever the page's language.
    with translation.override("fr"):
        programme = choice.programme.name if choice.programme else _("Tous les dispositifs")
        writer.writerow([_("section"), _("indicateur"), _("valeur"), _("unité")])
        for line in figure_lines(figures, organisation=organisation.name, programme=programme):
            writer.writerow([line.section, line.indicator, csv_value(line.value), line.unit])
    name = f"banque-de-france-{figures.half.code}-{organisation.slug}"
    if choice.programme is not None:
        name += f"-{choice.programme.slug}"
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
