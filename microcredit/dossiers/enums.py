from django.db import models

from loan_engine import DeferralKind as EngineDeferralKind


class DossierState(models.TextChoices):
    RECEPTION = "reception", "accueil"
    DIAGNOSIS = "diagnosis", "diagnostic"
    INSTRUCTION = "instruction", "en instruction"
    READY_FOR_COMMITTEE = "ready_for_committee", "prêt pour la commission"
    ADJOURNED = "adjourned", "ajourné"
    REFUSED_BY_COMMITTEE = "refused_by_committee", "refusé par la commission"
    TRANSMITTED_TO_BANK = "transmitted_to_bank", "transmis à la banque"
    REFUSED_BY_BANK = "refused_by_bank", "refusé par la banque"
    GRANTED = "granted", "accordé"
    DISBURSED = "disbursed", "décaissé (en remboursement)"
    REPAID = "repaid", "remboursé"
    GUARANTEE_CALLED = "guarantee_called", "garantie appelée"
    CLOSED = "closed", "clôturé"
    REORIENTED = "reoriented", "réorienté"
    WITHDRAWN = "withdrawn", "abandon"


class DeferralKind(models.TextChoices):
    """The loan engine's deferral kinds, their values stored as they are, French labels."""

    NONE = EngineDeferralKind.NONE.value, "sans différé"
    INTEREST_ONLY = EngineDeferralKind.INTEREST_ONLY.value, "différé partiel (intérêts payés)"
    CAPITALISED = EngineDeferralKind.CAPITALISED.value, "différé total (intérêts capitalisés)"


class EligibilityOutcome(models.TextChoices):
    OK = "ok", "critère rempli"
    KO = "ko", "critère non rempli"
    UNKNOWN = "unknown", "à compléter"
