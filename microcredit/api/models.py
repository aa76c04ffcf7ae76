"""Access tokens of the bank partner's HTTP API (stored hashed), the idempotency records of its
writes, and the bank's webhooks with their delivery log.

A token belongs to its user: a bank adviser (a person) or a bank's service account (a user with
`is_service_account`, created by the bank's administrator adviser, #18), and carries scopes.

A token expires (`expires_at`, MICROCREDIT_API_TOKEN_LIFETIME_DAYS after its creation, F7 #17):
past that date a call with it answers 401 and names the date; the adviser creates another.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from microcredit.api.enums import Scope
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
    scopes = models.JSONField("droits", default=Scope.all_values)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an `Idempotency-Key` (per bank): a replay with the
    same key and body gets it back; the same key with another body is refused (409)."""

    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField("clé", max_length=255)
    token = models.ForeignKey(
        ApiToken, verbose_name="jeton", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField("méthode", max_length=10)
    path = models.CharField("adresse", max_length=300)
    request_hash = models.CharField("empreinte de la requête", max_length=64)
    # Null while the first call runs (a concurrent replay is told to retry later).
    status_code = models.PositiveSmallIntegerField("statut", null=True, blank=True)
    response_body = models.BinaryField("réponse", default=b"")
    content_type = models.CharField("type de contenu", max_length=100, blank=True)
    created_at = models.DateTimeField("reçue le", auto_now_add=True)

    class Meta:
        verbose_name = "clé d'idempotence"
        verbose_name_plural = "clés d'idempotence"
        constraints = [
            models.UniqueConstraint(fields=["bank", "key"], name="idempotency_bank_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return self.key


class WebhookEndpoint(models.Model):
    """Where a bank wants its notifications (HTTPS POST, signed with HMAC-SHA256 of `secret`)."""

    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField("adresse", max_length=500)
    secret = models.CharField("secret de signature", max_length=100)
    active = models.BooleanField("actif", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "point de notification"
        verbose_name_plural = "points de notification"
        ordering = ["bank", "-created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One notification to one endpoint, and where its delivery stands (retried with backoff)."""

    class Status(models.TextChoices):
        PENDING = "pending", "À envoyer"
        DELIVERED = "delivered", "Remise"
        FAILED = "failed", "Abandonnée"

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name="point de notification",
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event_id = models.UUIDField("identifiant de l'événement", unique=True)
    event_type = models.CharField("type d'événement", max_length=60)
    dossier_number = models.CharField("numéro du dossier", max_length=20, blank=True)
    payload = models.JSONField("contenu", default=dict)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    last_attempt_at = models.DateTimeField("dernière tentative", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("dernier statut", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=300, blank=True)
    delivered_at = models.DateTimeField("remise le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="delivery_endpoint_at"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.dossier_number}"
