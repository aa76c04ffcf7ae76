"""Forms of the API's pages: an adviser's token, the bank's service accounts and their tokens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from microcredit.accounts.models import User
from microcredit.api.enums import Scope
from microcredit.api.selectors import service_account_label
from microcredit.api.services import LABEL_MAX_LENGTH
from microcredit.core.forms import FreeTextGuard

# `read` is always given: the form offers the others.
OPTIONAL_SCOPES = [(s.value, s.label) for s in Scope if s != Scope.READ]


class TokenForm(FreeTextGuard, forms.Form):
    label = forms.CharField(
        label=_("Libellé du jeton"),
        max_length=LABEL_MAX_LENGTH,
        help_text=_("Par exemple « Logiciel de gestion des prêts — production »."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Droits en plus de la lecture"),
        choices=OPTIONAL_SCOPES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Lire est toujours permis. « Décider » : décision, offre signée et décaissement ; "
            "« Paiements » : remboursements, incidents, plans et appels en garantie."
        ),
    )
    days = forms.IntegerField(
        label=_("Durée de validité (jours)"),
        required=False,
        min_value=1,
        help_text=_("Laissez vide pour la durée la plus longue permise."),
    )

    def __init__(self, *args: Any, all_scopes: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lifetime = int(settings.MICROCREDIT_API_TOKEN_LIFETIME_DAYS)
        days = cast(forms.IntegerField, self.fields["days"])
        days.max_value = lifetime
        days.validators.append(MaxValueValidator(lifetime))
        days.widget.attrs.update({"min": 1, "max": lifetime})
        days.help_text = ngettext(
            "Au plus %(days)d jour ; laissez vide pour cette durée.",
            "Au plus %(days)d jours ; laissez vide pour cette durée.",
            lifetime,
        ) % {"days": lifetime}
        if all_scopes:
            self.fields["scopes"].initial = [value for value, _label in OPTIONAL_SCOPES]

    def scope_values(self) -> list[str]:
        return [Scope.READ.value, *self.cleaned_data.get("scopes", [])]


class ServiceAccountForm(FreeTextGuard, forms.Form):
    label = forms.CharField(
        label=_("Libellé du compte de service"),
        max_length=LABEL_MAX_LENGTH,
        help_text=_("Par exemple « Logiciel de gestion des prêts »."),
    )


class ServiceTokenForm(TokenForm):
    """A token of one of the bank's active service accounts."""

    account = forms.TypedChoiceField(label=_("Compte de service"), coerce=int)

    field_order = ["account", "label", "scopes", "days"]

    def __init__(
        self, *args: Any, accounts: list[User], all_scopes: bool = False, **kwargs: Any
    ) -> None:
        # A service account's token gets the scopes its use needs (none ticked but read).
        super().__init__(*args, all_scopes=all_scopes, **kwargs)
        account = cast(forms.TypedChoiceField, self.fields["account"])
        account.choices = [(a.pk, service_account_label(a)) for a in accounts if a.is_active]


class ServiceAccountActionForm(forms.Form):
    """Revoke a service account's token, or deactivate the account (one POST field names it)."""

    REVOKE = "revoke"
    DEACTIVATE = "deactivate"

    action = forms.ChoiceField(choices=[(REVOKE, REVOKE), (DEACTIVATE, DEACTIVATE)])
    target = forms.IntegerField(min_value=1)
