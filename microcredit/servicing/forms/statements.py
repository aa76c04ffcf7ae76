"""The form of the bank statement upload."""

from __future__ import annotations

from django import forms

from microcredit.core.forms import FreeTextGuard


class StatementUploadForm(FreeTextGuard, forms.Form):
    upload = forms.FileField(
        label="Relevé de remboursements (fichier CSV)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
        help_text="Séparateur « ; » ou « , » ; encodage UTF-8 ou Latin-1 (Windows).",
    )
