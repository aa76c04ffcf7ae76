"""Reads of documents: through the dossier funnel only."""

from __future__ import annotations

from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.documents.models import Document
from microcredit.dossiers.selectors import access_dossiers_for_user


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
