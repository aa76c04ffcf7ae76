from django.db import models


class LossRateBasis(models.TextChoices):
    COUNT = "count", "en nombre de prêts"
    AMOUNT = "amount", "en montants"
