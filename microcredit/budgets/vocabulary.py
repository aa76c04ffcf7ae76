"""The budget's vocabulary, declared once: household roles, resource and charge types and the
diagnostic's verdicts, with their French labels (the housing status is the applicant's,
``applicants.vocabulary.HousingStatus``, re-exported here).

Pure Python (no Django): the rules (``budgets.rules``) work on these enums and the models and
forms take their ``choices`` (``budgets.enums`` re-exports them), so the values the engine reads
are the values the database stores. Labels are lower-case, as ``verbose_name``; the
``*_LABELS`` mappings give them with a capital, for the rules' French sentences.
"""

from __future__ import annotations

from collections.abc import Mapping

from microcredit.applicants.vocabulary import HousingStatus
from microcredit.core.choices import LabelledChoices, sentence_labels

__all__ = [
    "CHARGE_LABELS",
    "HOUSING_STATUS_LABELS",
    "MEMBER_ROLE_LABELS",
    "RESOURCE_LABELS",
    "VERDICT_LABELS",
    "ChargeType",
    "HousingStatus",
    "MemberRole",
    "ResourceType",
    "Verdict",
]


class MemberRole(LabelledChoices):
    """A person's place in the household (the budget person's role)."""

    APPLICANT = "applicant", "demandeur"
    SPOUSE = "spouse", "conjoint"
    CHILD = "child", "enfant à charge"
    OTHER_ADULT = "other_adult", "autre adulte"


class ResourceType(LabelledChoices):
    SALARIES = "salaries", "salaires nets (montant versé)"
    UNEMPLOYMENT_BENEFITS = "unemployment_benefits", "allocations chômage"
    PENSIONS = "pensions", "pensions de retraite ou d'invalidité"
    AAH = "aah", "allocation aux adultes handicapés (AAH)"
    RSA = "rsa", "revenu de solidarité active (RSA)"
    PRIME_ACTIVITE = "prime_activite", "prime d'activité"
    FAMILY_BENEFITS = "family_benefits", "prestations familiales"
    HOUSING_AID = "housing_aid", "aide au logement"
    ALIMONY_RECEIVED = "alimony_received", "pension alimentaire reçue"
    OTHER = "other", "autres ressources"


class ChargeType(LabelledChoices):
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


class Verdict(LabelledChoices):
    SUITABLE = "suitable", "adapté"
    FRAGILE = "fragile", "fragile"
    NOT_SUITABLE = "not_suitable", "non adapté"


MEMBER_ROLE_LABELS: Mapping[MemberRole, str] = sentence_labels(MemberRole)
RESOURCE_LABELS: Mapping[ResourceType, str] = sentence_labels(ResourceType)
CHARGE_LABELS: Mapping[ChargeType, str] = sentence_labels(ChargeType)
HOUSING_STATUS_LABELS: Mapping[HousingStatus, str] = sentence_labels(HousingStatus)
VERDICT_LABELS: Mapping[Verdict, str] = sentence_labels(Verdict)
