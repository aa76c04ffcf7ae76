"""Forms of the bilan's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from microcredit.reporting.history_rules import MAX_BYTES


class HistoryUploadForm(forms.Form):
    """The scheme's history to import: a CSV or XLSX file (its content tells which)."""

    upload = forms.FileField(
        label=_("Historique du dispositif (fichier CSV ou XLSX)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["upload"].help_text = gettext(
            "Les en-têtes du modèle, écrits exactement ; séparateur « ; » ou « , » ; encodage "
            "UTF-8 ou Windows (Latin-1) ; %(size)s Ko au plus."
        ) % {"size": MAX_BYTES // 1024}

    def clean_upload(self) -> object:
        upload = self.cleaned_data["upload"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                gettext(
                    "Le fichier dépasse %(size)s Ko : découpez l'historique en plusieurs fichiers."
                )
                % {"size": MAX_BYTES // 1024},
                code="too_large",
            )
        return upload
