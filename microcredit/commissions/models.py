"""Sessions of the Commission Permanente: members and agenda (decisions and minutes come later)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation


class CommissionSession(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField("date")
    place = models.CharField("lieu", max_length=200, blank=True)
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="membres",
        through="SessionMember",
        related_name="commission_sessions",
    )

    class Meta:
        verbose_name = "séance de la commission"
        verbose_name_plural = "séances de la commission"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"Commission du {self.date:%d/%m/%Y}"


class SessionMember(models.Model):
    session = models.ForeignKey(
        CommissionSession, verbose_name="séance", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="membre", on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField("présent·e", default=False)

    class Meta:
        verbose_name = "membre de la séance"
        verbose_name_plural = "membres de la séance"
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="session_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.session})"


class AgendaItem(models.Model):
    session = models.ForeignKey(
        CommissionSession, verbose_name="séance", on_delete=models.CASCADE, related_name="agenda"
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name="dossier", on_delete=models.PROTECT, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "dossier à l'ordre du jour"
        verbose_name_plural = "ordre du jour"
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "dossier"], name="agenda_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} ({self.session})"
