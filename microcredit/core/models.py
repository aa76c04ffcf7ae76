"""Cross-cutting records: the append-only audit trail."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, when, to which object, with the old and new values (append-only)."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("action", max_length=80)
    object_type = models.CharField("type d'objet", max_length=80)
    object_id = models.CharField("identifiant", max_length=64)
    reason = models.TextField("motif", blank=True)
    old_values = models.JSONField("anciennes valeurs", default=dict, blank=True)
    new_values = models.JSONField("nouvelles valeurs", default=dict, blank=True)
    # The API token the action came through (#18), when it did: which of a bank's tokens (a
    # service account's or an adviser's) acted. An id, not a key: core sits below the api app.
    api_token_id = models.PositiveIntegerField("jeton d'API", null=True, blank=True)

    class Meta:
        verbose_name = "événement d'audit"
        verbose_name_plural = "événements d'audit"
        ordering = ["-at", "-id"]
        # The trail newest first (the index on at), per action and per type of object (the admin's
        # list filters), and per object (what a person's rights request gathers).
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "-at", "-id"], name="auditevent_action_at"),
            models.Index(fields=["object_type", "-at", "-id"], name="auditevent_type_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class AccessLog(models.Model):
    """One read of a person's data: who saw what, when (append-only)."""

    at = models.DateTimeField("date", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="utilisateur",
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("consultation", max_length=60)
    object_type = models.CharField("type d'objet", max_length=80, blank=True)
    object_id = models.CharField("identifiant", max_length=64, blank=True)
    detail = models.CharField("détail", max_length=200, blank=True)
    # The API token the action came through (#18), when it did: which of a bank's tokens (a
    # service account's or an adviser's) acted. An id, not a key: core sits below the api app.
    api_token_id = models.PositiveIntegerField("jeton d'API", null=True, blank=True)

    class Meta:
        verbose_name = "consultation de données personnelles"
        verbose_name_plural = "journal des consultations"
        ordering = ["-at", "-id"]
        # The read log's filters (privacy.selectors_access_log), each with the list's order.
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["-at", "-id"], name="accesslog_at_id"),
            models.Index(fields=["user", "-at", "-id"], name="accesslog_user_at"),
            models.Index(fields=["action", "-at", "-id"], name="accesslog_action_at"),
            # The log of a CCAS (its users' reads) filtered by kind of read.
            models.Index(fields=["user", "action", "-at", "-id"], name="accesslog_user_action_at"),
            models.Index(
                fields=["object_type", "object_id", "-at", "-id"], name="accesslog_object_at"
            ),
            models.Index(fields=["object_type", "-at", "-id"], name="accesslog_type_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
