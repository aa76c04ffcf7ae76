"""The staff's amount field reads amounts as core.text.parse_decimal does, then checks them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from microcredit.core.forms import AmountField


class _Form(forms.Form):
    amount = AmountField()


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("1 450,50", Decimal("1450.50")),
        ("1450.5", Decimal("1450.5")),
        ("1\u202f450 €", Decimal("1450")),
        (" 300 ", Decimal("300")),
    ],
)
def test_french_amounts_are_read(typed: str, read: Decimal) -> None:
    form = _Form({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == read


@pytest.mark.parametrize("typed", ["douze", "1,2,3", "NaN", "12,345"])
def test_other_text_gets_a_french_message(typed: str) -> None:
    form = _Form({"amount": typed})
    assert not form.is_valid()
    messages = list(form.errors["amount"])
    assert messages
    assert all("montant" in m or "chiffres" in m for m in messages), messages
