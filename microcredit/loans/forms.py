"""Forms of the loan page: one repayment or one incident typed by the bank adviser."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import AmountField
from microcredit.loans.enums import EarlyRepaymentKeep, IncidentKind

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RepaymentForm(forms.Form):
    reference = forms.CharField(label="Référence de la banque", max_length=64)
    date = forms.DateField(label="Date", widget=DATE_WIDGET)
    amount = AmountField(label="Montant (€)")
    early_repayment = forms.BooleanField(label="Remboursement anticipé demandé", required=False)
    early_repayment_keep = forms.ChoiceField(
        label="Choix de l'emprunteur pour le remboursement anticipé",
        choices=[
            (EarlyRepaymentKeep.INSTALLMENT, "Garder la mensualité (moins d'échéances)"),
            (EarlyRepaymentKeep.END_DATE, "Garder la date de fin (mensualité plus faible)"),
        ],
        initial=EarlyRepaymentKeep.INSTALLMENT,
        widget=forms.RadioSelect,
        required=False,
        help_text="Pris en compte si le remboursement est anticipé : un nouvel échéancier est "
        "établi.",
    )

    def clean_early_repayment_keep(self) -> str:
        return self.cleaned_data["early_repayment_keep"] or EarlyRepaymentKeep.INSTALLMENT


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
