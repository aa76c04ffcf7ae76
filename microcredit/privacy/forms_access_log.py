"""The read log's filters: who, which dossier or person, from and to which day, which read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.models import User
from microcredit.core.forms import FreeTextGuard
from microcredit.privacy.selectors_access_log import (
    ACTION_LABELS,
    AccessLogFilters,
    organisation_users,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class AccessLogFilterForm(FreeTextGuard, forms.Form):
    """GET parameters of the log; an empty form shows every read of the organisation."""

    qui = UserChoiceField(
        label=_("Qui"), queryset=User.objects.none(), required=False, empty_label=_("Tout le monde")
    )
    dossier = forms.CharField(label=_("Dossier (numéro)"), max_length=20, required=False)
    personne = forms.IntegerField(
        label=_("Personne (numéro)"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text=_("Le numéro de la personne, sur sa page des données personnelles."),
    )
    du = forms.DateField(label=_("Du"), required=False, widget=DATE_WIDGET)
    au = forms.DateField(label=_("Au"), required=False, widget=DATE_WIDGET)
    action = forms.ChoiceField(label=_("Consultation"), required=False)

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["qui"].queryset = organisation_users(organisation_id)  # type: ignore[attr-defined]
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", _("Toutes")),
            *sorted(
                ((value, str(label)) for value, label in ACTION_LABELS.items()), key=lambda c: c[1]
            ),
        ]

    def clean_dossier(self) -> str:
        return str(self.cleaned_data["dossier"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            self.add_error("au", _("La date de fin précède la date de début."))
        return cleaned

    def filters(self) -> AccessLogFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        user = data.get("qui")
        return AccessLogFilters(
            user_id=user.pk if user is not None else None,
            dossier_number=data.get("dossier", ""),
            applicant_id=data.get("personne"),
            date_from=data.get("du"),
            date_to=data.get("au"),
            action=data.get("action", ""),
        )
