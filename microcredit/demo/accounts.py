"""The demo's accounts (one per role) and the CCAS's logo; the password exists only here."""

from __future__ import annotations

from dataclasses import dataclass

from microcredit.accounts.enums import Role

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
    DemoAccount("dpd", "Inès", "Garnier", Role.DPO, "ccas-saint-etienne"),
)

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" role="img">'
    '<rect width="40" height="40" rx="8" fill="#1e40af"/>'
    '<text x="20" y="26" font-family="sans-serif" font-size="14" fill="#fff" '
    'text-anchor="middle">SÉ</text></svg>'
)
