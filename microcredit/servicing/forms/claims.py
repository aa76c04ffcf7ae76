"""Forms of the guarantee claim: the bank calls the guarantee, then records the guarantor's
payment."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import AmountField, FreeTextGuard

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_REASON = 2000  # the service's bound (servicing.services.claims.MAX_REASON)


class ClaimForm(FreeTextGuard, forms.Form):
    acceleration_date = forms.DateField(label="Date de la déchéance du terme", widget=DATE_WIDGET)
    first_unpaid_date = forms.DateField(
        label="Date de la première échéance impayée",
        widget=DATE_WIDGET,
        help_text="Une date d'échéance de l'échéancier en vigueur, impayée à la date de la "
        "déchéance du terme.",
    )
    reason = forms.CharField(
        label="Motif",
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reference = forms.CharField(label="Référence de la banque", max_length=64, required=False)


class ClaimPaymentForm(FreeTextGuard, forms.Form):
    paid_amount = AmountField(label="Montant payé par le garant (€)")
    paid_on = forms.DateField(label="Date du paiement", widget=DATE_WIDGET)
