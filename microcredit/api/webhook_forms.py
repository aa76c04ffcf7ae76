"""The forms of the bank's webhooks page (#18): a new endpoint's address, an action on one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from microcredit.api.webhooks import webhook_host_problem, webhook_url_problem


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Adresse de notification"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Adresse https de votre serveur qui reçoit les notifications (POST en JSON)."),
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        problem = webhook_url_problem(url) or webhook_host_problem(url)
        if problem is not None:
            raise forms.ValidationError(problem, code="webhook_url")
        return url


class WebhookEndpointActionForm(forms.Form):
    ROTATE = "rotate"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"

    action = forms.ChoiceField(
        choices=[
            (ROTATE, _("Changer le secret")),
            (ACTIVATE, _("Activer")),
            (DEACTIVATE, _("Désactiver")),
        ]
    )
    endpoint = forms.IntegerField(min_value=1)
