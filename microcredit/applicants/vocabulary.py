"""The applicant's housing status, declared once for the whole platform (no Django).

The applicant's file records it and each budget version copies it (``budgets``, a higher app,
imports it from here); the budget rules read ``is_tenant`` (a tenant declares a rent) and the
rights estimate maps each status to OpenFisca-France's occupancy status.
"""

from __future__ import annotations

from microcredit.core.choices import LabelledChoices

__all__ = ["HousingStatus"]


class HousingStatus(LabelledChoices):
    TENANT_PRIVATE = "tenant_private", "locataire (parc privé)"
    TENANT_SOCIAL = "tenant_social", "locataire (logement social HLM)"
    TENANT_FURNISHED = "tenant_furnished", "locataire d'un meublé ou d'une chambre"
    TENANT_RESIDENCE = "tenant_residence", "résident d'un foyer ou d'une résidence sociale"
    OWNER = "owner", "propriétaire"
    OWNER_REPAYING = "owner_repaying", "propriétaire accédant (prêt immobilier en cours)"
    HOSTED_FREE = "hosted_free", "hébergé gratuitement"
    HOMELESS = "homeless", "sans domicile stable"

    @property
    def is_tenant(self) -> bool:
        return self in _TENANT_STATUSES


_TENANT_STATUSES = frozenset(
    {
        HousingStatus.TENANT_PRIVATE,
        HousingStatus.TENANT_SOCIAL,
        HousingStatus.TENANT_FURNISHED,
        HousingStatus.TENANT_RESIDENCE,
    }
)
