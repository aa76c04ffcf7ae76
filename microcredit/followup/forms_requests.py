"""Forms of the inbox of the public's requests: turn a request into a dossier, close it.

A module of its own (not ``forms.py``, the notes' forms): import-linter's inside-app layers name
the ``forms`` module only, so this one sits outside them; it imports what a forms module
imports (other apps' forms, the services' value types) and nothing imports it but the views.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.forms import DATE_WIDGET, ApplicantForm
from microcredit.core.forms import FreeTextGuard
from microcredit.dossiers.forms import PURPOSE_SEPARATOR, ReferentChoiceField, purpose_choices
from microcredit.dossiers.services import DossierValues
from microcredit.followup.services.requests import REASON_REQUIRED
from microcredit.programmes.models import ProgrammeVersion
from microcredit.simulator.models import ContactRequest


class RequestConvertForm(ApplicantForm):
    """The applicant (the request gives the name, the phone, the e-mail; the référent completes
    the rest) and the start of the dossier (the project the person named, their message)."""

    application_date = forms.DateField(label="Date de la demande", widget=DATE_WIDGET)
    referent = ReferentChoiceField(
        label="Référent", queryset=User.objects.none(), required=False, empty_label="— aucun —"
    )
    purpose = forms.ChoiceField(
        label="Projet (catégorie)",
        help_text="La catégorie seulement : jamais de détail médical.",
    )
    project_description = forms.CharField(
        label="Le projet en quelques mots",
        help_text="Repris du message de la personne : retirez ce qui n'a pas à y figurer.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    class Meta(ApplicantForm.Meta):
        pass

    def __init__(
        self, *args: Any, version: ProgrammeVersion, organisation_id: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = purpose_choices(version)
        referent = cast("forms.ModelChoiceField[User]", self.fields["referent"])
        referent.queryset = User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role__in=[Role.REFERENT, Role.DIRECTOR],
            memberships__active=True,
        ).distinct()

    @staticmethod
    def initial_from(contact_request: ContactRequest, actor: User, role: str) -> dict[str, Any]:
        """The request's data: who, how to reach them, the project, their message."""
        initial: dict[str, Any] = {
            "last_name": contact_request.last_name,
            "first_name": contact_request.first_name,
            "phone": contact_request.phone,
            "email": contact_request.email,
            "application_date": timezone.localdate(contact_request.created_at),
            "purpose": contact_request.purpose_code,
            "project_description": contact_request.message,
        }
        if role == Role.REFERENT:
            initial["referent"] = actor.pk
        return initial

    def dossier_values(self) -> DossierValues:
        data = self.cleaned_data
        category, _, sub = data["purpose"].partition(PURPOSE_SEPARATOR)
        return {
            "application_date": data["application_date"],
            "referent": data["referent"],
            "purpose_category": category,
            "purpose_subcategory": sub,
            "project_description": data["project_description"],
        }


class RequestCloseForm(FreeTextGuard, forms.Form):
    reason = forms.CharField(
        label="Motif de clôture",
        help_text="Par exemple : la personne a trouvé une autre solution, demande en double…",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": REASON_REQUIRED},
    )
