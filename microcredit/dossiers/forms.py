"""Forms of the dossier pages. The lists of choices come from the parameters in force."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.core.forms import AmountField, FreeTextGuard
from microcredit.core.text import INVALID_SIRET, normalise_siret
from microcredit.dossiers.enums import DeferralKind, DossierState
from microcredit.dossiers.services import DossierValues
from microcredit.dossiers.texts import AMOUNT_NOT_POSITIVE
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import ProgrammeVersion

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PURPOSE_SEPARATOR = "/"


def purpose_choices(version: ProgrammeVersion) -> list[tuple[str, Any]]:
    """Grouped choices « Mobilité › permis de conduire », value "mobilite/permis_de_conduire"."""
    groups: list[tuple[str, Any]] = [("", "— choisir —")]
    for purpose in version.purposes:
        options = [(purpose["code"], f"{purpose['label']} (sans précision)")]
        options += [
            (f"{purpose['code']}{PURPOSE_SEPARATOR}{sub['code']}", sub["label"])
            for sub in purpose["subcategories"]
        ]
        groups.append((purpose["label"], options))
    return groups


if TYPE_CHECKING:  # Django's form fields are generic in the stubs only (no django_stubs_ext).
    _UserChoiceField = forms.ModelChoiceField[User]
    _UserChoiceIterator = forms.models.ModelChoiceIterator[User]
else:
    _UserChoiceField = forms.ModelChoiceField
    _UserChoiceIterator = forms.models.ModelChoiceIterator


class ReferentChoiceField(_UserChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or str(obj)


class _ListChoiceIterator(_UserChoiceIterator):
    """The choices from the queryset read as one list, as Django does for a queryset with
    prefetches: one query per rendering, without the server-side cursor (DECLARE, FETCH,
    CLOSE) that ModelChoiceIterator takes otherwise."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class PartnerWorkerChoiceField(_UserChoiceField):
    """The partner workers, each named with the organisation of their first membership (by
    id): its name read with the workers (`first_organisation_name`, ShareForm's queryset)."""

    iterator = _ListChoiceIterator

    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj} ({obj.first_organisation_name})"  # type: ignore[attr-defined]


