"""Forms of the bilan's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from microcredit.programmes.models import Programme
from microcredit.reporting.history_rules import MAX_BYTES


class HistoryUploadForm(forms.Form):
    """The scheme's history to import: a CSV or XLSX file (its content tells which), and the
    scheme it belongs to (among the organisation's)."""

    programme = forms.ModelChoiceField(
        label=_("Dispositif"), queryset=Programme.objects.none(), empty_label=None
    )
    upload = forms.FileField(
        label=_("Historique du dispositif (fichier CSV ou XLSX)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["programme"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (declared above)
        field.queryset = programmes
        self.fields["upload"].help_text = gettext(
            "Les en-têtes du modèle, écrits exactement ; séparateur « ; » ou « , » ; encodage "
            "UTF-8 ou Windows (Latin-1) ; %(size)s Ko au plus."
        ) % {"size": MAX_BYTES // 1024}

    def clean_upload(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["upload"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                gettext(
                    "Le fichier dépasse %(size)s Ko : découpez l'historique en plusieurs fichiers."
                )
                % {"size": MAX_BYTES // 1024},
                code="too_large",
            )
        return upload
