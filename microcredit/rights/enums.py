"""Choices of the rights models; the codes are the pure rules' enums (a test checks it)."""

from django.db import models


class AssessmentStatus(models.TextChoices):
    PENDING = "pending", "en attente"
    RUNNING = "running", "en cours"
    DONE = "done", "terminée"
    FAILED = "failed", "échouée"


class RightCode(models.TextChoices):
    PPA = "ppa", "prime d'activité"
    RSA = "rsa", "revenu de solidarité active (RSA)"
    ASF = "asf", "allocation de soutien familial (ASF)"
    AIDE_LOGEMENT = "aide_logement", "aide au logement (APL, ALF ou ALS)"
    AF = "af", "allocations familiales"
    CSS = "css", "complémentaire santé solidaire"
    CHEQUE_ENERGIE = "cheque_energie", "chèque énergie"
    ASPA = "aspa", "allocation de solidarité aux personnes âgées (ASPA)"


class RightOutcome(models.TextChoices):
    ALREADY_RECEIVED = "already_received", "déjà perçu"
    CLAIM_STARTED = "claim_started", "démarche engagée"
    OPENED = "opened", "ouvert"
    NOT_ELIGIBLE = "not_eligible", "non éligible"


UNFINISHED = (AssessmentStatus.PENDING, AssessmentStatus.RUNNING)
