"""Enumerations of the bank partner's API that its models store."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do (#18). Every token may read; `decide` covers the decision, the offer
    and the disbursement; `pay` the repayments, incidents, plans and guarantee claims."""

    READ = "read", _("Lire")
    DECIDE = "decide", _("Décider")
    PAY = "pay", _("Paiements")

    @classmethod
    def all_values(cls) -> list[str]:
        return [s.value for s in cls]
