"""Form of the director's letter templates: plain texts, never evaluated as a template."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import FreeTextGuard
from microcredit.letters.services import MAX_LENGTHS


class LetterTemplateForm(FreeTextGuard, forms.Form):
    subject = forms.CharField(label="Objet du courrier", max_length=MAX_LENGTHS["subject"])
    introduction = forms.CharField(
        label="Paragraphe d'ouverture",
        max_length=MAX_LENGTHS["introduction"],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Placé après « Bonjour Prénom NOM, » et avant la décision.",
    )
    conclusion = forms.CharField(
        label="Paragraphe de conclusion",
        max_length=MAX_LENGTHS["conclusion"],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Placé après « Et maintenant ? » et le contact, avant la signature.",
    )
    signatory = forms.CharField(
        label="Signataire (nom et fonction)", max_length=MAX_LENGTHS["signatory"]
    )
