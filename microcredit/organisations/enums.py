from django.db import models


class OrganisationKind(models.TextChoices):
    CCAS = "ccas", "CCAS / CIAS"
    BANK = "bank", "partenaire bancaire"
    SOCIAL_STRUCTURE = "social_structure", "structure sociale partenaire"
