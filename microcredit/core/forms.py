"""Form fields shared by every app, and the guard every form of the project is built on: its
free-text fields refuse a social-security number (`FreeTextGuard`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from microcredit.core.text import parse_decimal
from microcredit.core.validators import NIR_CODE, validate_no_nir

# CharFields whose format cannot hold a sentence: they are not free text.
_FORMATTED_FIELDS = (
    forms.EmailField,
    forms.URLField,
    forms.SlugField,
    forms.UUIDField,
    forms.GenericIPAddressField,
)


def is_free_text(field: forms.Field) -> bool:
    """A field where a person may type any text: a CharField (a line or a Textarea) that is not
    an e-mail, a URL, a slug… nor a password (never shown, never stored in clear). A field may
    opt out with `field.free_text = False` (none does today)."""
    if getattr(field, "free_text", True) is False:
        return False
    if isinstance(field.widget, forms.PasswordInput) or isinstance(field, _FORMATTED_FIELDS):
        return False
    return isinstance(field, forms.CharField) or isinstance(field.widget, forms.Textarea)


def guard_free_text(fields: dict[str, forms.Field]) -> None:
    """Adds the NIR refusal (`core.validators.validate_no_nir`) to each free-text field of
    `fields`, once."""
    for field in fields.values():
        if is_free_text(field) and validate_no_nir not in field.validators:
            field.validators.append(validate_no_nir)


class FreeTextGuard(forms.BaseForm):
    """The first base of every form of the project (`class NoteForm(FreeTextGuard, forms.Form)`):
    its free-text fields refuse a NIR-shaped string with a valid key (« Ce texte semble contenir
    un numéro de sécurité sociale… »). The guard is added when the form is cleaned, so the
    fields a form adds in its `__init__` (the budget's persons…) are guarded too."""

    def guard_free_text(self) -> None:
        guard_free_text(self.fields)

    def full_clean(self) -> None:
        self.guard_free_text()
        super().full_clean()


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


def free_text_refusal(form: forms.BaseForm, default: str) -> str:
    """For a view that sums a refused form up in one message: the NIR refusal when it is one of
    the form's errors (the person must know why), else `default`."""
    for errors in form.errors.as_data().values():
        for error in errors:
            if error.code == NIR_CODE:
                return str(error.message)
    return default
