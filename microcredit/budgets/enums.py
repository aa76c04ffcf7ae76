"""Choices of the budget models.

The budget's vocabulary (household roles, resource and charge types, verdicts) is declared
once, in pure Python, in ``budgets.vocabulary``, and the housing status in
``applicants.vocabulary``: the rules and the models share the same enums, and their ``choices``
are the models'. Only the line kind, which the rules do not need, is a Django ``TextChoices``.
"""

from django.db import models

from microcredit.applicants.vocabulary import HousingStatus
from microcredit.budgets.vocabulary import ChargeType, MemberRole, ResourceType, Verdict

__all__ = [
    "HOUSEHOLD_RESOURCES",
    "PERSONAL_RESOURCES",
    "ChargeType",
    "HousingStatus",
    "LineKind",
    "MemberRole",
    "ResourceType",
    "Verdict",
]


class LineKind(models.TextChoices):
    RESOURCE = "resource", "ressource"
    CHARGE = "charge", "charge"


# Resources that belong to one person (the rights estimate needs whose they are); the others
# are the household's and are attributed to the applicant.
PERSONAL_RESOURCES = (
    ResourceType.SALARIES,
    ResourceType.UNEMPLOYMENT_BENEFITS,
    ResourceType.PENSIONS,
    ResourceType.AAH,
)
HOUSEHOLD_RESOURCES = tuple(t for t in ResourceType if t not in PERSONAL_RESOURCES)
