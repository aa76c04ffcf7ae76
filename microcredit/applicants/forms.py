"""Forms of the applicant pages: identity, contact, address, situation; household members."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.applicants.services import ApplicantValues
from microcredit.core.forms import FreeTextGuard

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApplicantForm(FreeTextGuard, forms.ModelForm):  # type: ignore[type-arg]
    confirm_not_duplicate = forms.BooleanField(
        label="Il s'agit bien d'une autre personne que celle(s) déjà enregistrée(s)",
        required=False,
    )
    notifications_consent = forms.BooleanField(
        label=(
            "accepte d'être prévenu·e par e-mail (courriers de décision, rappels de rendez-vous "
            "et d'échéance)"
        ),
        help_text=(
            "Cochez seulement si la personne l'a demandé ; son accord est daté. Décochez si elle "
            "le retire : plus aucun e-mail ne lui est envoyé."
        ),
        required=False,
    )

    class Meta:
        model = Applicant
        fields = [
            "last_name",
            "first_name",
            "birth_date",
            "email",
            "phone",
            "address",
            "postcode",
            "commune_code",
            "family_situation",
            "activity",
            "housing_status",
        ]
        widgets = {"birth_date": DATE_WIDGET}
        help_texts = {
            "commune_code": _("Le code commune INSEE (Saint-Étienne : 42218), pas le code postal."),
            "phone": _("Dix chiffres, ex. 04 77 12 34 56 ou 06 12 34 56 78."),
            "email": _("Ex. prenom.nom@exemple.fr"),
            "postcode": _("Cinq chiffres, ex. 42000."),
            "birth_date": _("Jour, mois et année, ex. 14/07/1985."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].widget.attrs["autocomplete"] = "off"
        self.fields["notifications_consent"].initial = (
            self.instance.notifications_consent_at is not None
        )

    def _post_clean(self) -> None:
        # The service fills and validates the instance (commune name, search key).
        pass

    def values(self) -> ApplicantValues:
        return cast(ApplicantValues, {name: self.cleaned_data[name] for name in self.Meta.fields})

    def consent_given(self) -> bool:
        """Ticked: the person agrees to be notified by e-mail; unticked: no (or no longer)."""
        return bool(self.cleaned_data["notifications_consent"])


class HouseholdMemberForm(FreeTextGuard, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = HouseholdMember
        fields = ["first_name", "birth_date", "relationship"]
        widgets = {"birth_date": DATE_WIDGET}

    def _post_clean(self) -> None:
        pass
