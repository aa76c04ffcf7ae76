"""Writes of documents: a checked upload, stored under a random name outside the web root."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AuditAction
from microcredit.core.services import audit_event_create
from microcredit.documents.models import CONSENT_KIND, OTHER_KIND, Document
from microcredit.documents.rules import UploadRefused, check_upload
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.programmes.selectors import version_in_force

SNIFF_BYTES = 16


def document_kinds(version_required: list[dict[str, str]]) -> dict[str, str]:
    """code → label of the kinds a dossier may hold: its checklist, the consent, other."""
    kinds = {d["code"]: d["label"] for d in version_required}
    kinds[CONSENT_KIND] = "Consentement signé à la transmission à la banque"
    kinds[OTHER_KIND] = "Autre pièce"
    return kinds


def document_store(
    *, actor: User, dossier: Dossier, kind: str, label: str, upload: UploadedFile[bytes], field: str
) -> Document:
    """Check one file (PDF/JPEG/PNG by its first bytes, size, name) and store it for `dossier`.

    For the services that file a document as part of their own write (the bank's signed offer,
    a payee change); they have checked the permission. The file is written before the row; if
    the row cannot be written, the file is removed again.

    Raises:
        UploadRefused: the file is not a PDF/JPEG/PNG, too big, or badly named.
        ValidationError: the same file is already filed (code "duplicate_file", on `field`).
    """
    upload.seek(0)
    checked = check_upload(
        name=upload.name or "",
        size=upload.size or 0,
        head=upload.read(SNIFF_BYTES),
        max_bytes=settings.DOCUMENT_MAX_BYTES,
    )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    sha256 = digest.hexdigest()
    if Document.objects.filter(dossier=dossier, sha256=sha256).exists():
        raise ValidationError(
            {
                field: ValidationError(
                    "Ce fichier est déjà déposé dans le dossier.", code="duplicate_file"
                )
            }
        )
    upload.seek(0)
    document = Document(
        dossier=dossier,
        kind=kind,
        label=label,
        original_name=checked.name,
        content_type=checked.content_type,
        size=upload.size or 0,
        sha256=sha256,
        uploaded_by=actor,
    )
    document.file.save(f"upload.{checked.extension}", upload, save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def document_upload(
    *, actor: User, membership: Membership, dossier_id: int, kind: str, upload: UploadedFile[bytes]
) -> Document:
    """Check and store one file for a dossier the actor's team works on.

    Raises:
        Http404: the dossier is not visible to the actor.
        UploadRefused: the file is not a PDF/JPEG/PNG, too big, or badly named.
        ValidationError: unknown kind, or the same file is already filed.
    """
    dossier = dossier_for_user_or_404(actor, membership, dossier_id, for_update=True)
    if membership.role not in DOSSIER_STAFF_ROLES:
        raise UploadRefused("Seule l'équipe du CCAS dépose les pièces du dossier.")
    version = version_in_force(dossier.programme, dossier.application_date)
    kinds = document_kinds(
        version.required_documents_for(dossier.purpose_category) if version else []
    )
    if kind not in kinds:
        raise ValidationError({"kind": "Choisissez le type de pièce dans la liste."})
    document = document_store(
        actor=actor, dossier=dossier, kind=kind, label=kinds[kind], upload=upload, field="file"
    )
    # The file is written first; if recording it fails, it is removed again (nothing half-done).
    try:
        audit_event_create(
            actor=actor,
            action=AuditAction.DOCUMENT_UPLOADED,
            obj=dossier,
            new_values={"document": document.pk, "kind": kind, "name": document.original_name},
        )
    except Exception:
        document.file.delete(save=False)
        raise
    return document
