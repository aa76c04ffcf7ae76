from django.db import models


class BankOutcome(models.TextChoices):
    ACCEPTED = "accepted", "accordé"
    REFUSED = "refused", "refusé"


class BankRefusalReason(models.TextChoices):
    """The bank's reasons for a refusal (the list of the partnership agreement), with a text."""

    REPAYMENT_CAPACITY = "repayment_capacity", "capacité de remboursement insuffisante"
    OVER_INDEBTEDNESS = "over_indebtedness", "endettement trop élevé ou procédure de surendettement"
    BANKING_INCIDENT = "banking_incident", "incident bancaire ou inscription au FICP"
    PROJECT = "project", "projet insuffisamment justifié ou non conforme"
    INCOMPLETE = "incomplete", "dossier incomplet"
    OTHER = "other", "autre motif"
