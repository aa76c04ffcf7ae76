"""Choices of the budget models; their values are the pure rules' enums (a test checks it)."""

from django.db import models


class LineKind(models.TextChoices):
    RESOURCE = "resource", "ressource"
    CHARGE = "charge", "charge"


class ResourceType(models.TextChoices):
    SALARIES = "salaries", "salaires"
    UNEMPLOYMENT_BENEFITS = "unemployment_benefits", "allocations chômage"
    PENSIONS = "pensions", "pensions de retraite ou d'invalidité"
    AAH = "aah", "allocation aux adultes handicapés (AAH)"
    RSA = "rsa", "revenu de solidarité active (RSA)"
    PRIME_ACTIVITE = "prime_activite", "prime d'activité"
    FAMILY_BENEFITS = "family_benefits", "prestations familiales"
    HOUSING_AID = "housing_aid", "aide au logement"
    ALIMONY_RECEIVED = "alimony_received", "pension alimentaire reçue"
    OTHER = "other", "autres ressources"


class ChargeType(models.TextChoices):
    RENT = "rent", "loyer (charges comprises)"
    ENERGY = "energy", "énergie (électricité, gaz, chauffage)"
    WATER = "water", "eau"
    INSURANCE = "insurance", "assurances"
    TELECOM = "telecom", "téléphone et internet"
    TRANSPORT = "transport", "transports"
    HEALTH_COVER = "health_cover", "mutuelle ou complémentaire santé"
    TAXES = "taxes", "impôts et taxes"
    ALIMONY_PAID = "alimony_paid", "pension alimentaire versée"
    CREDIT_INSTALLMENTS = "credit_installments", "mensualités de crédits en cours"
    OTHER = "other", "autres charges"


class HousingStatus(models.TextChoices):
    TENANT_PRIVATE = "tenant_private", "locataire (parc privé)"
    TENANT_SOCIAL = "tenant_social", "locataire (logement social HLM)"
    TENANT_FURNISHED = "tenant_furnished", "locataire d'un meublé ou d'une chambre"
    TENANT_RESIDENCE = "tenant_residence", "résident d'un foyer ou d'une résidence sociale"
    OWNER = "owner", "propriétaire"
    OWNER_REPAYING = "owner_repaying", "propriétaire accédant (prêt immobilier en cours)"
    HOSTED_FREE = "hosted_free", "hébergé gratuitement"
    HOMELESS = "homeless", "sans domicile stable"


class PersonRole(models.TextChoices):
    APPLICANT = "applicant", "demandeur"
    SPOUSE = "spouse", "conjoint"
    CHILD = "child", "enfant à charge"
    OTHER_ADULT = "other_adult", "autre adulte"


class Verdict(models.TextChoices):
    SUITABLE = "suitable", "adapté"
    FRAGILE = "fragile", "fragile"
    NOT_SUITABLE = "not_suitable", "non adapté"


# Resources that belong to one person (the rights estimate needs whose they are); the others
# are the household's and are attributed to the applicant.
PERSONAL_RESOURCES = (
    ResourceType.SALARIES,
    ResourceType.UNEMPLOYMENT_BENEFITS,
    ResourceType.PENSIONS,
    ResourceType.AAH,
)
HOUSEHOLD_RESOURCES = tuple(t for t in ResourceType if t not in PERSONAL_RESOURCES)
