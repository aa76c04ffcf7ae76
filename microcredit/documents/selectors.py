"""Reads of documents: through the dossier funnel only."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.documents.models import CONSENT_KIND, Document
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.programmes.models import ProgrammeVersion


def document_for_user_or_404(
    user: User, membership: Membership | None, document_id: int
) -> Document:
    """A document of a dossier `user` may see; 404 otherwise (always for the commission)."""
    if membership is None or membership.role == Role.COMMITTEE_MEMBER:
        raise Http404("Document introuvable.")
    document = (
        Document.objects.select_related("dossier")
        .filter(pk=document_id, dossier__in=access_dossiers_for_user(user, membership))
        .first()
    )
    if document is None:
        raise Http404("Document introuvable.")
    return document


@dataclass(frozen=True)
class RequiredDocument:
    code: str
    label: str
    documents: list[Document]

    @property
    def present(self) -> bool:
        return bool(self.documents)


def required_documents_status(
    dossier: Dossier, version: ProgrammeVersion | None, documents: list[Document]
) -> list[RequiredDocument]:
    """The checklist of the dossier's purpose, each item with the documents filed for it."""
    if version is None:
        return []
    return [
        RequiredDocument(
            spec["code"], spec["label"], [d for d in documents if d.kind == spec["code"]]
        )
        for spec in version.required_documents_for(dossier.purpose_category)
    ]


def missing_document_labels(dossier: Dossier, version: ProgrammeVersion | None) -> list[str]:
    """The labels of the pieces the dossier's purpose requires and that are not filed."""
    kinds = set(Document.objects.filter(dossier=dossier).values_list("kind", flat=True))
    if version is None:
        return []
    return [
        spec["label"]
        for spec in version.required_documents_for(dossier.purpose_category)
        if spec["code"] not in kinds
    ]


def consent_document_exists(dossier: Dossier) -> bool:
    """Whether the signed consent to transmit the dossier to the bank is filed."""
    return Document.objects.filter(dossier=dossier, kind=CONSENT_KIND).exists()
