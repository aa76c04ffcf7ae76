"""The forms of a person's rights: the search (posted, then kept in the session: core.search)
and the confirmation of an erasure."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Numéro de dossier ou nom"),
        max_length=100,
        strip=True,
        error_messages={"required": _("Saisissez un numéro de dossier ou un nom.")},
    )

    def clean_q(self) -> str:
        value: str = self.cleaned_data["q"]
        if len(value) < 2:
            raise forms.ValidationError(_("Saisissez au moins 2 caractères."))
        return value


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme l'effacement : les noms, coordonnées, date de naissance, textes libres, "
            "pièces et courriers de cette personne seront effacés définitivement."
        ),
        required=True,
        error_messages={"required": _("Cochez la case de confirmation pour effacer ces données.")},
    )
