from __future__ import annotations

from typing import Any, cast

from django import forms

from microcredit.core.forms import FreeTextGuard


class UploadForm(FreeTextGuard, forms.Form):
    kind = forms.ChoiceField(label="Pièce")
    file = forms.FileField(
        label="Fichier (PDF, JPEG ou PNG)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, kinds: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = list(kinds.items())
