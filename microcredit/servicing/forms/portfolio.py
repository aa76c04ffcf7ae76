"""The portfolio page's filters (a GET form): a filter that does not parse is left out."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from microcredit.core.forms import FreeTextGuard
from microcredit.loans.enums import LoanState
from microcredit.servicing.selectors.portfolio import BucketCount, PortfolioFilters

MAX_QUERY = 100


class PortfolioFilterForm(FreeTextGuard, forms.Form):
    q = forms.CharField(label="Rechercher par nom ou numéro", required=False, max_length=MAX_QUERY)
    etat = forms.ChoiceField(
        label="État du prêt",
        required=False,
        choices=[("", "Tous les états"), *LoanState.choices],
    )
    tranche = forms.ChoiceField(label="Tranche de retard", required=False)

    def __init__(self, *args: Any, buckets: list[BucketCount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The buckets of the portfolio's date (they come from the parameters in force).
        choices = [("", "Toutes les tranches")]
        choices += [(b.bucket, f"{b.label} ({b.count})") for b in buckets]
        cast(forms.ChoiceField, self.fields["tranche"]).choices = choices

    def filters(self) -> PortfolioFilters:
        """The valid filters (an unknown state or bucket, a too long text: not applied)."""
        self.is_valid()
        data = self.cleaned_data
        return PortfolioFilters(
            state=data.get("etat", ""),
            bucket=data.get("tranche", ""),
            query=data.get("q", "").strip(),
        )
