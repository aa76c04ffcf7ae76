"""Forms of the loan page: one repayment or one incident typed by the bank adviser; the date of
a payoff quote."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from microcredit.core.forms import AmountField, FreeTextGuard
from microcredit.loans.enums import EarlyRepaymentKeep, IncidentKind
from microcredit.loans.rules import line_label

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RepaymentForm(FreeTextGuard, forms.Form):
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


class IncidentForm(FreeTextGuard, forms.Form):
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


# The field of the repayment form each refusal of the service is about (the others go on top).
REPAYMENT_FIELD_OF_CODE = {
    "invalid_reference": "reference",
    "reference_conflict": "reference",
    "invalid_amount": "amount",
    "amount_exceeds_due": "amount",
    "amount_too_small": "amount",
    "amount_exceeds_payoff": "amount",
    "loan_repaid": "amount",
    "future_date": "date",
    "before_disbursement": "date",
    "date_before_disbursement": "date",
    "date_before_last_version": "date",
    "invalid_keep": "early_repayment_keep",
}


def repayment_refusal_by_field(refusal: ValidationError, reference: str) -> ValidationError:
    """The service's refusal of the one line typed on the form (`reference`), by field, without
    the batch's line label: « Ligne 1 (référence « X ») : le montant dépasse… » → amount:
    « Le montant dépasse… »."""
    if hasattr(refusal, "error_dict"):
        return refusal
    labels = (f"{line_label(1, reference.strip())} : ", "Ligne 1 : ")
    by_field: dict[str, list[ValidationError]] = {}
    for error in refusal.error_list:
        text = str(error.message)
        for label in labels:
            text = text.removeprefix(label)
        field = REPAYMENT_FIELD_OF_CODE.get(error.code or "", NON_FIELD_ERRORS)
        by_field.setdefault(field, []).append(
            ValidationError(text[:1].upper() + text[1:], code=error.code)
        )
    return ValidationError(by_field)


class PayoffForm(FreeTextGuard, forms.Form):
    """The date of a payoff quote (a GET form on the loan page)."""

    date = forms.DateField(
        label="Date du remboursement anticipé total",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date du remboursement anticipé.",
            "invalid": "Saisissez une date valide, par exemple 15/03/2027.",
        },
    )
