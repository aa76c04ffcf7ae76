"""Demonstration data for `make run`: one account per role. Idempotent.

The demo password exists only here, for these demonstration accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation, Partnership

DEMO_PASSWORD = "demo-microcredit-2026"  # noqa: S105 (demonstration data only)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: Role
    organisation_slug: str


DEMO_ACCOUNTS = (
    DemoAccount("referent", "Camille", "Martin", Role.REFERENT, "ccas-saint-etienne"),
    DemoAccount("agent", "Sofiane", "Benali", Role.AGENT, "ccas-saint-etienne"),
    DemoAccount("directeur", "Hélène", "Roche", Role.DIRECTOR, "ccas-saint-etienne"),
    DemoAccount("commission", "Marc", "Durand", Role.COMMITTEE_MEMBER, "ccas-saint-etienne"),
    DemoAccount("banque", "Julie", "Fayolle", Role.BANK_ADVISER, "parcours-confiance"),
    DemoAccount("partenaire", "Nadia", "Chauvet", Role.PARTNER_WORKER, "demo-mission-insertion"),
    DemoAccount("admin", "Paul", "Vernay", Role.ADMIN, "ccas-saint-etienne"),
)

_LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" role="img">'
    '<rect width="40" height="40" rx="8" fill="#1e40af"/>'
    '<text x="20" y="26" font-family="sans-serif" font-size="14" fill="#fff" '
    'text-anchor="middle">SÉ</text></svg>'
)


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create what is missing; change nothing that exists (a second run is a no-op)."""
    ccas = Organisation.objects.get(slug="ccas-saint-etienne")  # created by a data migration
    if not ccas.logo:
        ccas.logo.save("ccas-saint-etienne.svg", ContentFile(_LOGO_SVG.encode()), save=True)
    structure, _ = Organisation.objects.get_or_create(
        slug="demo-mission-insertion",
        defaults={
            "kind": OrganisationKind.SOCIAL_STRUCTURE,
            "name": "Mission d'insertion Loire Sud (démo)",
        },
    )
    Partnership.objects.get_or_create(ccas=ccas, partner=structure)
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@demo.invalid",
                "is_staff": account.role == Role.ADMIN,
                "is_superuser": account.role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=user,
            organisation=Organisation.objects.get(slug=account.organisation_slug),
            role=account.role,
        )
    return list(DEMO_ACCOUNTS)
