"""Access tokens of the bank partner's HTTP API: one per bank adviser, stored hashed.

A token expires (`expires_at`, MICROCREDIT_API_TOKEN_LIFETIME_DAYS after its creation, F7 #17):
past that date a call with it answers 401 and names the date; the adviser creates another.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from microcredit.organisations.models import Organisation


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="conseiller",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.CASCADE, related_name="+"
    )
    label = models.CharField("libellé", max_length=100)
    prefix = models.CharField("début du jeton", max_length=12)
    key_hash = models.CharField("empreinte SHA-256 du jeton", max_length=64, unique=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now
