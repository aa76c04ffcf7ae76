"""Applicants (people who ask for a micro-credit) and the members of their household."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import RegexValidator
from django.db import models

from microcredit.applicants.enums import (
    Activity,
    FamilySituation,
    HouseholdType,
    HousingStatus,
    Relationship,
)
from microcredit.organisations.models import Organisation

postcode_validator = RegexValidator(r"^\d{5}$", "Le code postal compte 5 chiffres.")
insee_validator = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", "Le code commune INSEE compte 5 caractères (par exemple 42218)."
)


class TrigramIndex(GinIndex):
    """A trigram index (pg_trgm's GIN `gin_trgm_ops`) for `LIKE '%word%'` searches on
    PostgreSQL; on any other database (SQLite, `make run`) an ordinary index of the same name, so
    that the migrations run everywhere and the search keeps its plain scan there. The extension
    is created by the migration that adds the index."""

    def __init__(self, *, fields: list[str], name: str) -> None:
        super().__init__(fields=fields, name=name, opclasses=["gin_trgm_ops"] * len(fields))

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        kwargs.pop("opclasses", None)
        return path, args, kwargs

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            # Index's own SQL, without PostgresIndex's "USING gin" (the base schema editor
            # ignores the operator classes).
            return models.Index.create_sql(self, model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class Applicant(models.Model):
    """A person received by the CCAS. No social-security number is ever stored."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="organisation", on_delete=models.PROTECT, related_name="+"
    )
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    # Once anonymised (privacy), a fictitious date that keeps only the person's age in whole
    # years at the dates the statistics read (docs/privacy.md), never the real one.
    birth_date = models.DateField("date de naissance")
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    # The applicant's consent to be notified by e-mail (decision letters, appointment reminders,
    # installment reminders), with its date; None: no consent, nothing is ever sent.
    notifications_consent_at = models.DateTimeField(
        "accord pour être prévenu·e par e-mail le", null=True, blank=True
    )
    address = models.CharField("adresse", max_length=250)
    postcode = models.CharField("code postal", max_length=5, validators=[postcode_validator])
    commune_code = models.CharField(
        "code commune INSEE", max_length=5, validators=[insee_validator]
    )
    commune_name = models.CharField("commune", max_length=100)
    family_situation = models.CharField(
        "situation familiale", max_length=20, choices=FamilySituation.choices
    )
    activity = models.CharField("activité", max_length=20, choices=Activity.choices)
    housing_status = models.CharField("logement", max_length=20, choices=HousingStatus.choices)
    # The household's type as a scheme's history declared it (import_history); empty for a person
    # received here, whose type the bilan derives from the family situation and the members.
    imported_household_type = models.CharField(
        "composition du foyer (historique importé)",
        max_length=30,
        choices=HouseholdType.choices,
        blank=True,
    )
    # Lower-case, accent-free "last first" for search and the duplicate warning.
    search_name = models.CharField("nom normalisé", max_length=210, editable=False, db_index=True)
    # Retention (privacy): when the person's personal data was anonymised, and their age band
    # then (reporting.rules.AGE_BANDS key): at their latest loan's disbursement, else at their
    # latest dossier's application date.
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True)
    age_band = models.CharField("tranche d'âge", max_length=10, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="créé par",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "demandeur"
        verbose_name_plural = "demandeurs"
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organisation", "search_name", "birth_date"]),
            # The dossier list's name search: each folded word found anywhere in the name
            # (search_name LIKE '%word%'), rules.search_name having folded case and accents.
            TrigramIndex(fields=["search_name"], name="applicant_search_name_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


class HouseholdMember(models.Model):
    """Another person of the applicant's household (the applicant is not listed here)."""

    applicant = models.ForeignKey(
        Applicant, verbose_name="demandeur", on_delete=models.CASCADE, related_name="members"
    )
    first_name = models.CharField("prénom", max_length=100)
    # Once anonymised (privacy), a fictitious date keeping the age at the budgets' months.
    birth_date = models.DateField("date de naissance")
    relationship = models.CharField("lien", max_length=20, choices=Relationship.choices)

    class Meta:
        verbose_name = "membre du ménage"
        verbose_name_plural = "membres du ménage"
        ordering = ["birth_date", "id"]

    def __str__(self) -> str:
        return f"{self.first_name} ({self.get_relationship_display()})"