class DossierForm(FreeTextGuard, forms.Form):
    application_date = forms.DateField(label="Date de la demande", widget=DATE_WIDGET)
    referent = ReferentChoiceField(
        label="Référent", queryset=User.objects.none(), required=False, empty_label="— aucun —"
    )
    oriented_by_structure = forms.ModelChoiceField(
        label="Orienté par (structure)",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="— venu de lui-même —",
    )
    oriented_by_name = forms.CharField(
        label="Orienté par (nom et fonction du travailleur social)", max_length=200, required=False
    )
    purpose = forms.ChoiceField(
        label="Projet (catégorie)",
        help_text="La catégorie seulement : jamais de détail médical.",
    )
    project_description = forms.CharField(
        label="Le projet en quelques mots",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    project_cost = AmountField(label="Coût du projet (€)", required=False)
    payee_name = forms.CharField(label="Bénéficiaire du chèque", max_length=200, required=False)
    payee_siret = forms.CharField(
        label="SIRET du bénéficiaire", max_length=20, required=False, help_text="14 chiffres."
    )
    payee_address = forms.CharField(label="Adresse du bénéficiaire", max_length=250, required=False)
    quote_reference = forms.CharField(label="Référence du devis", max_length=100, required=False)
    quote_date = forms.DateField(label="Date du devis", widget=DATE_WIDGET, required=False)
    # No bound here but positive: an amount outside the scheme's is a warning (the view shows
    # it), never a refusal; zero or below is refused with its own sentence (clean_…).
    requested_amount = AmountField(label="Montant demandé (€)", required=False, min_value=None)
    requested_months = forms.IntegerField(
        label="Durée (nombre de mensualités)",
        min_value=1,
        max_value=120,
        required=False,
        error_messages={
            "min_value": _("La durée doit compter au moins une mensualité."),
            "max_value": _("La durée ne peut pas dépasser %(limit_value)s mensualités."),
        },
    )
    requested_deferral_months = forms.IntegerField(
        label="Différé (mois)",
        min_value=0,
        max_value=24,
        initial=0,
        error_messages={
            "min_value": _("Le différé ne peut pas être négatif."),
            "max_value": _("Le différé ne peut pas dépasser %(limit_value)s mois."),
        },
    )
    requested_deferral_kind = forms.ChoiceField(
        label="Type de différé", choices=DeferralKind.choices, initial=DeferralKind.NONE
    )
    no_ordinary_credit = forms.BooleanField(
        label="Le demandeur déclare ne pas avoir accès au crédit bancaire classique",
        required=False,
    )
    no_ordinary_credit_evidence = forms.CharField(
        label="Justification (refus de la banque, situation…)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

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
        structure = cast(
            "forms.ModelChoiceField[Organisation]", self.fields["oriented_by_structure"]
        )
        structure.queryset = Organisation.objects.filter(
            kind=OrganisationKind.SOCIAL_STRUCTURE,
            partner_of__ccas_id=organisation_id,
            partner_of__active=True,
        ).distinct()

    def clean_requested_amount(self) -> Decimal | None:
        amount: Decimal | None = self.cleaned_data["requested_amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(AMOUNT_NOT_POSITIVE, code="not_positive")
        return amount

    def clean_payee_siret(self) -> str:
        value = self.cleaned_data["payee_siret"]
        if not value:
            return ""
        siret = normalise_siret(value)
        if siret is None:
            raise forms.ValidationError(INVALID_SIRET)
        return siret

    def values(self) -> DossierValues:
        data = dict(self.cleaned_data)
        category, _, sub = data.pop("purpose").partition(PURPOSE_SEPARATOR)
        data["purpose_category"] = category
        data["purpose_subcategory"] = sub
        return cast(DossierValues, data)

    @staticmethod
    def initial_from(dossier: Any) -> dict[str, Any]:
        purpose = dossier.purpose_category
        if dossier.purpose_subcategory:
            purpose += PURPOSE_SEPARATOR + dossier.purpose_subcategory
        fields = [
            "application_date", "referent", "oriented_by_structure", "oriented_by_name",
            "project_description", "project_cost", "payee_name", "payee_siret", "payee_address",
            "quote_reference", "quote_date", "requested_amount", "requested_months",
            "requested_deferral_months", "requested_deferral_kind", "no_ordinary_credit",
            "no_ordinary_credit_evidence",
        ]  # fmt: skip
        initial = {name: getattr(dossier, name) for name in fields}
        initial["purpose"] = purpose
        return initial


class TransitionForm(FreeTextGuard, forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    expected_state = forms.ChoiceField(choices=DossierState.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Motif", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    reorientation_scheme = forms.CharField(required=False, max_length=100)


class ShareForm(FreeTextGuard, forms.Form):
    worker = PartnerWorkerChoiceField(label="Travailleur social", queryset=User.objects.none())

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        worker = cast("forms.ModelChoiceField[User]", self.fields["worker"])
        # Each choice's label names the worker's organisation (PartnerWorkerChoiceField): the
        # name of their first membership's organisation read with the workers, one query
        # whatever their number (before: the memberships and their organisations prefetched,
        # one query more).
        first_organisation = (
            Membership.objects.filter(user=OuterRef("pk"))
            .order_by("id")
            .values("organisation__name")[:1]
        )
        worker.queryset = (
            User.objects.filter(
                memberships__role=Role.PARTNER_WORKER,
                memberships__active=True,
                memberships__organisation__partner_of__ccas_id=organisation_id,
            )
            .distinct()
            .annotate(first_organisation_name=Subquery(first_organisation))
        )


class ConsentForm(FreeTextGuard, forms.Form):
    consent_date = forms.DateField(label="Date de signature du consentement", widget=DATE_WIDGET)
