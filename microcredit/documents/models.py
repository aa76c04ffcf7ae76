"""Documents of a dossier (ID, proofs of income, quote, signed consent...), stored privately."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from microcredit.dossiers.models import Dossier

CONSENT_KIND = "consent"
OTHER_KIND = "other"


def document_path(instance: Document, filename: str) -> str:
    """A random name under the dossier's folder: the uploaded name never reaches the disk."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"dossiers/{instance.dossier_id}/{uuid.uuid4().hex}.{extension}"


class Document(models.Model):
    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField("pièce", max_length=100)
    label = models.CharField("libellé", max_length=200)
    original_name = models.CharField("nom du fichier déposé", max_length=150)
    file = models.FileField("fichier", upload_to=document_path, max_length=200)
    content_type = models.CharField("type", max_length=50)
    size = models.PositiveIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "pièce justificative"
        verbose_name_plural = "pièces justificatives"
        ordering = ["dossier", "kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "sha256"], name="document_unique_content")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.original_name})"
