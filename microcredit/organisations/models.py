"""Organisations: the CCAS that runs a scheme, its partner banks and partner social structures."""

from django.core.validators import RegexValidator
from django.db import models

from microcredit.organisations.enums import OrganisationKind

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Indiquez une couleur au format #RRVVBB (par exemple #1d4ed8)."
)


class Organisation(models.Model):
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant court", max_length=60, unique=True)
    address = models.TextField("adresse", blank=True)
    email = models.EmailField("e-mail de contact", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    logo = models.FileField("logo", upload_to="logos/", blank=True)
    theme_colour = models.CharField(
        "couleur principale", max_length=7, default="#1d4ed8", validators=[colour_validator]
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    """A partner bank or social structure working with a CCAS."""

    ccas = models.ForeignKey(
        Organisation,
        verbose_name="CCAS",
        on_delete=models.CASCADE,
        related_name="partnerships",
        limit_choices_to={"kind": OrganisationKind.CCAS},
    )
    partner = models.ForeignKey(
        Organisation,
        verbose_name="partenaire",
        on_delete=models.CASCADE,
        related_name="partner_of",
    )
    since = models.DateField("depuis", null=True, blank=True)
    active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "partenariat"
        verbose_name_plural = "partenariats"
        constraints = [
            models.UniqueConstraint(fields=["ccas", "partner"], name="partnership_unique"),
            models.CheckConstraint(
                condition=~models.Q(ccas=models.F("partner")), name="partnership_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ccas} ↔ {self.partner}"
