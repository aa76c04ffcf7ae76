"""Reads of scheme parameters, including the permission funnel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from microcredit.accounts.models import Membership
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme, ProgrammeVersion


def access_programmes_for_membership(membership: Membership | None) -> QuerySet[Programme]:
    """The schemes of the member's own organisation; nothing for anyone else."""
    if membership is None:
        return Programme.objects.none()
    return Programme.objects.filter(organisation_id=membership.organisation_id)


def programme_for_membership_or_404(membership: Membership | None, programme_id: int) -> Programme:
    programme = (
        access_programmes_for_membership(membership)
        .select_related("organisation", "bank_partner")
        .filter(pk=programme_id)
        .first()
    )
    if programme is None:
        raise Http404("Dispositif introuvable.")
    return programme


def version_in_force(programme: Programme | int, on_date: date) -> ProgrammeVersion | None:
    """The version whose validity covers `on_date` (the latest one starting on or before it);
    `programme` may be given by its id (the dossier page does not read the scheme itself)."""
    return (
        ProgrammeVersion.objects.filter(programme=programme, valid_from__lte=on_date)
        .order_by("-valid_from")
        .first()
    )


@dataclass(frozen=True)
class ProgrammeOverview:
    programme: Programme
    versions: list[ProgrammeVersion]  # newest first
    current: ProgrammeVersion | None  # the version in force on the given date


def programme_overviews_for_membership(
    membership: Membership | None, on_date: date
) -> list[ProgrammeOverview]:
    """The member's schemes with all their versions and the one in force: two queries in all."""
    overviews = []
    for programme in access_programmes_for_membership(membership).prefetch_related("versions"):
        versions = sorted(programme.versions.all(), key=lambda v: v.valid_from, reverse=True)
        current = next((v for v in versions if v.valid_from <= on_date), None)
        overviews.append(ProgrammeOverview(programme, versions, current))
    return overviews


def latest_version(programme: Programme) -> ProgrammeVersion | None:
    return ProgrammeVersion.objects.filter(programme=programme).order_by("-valid_from").first()


def public_programme() -> Programme | None:
    """The scheme shown on public pages: the default organisation's first scheme."""
    return (
        Programme.objects.select_related("organisation")
        .filter(organisation__slug=settings.DEFAULT_ORGANISATION_SLUG)
        .order_by("id")
        .first()
    )


def public_programme_of(organisation: Organisation) -> Programme | None:
    """The scheme a CCAS shows on its public pages: its first scheme (as for the default one)."""
    return (
        Programme.objects.select_related("organisation")
        .filter(organisation=organisation)
        .order_by("id")
        .first()
    )
