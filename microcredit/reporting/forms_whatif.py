"""The director's draft of new parameters for the what-if, prefilled from the version in force.

A GET form: nothing it submits is saved. Its checks are the version form's
(`programmes.rules.check_parameters`, `parse_territory`) plus the usury table's, through
`reporting.whatif.draft_problems`.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loan_engine import add_months
from microcredit.core.forms import FreeTextGuard
from microcredit.programmes import rules as programme_rules
from microcredit.programmes.communes import communes
from microcredit.programmes.models import ProgrammeVersion
from microcredit.reporting import whatif
from microcredit.reporting.rules import Period


def default_period(today: date) -> Period:
    """The last 12 months: from the day after the same day a year ago, to today."""
    return Period(add_months(today, -12) + timedelta(days=1), today)


class WhatIfForm(FreeTextGuard, forms.Form):
    programme = forms.IntegerField(widget=forms.HiddenInput)
    start = forms.DateField(
        label=gettext_lazy("Demandes reçues du"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    min_amount = forms.DecimalField(
        label=gettext_lazy("Montant minimal (€)"), max_digits=10, decimal_places=2
    )
    max_amount = forms.DecimalField(
        label=gettext_lazy("Montant maximal (€)"), max_digits=10, decimal_places=2
    )
    min_months = forms.IntegerField(label=gettext_lazy("Durée minimale (mois)"))
    max_months = forms.IntegerField(label=gettext_lazy("Durée maximale (mois)"))
    nominal_rate_percent = forms.DecimalField(
        label=gettext_lazy("Taux nominal annuel (%)"), max_digits=6, decimal_places=3
    )
    max_deferral_months = forms.IntegerField(label=gettext_lazy("Différé maximal (mois)"))
    allow_interest_only_deferral = forms.BooleanField(
        label=gettext_lazy("Différé partiel autorisé (intérêts payés)"), required=False
    )
    allow_capitalised_deferral = forms.BooleanField(
        label=gettext_lazy("Différé total autorisé (intérêts capitalisés)"), required=False
    )
    purposes = forms.MultipleChoiceField(
        label=gettext_lazy("Projets éligibles"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    territory = forms.CharField(
        label=gettext_lazy("Territoire"),
        help_text=gettext_lazy(
            "Une commune par ligne : « code commune INSEE : code postal, code postal »."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        version: ProgrammeVersion,
        today: date,
        **kwargs: Any,
    ) -> None:
        period = default_period(today)
        initial: dict[str, Any] = {
            "programme": version.programme_id,
            "start": period.start,
            "end": period.end,
            **{name: getattr(version, name) for name in whatif.DRAFT_SCALARS},
            "purposes": [p["code"] for p in version.purposes],
            "territory": programme_rules.format_territory(version.territory),
        }
        super().__init__(data, initial=initial, **kwargs)
        self.version = version
        self.today = today
        purpose_field = cast(forms.MultipleChoiceField, self.fields["purposes"])
        purpose_field.choices = [(p["code"], p["label"]) for p in version.purposes]
        self.draft: programme_rules.ParameterValues = {}

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("La fin de la période doit suivre son début."))
        values: dict[str, Any] = {name: cleaned.get(name) for name in whatif.DRAFT_SCALARS}
        codes = set(cleaned.get("purposes") or [])
        values["purposes"] = [p for p in self.version.purposes if p["code"] in codes]
        try:
            values["territory"] = programme_rules.parse_territory(
                cleaned.get("territory") or "", communes()
            )
        except programme_rules.ParameterError as error:
            self.add_error("territory", error.message)
            values["territory"] = None
        draft = cast(programme_rules.ParameterValues, values)
        if any(values[name] is None for name in whatif.DRAFT_SCALARS):
            return cleaned  # a field's own error already says what is missing
        problems = whatif.draft_problems(draft, self.version, self.today)
        for name, messages in problems.items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        self.draft = draft
        return cleaned

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def draft_version(self) -> ProgrammeVersion:
        """The unsaved version the draft describes."""
        return whatif.draft_version(self.version, self.draft)

    def version_prefill(self) -> dict[str, str]:
        """The draft as the new-version form of the programmes app takes it in its URL
        (amounts with 2 decimals and the rate with 3, as the version stores them)."""
        draft = cast(dict[str, Any], self.draft)
        query: dict[str, str] = {}
        for name in whatif.DRAFT_SCALARS:
            value = draft[name]
            if isinstance(value, bool):
                query[name] = "1" if value else "0"
            elif isinstance(value, Decimal):
                places = 3 if name == "nominal_rate_percent" else 2
                query[name] = f"{value:.{places}f}"
            else:
                query[name] = str(value)
        query["purposes_text"] = programme_rules.format_purposes(draft["purposes"])
        query["territory_text"] = programme_rules.format_territory(draft["territory"])
        return query
