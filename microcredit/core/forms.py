"""Form fields shared by every app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from microcredit.core.text import parse_decimal


class AmountField(forms.DecimalField):
    """A euro amount typed the French way: « 1 450,50 », « 1450.5 », « 1 450 € »."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)
        self.widget.input_type = "text"
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.error_messages["invalid"] = "Saisissez un montant, par exemple 1 450,50."

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str) and value.strip():
            try:  # the one reader of French amounts; the field then checks digits and places
                value = parse_decimal(value.strip().removesuffix("€"))
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)


def add_validation_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
