from django import forms

from microcredit.api.services import LABEL_MAX_LENGTH
from microcredit.core.forms import FreeTextGuard


class TokenForm(FreeTextGuard, forms.Form):
    label = forms.CharField(
        label="Libellé du jeton",
        max_length=LABEL_MAX_LENGTH,
        help_text="Par exemple « Logiciel de gestion des prêts — production ».",
    )
