"""Forms of the loan page: one repayment or one incident typed by the bank adviser."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import AmountField
from microcredit.loans.enums import IncidentKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RepaymentForm(forms.Form):
    reference = forms.CharField(label="Référence de la banque", max_length=64)
    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    amount = AmountField(label="Montant (€)")
    early_repayment = forms.BooleanField(label="Remboursement anticipé demandé", required=False)


class IncidentForm(forms.Form):
    reference = forms.CharField(label="Référence de la banque", max_length=64)
    kind = forms.ChoiceField(label="Nature", choices=IncidentKind.choices)
    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    amount = AmountField(label="Montant concerné (€)", required=False)
    note = forms.CharField(
        label="Précisions",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
