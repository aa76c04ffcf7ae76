"""A scheme (Programme) per organisation, with dated, append-only parameter versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from microcredit.core.formatting import format_date
from microcredit.organisations.models import Organisation
from microcredit.programmes.enums import LossRateBasis


def default_arrears_buckets() -> list[int]:
    """The loan engine's default bounds: late from 1 day, then 30+, 60+, 90+."""
    return [1, 30, 60, 90]


class Programme(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=60)
    bank_partner = models.ForeignKey(
        Organisation,
        verbose_name="partenaire bancaire",
        on_delete=models.PROTECT,
        related_name="financed_programmes",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = "dispositif"
        verbose_name_plural = "dispositifs"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="programme_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeVersion(models.Model):
    """The scheme's parameters from `valid_from` until the next version. Never edited in place."""

    programme = models.ForeignKey(
        Programme, verbose_name="dispositif", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("version")
    valid_from = models.DateField("en vigueur à partir du")
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créée par",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("motif du changement", blank=True)

    # Loan terms
    min_amount = models.DecimalField("montant minimal (€)", max_digits=10, decimal_places=2)
    max_amount = models.DecimalField("montant maximal (€)", max_digits=10, decimal_places=2)
    min_months = models.PositiveSmallIntegerField("durée minimale (mois)")
    max_months = models.PositiveSmallIntegerField("durée maximale (mois)")
    nominal_rate_percent = models.DecimalField(
        "taux nominal annuel (%)", max_digits=6, decimal_places=3
    )
    max_deferral_months = models.PositiveSmallIntegerField("différé maximal (mois)")
    allow_interest_only_deferral = models.BooleanField("différé partiel autorisé (intérêts payés)")
    allow_capitalised_deferral = models.BooleanField(
        "différé total autorisé (intérêts capitalisés)"
    )

    # Purposes and territory (structured lists, see rules.py for their format)
    purposes = models.JSONField("projets éligibles (catégories et sous-catégories)")
    excluded_purposes = models.JSONField("demandes exclues")
    territory = models.JSONField("territoire (communes et codes postaux)")
    reorientation_schemes = models.JSONField("dispositifs de réorientation", default=list)
    required_documents = models.JSONField(
        "pièces à fournir (par catégorie de projet)", default=list, blank=True
    )

    # Bonification
    bonification_enabled = models.BooleanField("bonification de la dernière mensualité")
    bonification_cap = models.DecimalField(
        "plafond de la bonification (€)", max_digits=10, decimal_places=2, null=True, blank=True
    )

    # Guarantee
    guarantor_name = models.CharField("garant", max_length=200)
    guarantee_rate_percent = models.DecimalField(
        "taux de garantie (%)", max_digits=5, decimal_places=2
    )
    guarantee_includes_interest = models.BooleanField(
        "l'appel en garantie inclut les intérêts courus"
    )

    # Servicing: arrears buckets (days past due, increasing; loan_engine.bucket_label) and how
    # much a repayment may exceed what is due at its date (the payoff) before it is refused.
    arrears_buckets = models.JSONField(
        "tranches de retard (jours)", default=default_arrears_buckets
    )
    repayment_tolerance = models.DecimalField(
        "tolérance au-delà du solde dû (€)",
        max_digits=10,
        decimal_places=2,
        default=Decimal("10.00"),
    )

    # Budget thresholds
    max_debt_ratio_percent = models.DecimalField(
        "taux d'endettement maximal après le prêt (%)", max_digits=5, decimal_places=2
    )
    min_remaining_income_per_uc_day = models.DecimalField(
        "reste à vivre minimal par unité de consommation et par jour (€)",
        max_digits=7,
        decimal_places=2,
    )

    # Retention (issue #17): a person's data is anonymised this many months after the last
    # contact of their dossiers, all closed (privacy.rules, docs/privacy.md).
    retention_months = models.PositiveSmallIntegerField(
        "durée de conservation après le dernier contact (mois)", default=24
    )

    # Legal and reporting references
    usury_thresholds = models.JSONField("seuils de l'usure (table datée)")
    loss_rate_reference_percent = models.DecimalField(
        "taux de sinistralité national de référence (%)", max_digits=5, decimal_places=2
    )
    loss_rate_reference_source = models.CharField("source du taux de référence", max_length=200)
    loss_rate_reference_basis = models.CharField(
        "base du taux de référence", max_length=10, choices=LossRateBasis.choices
    )

    class Meta:
        verbose_name = "version des paramètres"
        verbose_name_plural = "versions des paramètres"
        ordering = ["programme", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="version_number_unique"),
            models.UniqueConstraint(fields=["programme", "valid_from"], name="version_date_unique"),
            models.CheckConstraint(
                condition=models.Q(min_amount__gt=0)
                & models.Q(min_amount__lte=models.F("max_amount")),
                name="version_amount_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(min_months__gte=1)
                & models.Q(min_months__lte=models.F("max_months")),
                name="version_month_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(nominal_rate_percent__gte=0)
                & models.Q(nominal_rate_percent__lt=100),
                name="version_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} — version {self.number} (au {format_date(self.valid_from)})"

    @property
    def nominal_rate(self) -> Decimal:
        """The rate as a fraction, for the loan engine: 1.75 % → 0.0175."""
        return self.nominal_rate_percent / Decimal(100)

    def usury_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "valid_from": date.fromisoformat(r["valid_from"]),
                "amount_up_to": Decimal(r["amount_up_to"]) if r["amount_up_to"] else None,
                "rate_percent": Decimal(r["rate_percent"]),
            }
            for r in self.usury_thresholds
        ]

    def required_documents_for(self, purpose_code: str) -> list[dict[str, Any]]:
        """The documents a dossier of this purpose category must hold (empty list = all)."""
        return [
            d
            for d in self.required_documents
            if not d.get("purposes") or purpose_code in d["purposes"]
        ]

    def purpose_label(self, code: str) -> str:
        return next((p["label"] for p in self.purposes if p["code"] == code), code)

    def subcategory_label(self, category: str, code: str) -> str:
        for purpose in self.purposes:
            if purpose["code"] == category:
                for sub in purpose["subcategories"]:
                    if sub["code"] == code:
                        return str(sub["label"])
        return code

    def commune_codes(self) -> list[str]:
        return [c["insee"] for c in self.territory]

    def postcodes(self) -> list[str]:
        return [p for c in self.territory for p in c["postcodes"]]
