"""The bank partner's side of a dossier: its decision, the signed offer and the disbursement."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from microcredit.banking.enums import BankOutcome, BankRefusalReason
from microcredit.documents.models import Document
from microcredit.dossiers.enums import DeferralKind
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.organisations.models import Organisation

MONEY: dict[str, Any] = {"max_digits": 10, "decimal_places": 2}


class BankDecision(models.Model):
    """The bank's answer on a transmitted dossier; when accepted, the terms it lends on."""

    dossier = models.OneToOneField(
        Dossier, verbose_name="dossier", on_delete=models.PROTECT, related_name="bank_decision"
    )
    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("décision", max_length=10, choices=BankOutcome.choices)
    decided_at = models.DateTimeField("décidé le", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="décidé par",
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.OneToOneField(
        DossierEvent, verbose_name="événement", on_delete=models.PROTECT, related_name="+"
    )
    # Accepted: the terms (possibly changed from the request, within the parameters).
    amount = models.DecimalField("montant accordé (€)", null=True, blank=True, **MONEY)
    months = models.PositiveSmallIntegerField(
        "durée de remboursement (mois)", null=True, blank=True
    )
    deferral_months = models.PositiveSmallIntegerField("différé (mois)", default=0)
    deferral_kind = models.CharField(
        "type de différé", max_length=20, choices=DeferralKind.choices, default=DeferralKind.NONE
    )
    nominal_rate_percent = models.DecimalField(
        "taux nominal annuel (%)", max_digits=6, decimal_places=3, null=True, blank=True
    )
    installment = models.DecimalField("mensualité (€)", null=True, blank=True, **MONEY)
    apr_percent = models.DecimalField(
        "TAEG (%)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    usury_threshold_percent = models.DecimalField(
        "seuil de l'usure applicable (%)", max_digits=6, decimal_places=2, null=True, blank=True
    )
    # Refused: a reason from the list and a text.
    refusal_reason = models.CharField(
        "motif du refus", max_length=30, choices=BankRefusalReason.choices, blank=True
    )
    refusal_text = models.TextField("précisions", blank=True)
    # The offer the borrower signed (accepted only).
    offer_signed_on = models.DateField("offre signée le", null=True, blank=True)
    offer_document = models.ForeignKey(
        Document,
        verbose_name="offre signée",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    offer_recorded_at = models.DateTimeField("offre enregistrée le", null=True, blank=True)

    class Meta:
        verbose_name = "décision de la banque"
        verbose_name_plural = "décisions de la banque"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        outcome=BankOutcome.ACCEPTED,
                        amount__gt=0,
                        months__gt=0,
                        nominal_rate_percent__isnull=False,
                        installment__isnull=False,
                        apr_percent__isnull=False,
                    )
                    | models.Q(outcome=BankOutcome.REFUSED, offer_signed_on__isnull=True)
                    & ~models.Q(refusal_reason="")
                ),
                name="bank_decision_complete",
            ),
        ]
        # The bank's API: the dossiers changed since an instant (api.changes).
        indexes = [models.Index(fields=["offer_recorded_at"], name="bank_decision_offer_recorded")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} — {self.dossier}"


class Disbursement(models.Model):
    """The bank cheque made out to the payee; recording it creates the loan."""

    dossier = models.OneToOneField(
        Dossier, verbose_name="dossier", on_delete=models.PROTECT, related_name="disbursement"
    )
    bank = models.ForeignKey(
        Organisation, verbose_name="banque", on_delete=models.PROTECT, related_name="+"
    )
    cheque_number = models.CharField("numéro du chèque", max_length=30)
    date = models.DateField("date du décaissement")
    amount = models.DecimalField("montant (€)", **MONEY)
    payee_name = models.CharField("bénéficiaire du chèque", max_length=200)
    payee_siret = models.CharField("SIRET du bénéficiaire", max_length=14, blank=True)
    payee_changed = models.BooleanField("bénéficiaire différent de celui du dossier", default=False)
    payee_change_reason = models.TextField("motif du changement de bénéficiaire", blank=True)
    payee_change_document = models.ForeignKey(
        Document,
        verbose_name="justificatif du changement",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enregistré par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "décaissement"
        verbose_name_plural = "décaissements"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="disbursement_positive"),
            models.CheckConstraint(
                condition=models.Q(payee_changed=False) | ~models.Q(payee_change_reason=""),
                name="disbursement_payee_change_reason",
            ),
            models.UniqueConstraint(
                fields=["bank", "cheque_number"], name="disbursement_cheque_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Chèque {self.cheque_number} — {self.dossier}"
