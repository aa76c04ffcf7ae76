from django.db import models


class AlertKind(models.TextChoices):
    MISSED_INSTALLMENT = "missed_installment", "première échéance impayée"
    BUCKET_ENTERED = "bucket_entered", "entrée dans une tranche de retard"
    PLAN_BROKEN = "plan_broken", "plan de reprise non respecté"


class PlanState(models.TextChoices):
    PROPOSED = "proposed", "proposé à la banque"
    AGREED = "agreed", "accepté par la banque (en cours)"
    REFUSED = "refused", "refusé par la banque"
    KEPT = "kept", "respecté (terminé)"
    BROKEN = "broken", "non respecté"


class PlanMode(models.TextChoices):
    """The engine's repayment_plan modes, their values stored as they are."""

    ON_TOP = "on_top", "en plus des mensualités en cours"
    INSTEAD = "instead", "à la place des mensualités en cours"


class ClaimState(models.TextChoices):
    SENT = "sent", "envoyé au garant"
    PAID = "paid", "payé par le garant"


class PaymentMode(models.TextChoices):
    TRANSFER = "transfer", "virement"
    CHEQUE = "cheque", "chèque"


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", "prévisualisé (à confirmer)"
    CONFIRMED = "confirmed", "confirmé"
