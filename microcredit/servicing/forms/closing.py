"""Forms of the end of a repaid loan: the invoice, the bonification, the waivers, the closing."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import FreeTextGuard
from microcredit.servicing.enums import PaymentMode
from microcredit.servicing.rules.closing import MAX_REASON_LENGTH

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProofForm(FreeTextGuard, forms.Form):
    upload = forms.FileField(
        label="Facture du projet (PDF, JPEG ou PNG)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class WaiveForm(FreeTextGuard, forms.Form):
    reason = forms.CharField(
        label="Motif de la dispense",
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BonificationForm(FreeTextGuard, forms.Form):
    paid_on = forms.DateField(label="Date du versement", widget=DATE_WIDGET)
    mode = forms.ChoiceField(
        label="Mode de paiement", choices=[("", "— choisir —"), *PaymentMode.choices]
    )
    # The amount the page showed: a refund is not recorded at an amount nobody saw.
    expected_amount = forms.DecimalField(
        max_digits=10, decimal_places=2, required=False, widget=forms.HiddenInput
    )


class CloseForm(FreeTextGuard, forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, required=False)
