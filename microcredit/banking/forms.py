"""Forms of the bank portal: accept (terms), refuse (reason), signed offer, disbursement."""

from __future__ import annotations

from django import forms

from microcredit.banking.enums import BankRefusalReason
from microcredit.core.forms import AmountField, FreeTextGuard
from microcredit.dossiers.enums import DeferralKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AcceptForm(FreeTextGuard, forms.Form):
    amount = AmountField(label="Montant accordé (€)")
    months = forms.IntegerField(label="Durée de remboursement (mois)", min_value=1, max_value=600)
    deferral_months = forms.IntegerField(
        label="Différé (mois)", min_value=0, max_value=120, initial=0
    )
    deferral_kind = forms.ChoiceField(label="Type de différé", choices=DeferralKind.choices)
    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)


class RefuseForm(FreeTextGuard, forms.Form):
    reason = forms.ChoiceField(
        label="Motif du refus", choices=[("", "— choisir —"), *BankRefusalReason.choices]
    )
    text = forms.CharField(
        label="Précisions",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obligatoires pour « autre motif ».",
    )
    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)


class OfferForm(FreeTextGuard, forms.Form):
    signed_on = forms.DateField(label="Date de signature de l'offre", widget=DATE_WIDGET)
    upload = forms.FileField(
        label="Offre signée (PDF, JPEG ou PNG)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class DisbursementForm(FreeTextGuard, forms.Form):
    cheque_number = forms.CharField(label="Numéro du chèque", max_length=30)
    date = forms.DateField(label="Date du décaissement", widget=DATE_WIDGET)
    amount = AmountField(label="Montant du chèque (€)")
    payee_name = forms.CharField(
        label="À l'ordre de",
        max_length=200,
        required=False,
        help_text="Laissez le bénéficiaire du dossier, ou indiquez-en un autre avec le motif "
        "et son SIRET. Jamais l'emprunteur.",
    )
    payee_siret = forms.CharField(
        label="SIRET du bénéficiaire",
        max_length=20,
        required=False,
        help_text="14 chiffres ; obligatoire si le bénéficiaire change.",
    )
    payee_change_reason = forms.CharField(
        label="Motif du changement de bénéficiaire",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    payee_change_upload = forms.FileField(
        label="Justificatif du changement (facultatif)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
