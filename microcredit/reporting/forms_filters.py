"""The bilan's filter: a period (a preset or two dates) and a scheme of the director's organisation.

One form for every page that reads a bilan (the dashboard, the annual report, the statistics
export): the same GET parameters give the same figures everywhere.

    form = BilanFilterForm(request.GET, organisation_id=org_id, today=timezone.localdate())
    if form.is_valid():
        period, programme_id = form.cleaned_data["period"], form.cleaned_data["programme_id"]

`form.period` and `form.programme_id` hold the same after `is_valid()`, and the defaults (the
calendar year of today, every scheme) when the form is unbound or refused: a page can show the
errors beside the default figures, never another organisation's.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from microcredit.core.formatting import format_date
from microcredit.programmes.models import Programme
from microcredit.reporting.rules import Period
from microcredit.reporting.selectors import default_periods

__all__ = ["EARLIEST", "MINIMISED", "NOMINATIVE", "BilanFilterForm", "ExportFilterForm"]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
EARLIEST = date(2000, 1, 1)  # no scheme's history goes further back

CURRENT_YEAR = "annee"
PREVIOUS_YEAR = "precedente"
SINCE_START = "debut"
DATES = "dates"


class BilanFilterForm(forms.Form):
    periode = forms.ChoiceField(
        label=_("Période"),
        required=False,
        choices=[
            (CURRENT_YEAR, _("Année en cours")),
            (PREVIOUS_YEAR, _("Année précédente")),
            (SINCE_START, _("Depuis le début")),
            (DATES, _("Du … au … (dates ci-dessous)")),
        ],
    )
    du = forms.DateField(label=_("Du (inclus)"), required=False, widget=DATE_WIDGET)
    au = forms.DateField(label=_("Au (inclus)"), required=False, widget=DATE_WIDGET)
    dispositif = forms.ModelChoiceField(
        label=_("Dispositif"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("Tous les dispositifs"),
    )

    def __init__(self, *args: Any, organisation_id: int, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        self.today = today
        field = self.fields["dispositif"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        # Only the director's own organisation's schemes: another's id is « not a valid choice ».
        field.queryset = Programme.objects.filter(organisation_id=organisation_id).order_by(
            "name", "pk"
        )
        self.period = self._year(today.year)
        self.programme: Programme | None = None

    @property
    def programme_id(self) -> int | None:
        return self.programme.pk if self.programme is not None else None

    @staticmethod
    def _year(year: int) -> Period:
        return Period(date(year, 1, 1), date(year, 12, 31))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = data.get("periode") or ""
        start, end = data.get("du"), data.get("au")
        if not preset:
            # Two dates typed without choosing « Du … au … »: the dates are what was meant.
            preset = DATES if ("du" in self.data or "au" in self.data) and (start or end) else ""
        if preset == DATES:
            if start is None and "du" not in self.errors:
                self.add_error("du", gettext("Indiquez le premier jour de la période."))
            if end is None and "au" not in self.errors:
                self.add_error("au", gettext("Indiquez le dernier jour de la période."))
            if start is not None and end is not None:
                if end < start:
                    self.add_error(
                        "au", gettext("Le dernier jour précède le premier : inversez les dates.")
                    )
                elif start < EARLIEST:
                    self.add_error(
                        "du",
                        gettext("Choisissez une date à partir du %(day)s.")
                        % {"day": format_date(EARLIEST)},
                    )
                else:
                    data["period"] = Period(start, end)
        elif preset == PREVIOUS_YEAR:
            data["period"] = self._year(self.today.year - 1)
        elif preset == SINCE_START:
            data["period"] = default_periods(self.today, organisation_ids=[self.organisation_id])[
                -1
            ][1]
        else:
            data["period"] = self._year(self.today.year)
        programme = data.get("dispositif")
        data["programme_id"] = programme.pk if programme is not None else None
        if not self.errors:
            self.period = data["period"]
            self.programme = programme
        return data

    def query_string(self) -> str:
        """The GET parameters that give this period and scheme again (links to the annual report
        and the exports): always the two dates, so that a link keeps its period tomorrow."""
        params = {
            "periode": DATES,
            "du": self.period.start.isoformat(),
            "au": self.period.end.isoformat(),
        }
        if self.programme is not None:
            params["dispositif"] = str(self.programme.pk)
        return urlencode(params)

    def period_text(self) -> str:
        """« du 01/01/2026 au 31/12/2026 »."""
        return gettext("du %(start)s au %(end)s") % {
            "start": format_date(self.period.start),
            "end": format_date(self.period.end),
        }


MINIMISED = "minimised"
NOMINATIVE = "nominative"


class ExportFilterForm(BilanFilterForm):
    """The exports' choice: the bilan's period and scheme (the same parameters, so that the
    dashboard's link keeps its period), and whether the file names the people — offered only to
    a role allowed to see names (`names`)."""

    mode = forms.ChoiceField(label=_("Contenu"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args: Any, names: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        modes = [(MINIMISED, _("Minimisé : sans nom, adresse, contact ni date de naissance"))]
        if names:
            modes.append((NOMINATIVE, _("Nominatif : avec les noms et coordonnées (journalisé)")))
        field = self.fields["mode"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 (declared above)
        field.choices = modes
        self.initial.setdefault("mode", MINIMISED)

    @property
    def nominative(self) -> bool:
        return self.is_bound and not self.errors and self.cleaned_data.get("mode") == NOMINATIVE
