from django.db import models

from microcredit.applicants.vocabulary import HousingStatus

__all__ = ["Activity", "FamilySituation", "HouseholdType", "HousingStatus", "Relationship"]


class FamilySituation(models.TextChoices):
    SINGLE = "single", "célibataire"
    MARRIED = "married", "marié·e"
    CIVIL_PARTNERSHIP = "civil_partnership", "pacsé·e"
    COHABITING = "cohabiting", "en concubinage"
    SEPARATED = "separated", "séparé·e"
    DIVORCED = "divorced", "divorcé·e"
    WIDOWED = "widowed", "veuf ou veuve"


class Activity(models.TextChoices):
    PERMANENT_JOB = "permanent_job", "salarié·e en CDI à temps plein"
    PART_TIME = "part_time", "salarié·e à temps partiel"
    PRECARIOUS = "precarious", "contrat précaire (CDD, intérim, contrat aidé)"
    JOB_SEEKER = "job_seeker", "demandeur·se d'emploi"
    TRAINING = "training", "en formation"
    SELF_EMPLOYED = "self_employed", "travailleur·se indépendant·e"
    RETIRED = "retired", "retraité·e"
    DISABILITY = "disability", "en invalidité ou bénéficiaire de l'AAH"
    INACTIVE = "inactive", "sans activité"
    OTHER = "other", "autre"


class Relationship(models.TextChoices):
    SPOUSE = "spouse", "conjoint·e"
    CHILD = "child", "enfant"
    OTHER_RELATIVE = "other_relative", "autre parent"
    OTHER = "other", "autre personne"


class HouseholdType(models.TextChoices):
    """The household's type in the bilan (the seed's borrowers' profiles). Derived from the family
    situation and the children for a dossier worked here; declared for an imported one."""

    SINGLE_PERSON = "single_person", "personne seule"
    COUPLE_NO_CHILDREN = "couple_no_children", "couple sans enfant"
    COUPLE_WITH_CHILDREN = "couple_with_children", "couple avec enfants"
    SINGLE_PARENT = "single_parent", "famille monoparentale"
    OTHER = "other", "autre"
