"""Reads of applicants: only the CCAS staff of the applicant's organisation see this page."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name


def access_applicants_for_membership(membership: Membership | None) -> QuerySet[Applicant]:
    if membership is None or not membership.active or membership.role not in DOSSIER_STAFF_ROLES:
        return Applicant.objects.none()
    return Applicant.objects.filter(organisation_id=membership.organisation_id)


def applicant_for_membership_or_404(membership: Membership | None, applicant_id: int) -> Applicant:
    applicant = (
        access_applicants_for_membership(membership)
        .prefetch_related("members")
        .filter(pk=applicant_id)
        .first()
    )
    if applicant is None:
        raise Http404("Demandeur introuvable.")
    return applicant


def possible_duplicates(
    *, organisation_id: int, last_name: str, first_name: str, birth_date: date
) -> QuerySet[Applicant]:
    """Applicants of the organisation with the same name and birth date."""
    return Applicant.objects.filter(
        organisation_id=organisation_id,
        search_name=search_name(last_name, first_name),
        birth_date=birth_date,
    )
