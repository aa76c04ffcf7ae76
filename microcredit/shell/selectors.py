"""Reads that compose several apps for one page (the dossier page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from microcredit.accounts.models import Membership, User
from microcredit.documents.models import Document
from microcredit.documents.selectors import RequiredDocument, required_documents_status
from microcredit.dossiers.models import Dossier, DossierEvent, DossierShare, EligibilityCheck
from microcredit.dossiers.selectors import access_dossiers_for_user
from microcredit.dossiers.workflow import Transition, transitions_for
from microcredit.programmes.models import ProgrammeVersion
from microcredit.programmes.selectors import version_in_force


@dataclass(frozen=True)
class DossierPage:
    dossier: Dossier
    version: ProgrammeVersion | None
    events: list[DossierEvent]
    documents: list[Document]
    checklist: list[RequiredDocument]
    eligibility: EligibilityCheck | None
    transitions: list[Transition]
    shares: list[DossierShare]


def dossier_page(dossier_id: int, user: User, membership: Membership | None) -> DossierPage:
    """Everything the dossier page shows, in a fixed number of queries."""
    dossier = (
        access_dossiers_for_user(user, membership)
        .select_related(
            "applicant",
            "referent",
            "programme",
            "programme__bank_partner",
            "oriented_by_structure",
            "eligibility",
            "eligibility__programme_version",
        )
        .prefetch_related("applicant__members")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        raise Http404("Dossier introuvable.")
    version = version_in_force(dossier.programme, dossier.application_date)
    events = list(DossierEvent.objects.filter(dossier=dossier).select_related("actor"))
    documents = list(
        Document.objects.filter(dossier=dossier).select_related("uploaded_by").order_by("-id")
    )
    shares = list(DossierShare.objects.filter(dossier=dossier).select_related("worker"))
    return DossierPage(
        dossier=dossier,
        version=version,
        events=events,
        documents=documents,
        checklist=required_documents_status(dossier, version, documents),
        eligibility=dossier.eligibility,
        transitions=transitions_for(dossier.state, membership.role if membership else None),
        shares=shares,
    )
