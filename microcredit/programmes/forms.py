"""The directeur·rice's form for a new parameter version."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from microcredit.core.forms import FreeTextGuard
from microcredit.programmes import rules
from microcredit.programmes.communes import communes
from microcredit.programmes.models import ProgrammeVersion

SCALAR_FIELDS = [
    "min_amount",
    "max_amount",
    "min_months",
    "max_months",
    "nominal_rate_percent",
    "max_deferral_months",
    "allow_interest_only_deferral",
    "allow_capitalised_deferral",
    "bonification_enabled",
    "bonification_cap",
    "guarantor_name",
    "guarantee_rate_percent",
    "guarantee_includes_interest",
    "repayment_tolerance",
    "max_debt_ratio_percent",
    "min_remaining_income_per_uc_day",
    "loss_rate_reference_percent",
    "loss_rate_reference_source",
    "loss_rate_reference_basis",
    "retention_months",
]

# Text areas for the structured lists: (form field, model field, parser, formatter, label, help).
LIST_FIELDS: list[tuple[str, str, Any, Any, str, str]] = [
    (
        "purposes_text",
        "purposes",
        rules.parse_purposes,
        rules.format_purposes,
        "Projets éligibles",
        "Une catégorie par ligne : « Catégorie : sous-catégorie ; sous-catégorie ».",
    ),
    (
        "excluded_text",
        "excluded_purposes",
        lambda text: rules.parse_labels(text, "excluded_purposes"),
        rules.format_labels,
        "Demandes exclues",
        "Une par ligne.",
    ),
    (
        "territory_text",
        "territory",
        lambda text: rules.parse_territory(text, communes()),
        rules.format_territory,
        "Territoire",
        "Une commune par ligne : « code commune INSEE : code postal, code postal ».",
    ),
    (
        "reorientation_text",
        "reorientation_schemes",
        lambda text: rules.parse_labels(text, "reorientation_schemes"),
        rules.format_labels,
        "Dispositifs de réorientation",
        "Un par ligne (FSL, aide facultative, microcrédit professionnel…).",
    ),
    (
        "arrears_text",
        "arrears_buckets",
        rules.parse_arrears_buckets,
        rules.format_arrears_buckets,
        "Seuils de retard (jours)",
        "Nombres de jours de retard croissants, séparés par des virgules : « 1, 30, 60, 90 » "
        "donne « en retard » dès 1 jour, puis 30, 60 et 90 jours et plus.",
    ),
    (
        "usury_text",
        "usury_thresholds",
        rules.parse_usury_table,
        rules.format_usury_table,
        "Seuils de l'usure",
        "Un seuil par ligne : « date d'effet (AAAA-MM-JJ) ; montant maximal de la tranche "
        "(vide pour la dernière) ; taux en % ».",
    ),
]


class ProgrammeVersionForm(FreeTextGuard, forms.ModelForm):  # type: ignore[type-arg]
    purposes_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    excluded_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    territory_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    reorientation_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    usury_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    arrears_text = forms.CharField(max_length=200)
    required_documents_text = forms.CharField(
        label="Pièces à fournir",
        help_text="Une pièce par ligne : « Libellé » pour tous les projets, ou « Libellé : "
        "Catégorie ; Catégorie » pour certaines catégories seulement.",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )

    class Meta:
        model = ProgrammeVersion
        fields = ["valid_from", "reason", *SCALAR_FIELDS]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, base: ProgrammeVersion | None = None, **kwargs: Any) -> None:
        initial = kwargs.pop("initial", {}) or {}
        if base is not None:
            for name in SCALAR_FIELDS:
                initial.setdefault(name, getattr(base, name))
            for form_name, model_name, _parse, fmt, _label, _help in LIST_FIELDS:
                initial.setdefault(form_name, fmt(getattr(base, model_name)))
            initial.setdefault(
                "required_documents_text",
                rules.format_required_documents(base.required_documents, base.purposes),
            )
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].error_messages["required"] = "Indiquez le motif du changement."
        for form_name, _model, _parse, _fmt, label, help_text in LIST_FIELDS:
            self.fields[form_name].label = label
            self.fields[form_name].help_text = help_text
        self.fields["repayment_tolerance"].help_text = (
            "Un remboursement qui dépasse de plus que ce montant le solde dû à sa date (le "
            "montant d'un remboursement anticipé total) est refusé."
        )
        self.parsed: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for form_name, model_name, parse, _fmt, _label, _help in LIST_FIELDS:
            text = cleaned.get(form_name)
            if text is None:
                continue
            try:
                self.parsed[model_name] = parse(text)
            except rules.ParameterError as error:
                self.add_error(form_name, error.message)
        if "purposes" in self.parsed:
            try:
                self.parsed["required_documents"] = rules.parse_required_documents(
                    cleaned.get("required_documents_text") or "", self.parsed["purposes"]
                )
            except rules.ParameterError as error:
                self.add_error("required_documents_text", error.message)
        check = rules.check_parameters(
            cast(rules.ParameterValues, {name: cleaned.get(name) for name in SCALAR_FIELDS})
        )
        for name, messages in check.errors.items():
            for message in messages:
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        return cleaned

    def _post_clean(self) -> None:
        # The service validates and saves; the form does not build a half-filled instance.
        pass

    def parameter_values(self) -> rules.ParameterValues:
        values = {name: self.cleaned_data[name] for name in SCALAR_FIELDS}
        values.update(self.parsed)
        return cast(rules.ParameterValues, values)
