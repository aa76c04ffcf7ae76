"""A service's refusal shown to the person who asked: French sentences, on a form or as messages.

Views call a service through `attempt_with_messages` (the page shows the sentences) or
`attempt_on_form` (the form shows them, by field where it has the field). The refusals are
`core.errors.Refused` (as a whole) and `ValidationError` (by field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from microcredit.core.errors import Refused
from microcredit.core.forms import add_validation_errors

T = TypeVar("T")


def attempt_with_messages(request: HttpRequest, write: Callable[[], T]) -> T | None:
    """Call a service; turn its refusal into error messages on the next page, and None."""
    try:
        return write()
    except (ValidationError, Refused) as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    return None


def add_refusal(form: forms.BaseForm, refusal: ValidationError | Refused) -> None:
    """Put a refusal on the form: a ValidationError's fields on those fields, the rest on top."""
    if isinstance(refusal, ValidationError) and hasattr(refusal, "error_dict"):
        add_validation_errors(form, refusal)
    else:
        form.add_error(None, refusal.messages)


def attempt_on_form(form: forms.BaseForm, write: Callable[[], T]) -> T | None:
    """Call a service; put its refusal on the form, and return None."""
    try:
        return write()
    except (ValidationError, Refused) as refusal:
        add_refusal(form, refusal)
    return None
