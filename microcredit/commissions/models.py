"""Commission Permanente sessions: members, agenda, a decision per dossier, frozen minutes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from microcredit.commissions.enums import CommitteeDecision
from microcredit.core.formatting import format_date
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.organisations.models import Organisation


def minutes_path(instance: CommissionSession, filename: str) -> str:
    return f"commissions/{instance.organisation_id}/{uuid.uuid4().hex}.pdf"


class CommissionSession(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField("date")
    place = models.CharField("lieu", max_length=200, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="clôturée par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The minutes (procès-verbal), written once when the session is closed and never again.
    minutes = models.FileField("procès-verbal", upload_to=minutes_path, max_length=200, blank=True)
    minutes_sha256 = models.CharField(
        "empreinte SHA-256 du procès-verbal", max_length=64, blank=True
    )
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
        # The open sessions of a CCAS by date (work queues of the agent, director, commission);
        # the session list, the latest first.
        indexes = [
            models.Index(fields=["organisation", "closed_at", "date"]),
            models.Index(fields=["organisation", "-date", "-id"], name="session_org_date"),
        ]

    def __str__(self) -> str:
        return f"Commission du {format_date(self.date)}"


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
    decision = models.CharField(
        "décision", max_length=20, choices=CommitteeDecision.choices, blank=True
    )
    decision_reason = models.TextField("motif ou informations demandées", blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décision enregistrée par",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    event = models.OneToOneField(
        DossierEvent,
        verbose_name="événement du dossier",
        on_delete=models.PROTECT,
        related_name="agenda_item",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "dossier à l'ordre du jour"
        verbose_name_plural = "ordre du jour"
        ordering = ["session", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "dossier"], name="agenda_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} ({self.session})"
