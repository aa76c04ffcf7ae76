"""Validators shared by every app's forms and by the bank API's inputs.

A free text (a note, a reason, an opinion, a project…) never holds a social-security number
(NIR): the CNIL's référentiel for the CCAS excludes it, and whatever is typed in a free text may
reach a page or a PDF read by people who must not see it. The number is refused where it is
typed: every form of the project is built on `core.forms.FreeTextGuard` (see
docs/adr/0010-fiche-de-commission-minimisee.md), and the API's free-text type checks the same.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from microcredit.core.text import find_nir

NIR_CODE = "nir"
NIR_MESSAGE = _(
    "Ce texte semble contenir un numéro de sécurité sociale : il ne doit pas être saisi ici."
)


def validate_no_nir(value: Any) -> None:
    """Refuses a text holding a NIR-shaped string whose key is valid."""
    if isinstance(value, str) and find_nir(value) is not None:
        raise ValidationError(NIR_MESSAGE, code=NIR_CODE)
