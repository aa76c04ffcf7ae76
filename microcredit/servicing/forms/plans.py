"""Forms of the plan section: the référent's proposal, the bank's decision."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import FreeTextGuard
from microcredit.servicing.enums import PlanMode
from microcredit.servicing.rules.plans import MAX_TEXT_LENGTH, PLAN_MAX_MONTHS, PLAN_MIN_MONTHS


class PlanProposalForm(FreeTextGuard, forms.Form):
    months = forms.IntegerField(
        label="Durée du plan (mois)", min_value=PLAN_MIN_MONTHS, max_value=PLAN_MAX_MONTHS
    )
    mode = forms.ChoiceField(
        label="Le plan s'ajoute-t-il aux mensualités ?", choices=PlanMode.choices
    )
    note = forms.CharField(
        label="Accord avec l'emprunteur", required=False, max_length=MAX_TEXT_LENGTH
    )


class PlanDecisionForm(FreeTextGuard, forms.Form):
    """Which button was pressed (« Accepter le plan » sends agree=1, « Refuser » agree=0) and
    the reason of a refusal (the service requires it)."""

    agree = forms.TypedChoiceField(
        choices=[("1", "accepter"), ("0", "refuser")], coerce=lambda value: value == "1"
    )
    reason = forms.CharField(label="Motif du refus", required=False, max_length=MAX_TEXT_LENGTH)
