from django.db import models


class LoanState(models.TextChoices):
    ACTIVE = "active", "en remboursement"
    REPAID = "repaid", "remboursé"
    GUARANTEE_CALLED = "guarantee_called", "garantie appelée"


class ScheduleLineKind(models.TextChoices):
    """The engine's row kinds (loan_engine.ScheduleRow.kind)."""

    DEFERRAL = "deferral", "différé"
    INSTALLMENT = "installment", "échéance"
    EARLY_REPAYMENT = "early-repayment", "remboursement anticipé"
    PLAN = "plan", "plan de reprise"


class EarlyRepaymentKeep(models.TextChoices):
    """What a partial early repayment keeps (the borrower's choice)."""

    INSTALLMENT = "installment", "garder la mensualité (durée réduite)"
    END_DATE = "end_date", "garder la date de fin (mensualité réduite)"


class IncidentKind(models.TextChoices):
    MISSED_INSTALLMENT = "missed_installment", "échéance impayée"
    REJECTED_PAYMENT = "rejected_payment", "prélèvement ou chèque rejeté"
    OTHER = "other", "autre incident"


class RecordedVia(models.TextChoices):
    PORTAL = "portal", "portail"
    API = "api", "API"
    IMPORT = "import", "relevé importé"
