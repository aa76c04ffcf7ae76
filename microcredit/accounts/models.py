"""Users and their memberships (a role in an organisation)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from microcredit.accounts.enums import ROLE_ORGANISATION_KIND, Role
from microcredit.organisations.models import Organisation


class User(AbstractUser):
    """A person with an account. Applicants have no account."""

    email = models.EmailField("adresse e-mail", blank=True)
    # A bank's service account (#18): not a person, never logs in; its API tokens belong to the
    # bank and keep working when the adviser who created them leaves.
    is_service_account = models.BooleanField("compte de service", default=False)

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def check_password(self, raw_password: str | None) -> bool:
        """A service account never logs in (#18): no password matches, even one set by hand in
        the administration. Every login path (the login page, the admin's, the password
        change) goes through this check."""
        if self.is_service_account:
            return False
        return super().check_password(raw_password)


class Membership(models.Model):
    user = models.ForeignKey(
        User, verbose_name="utilisateur", on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField("rôle", max_length=30, choices=Role.choices)
    active = models.BooleanField("active", default=True)
    # A bank adviser who administers the bank's integration (#18): service accounts, webhooks.
    bank_admin = models.BooleanField("administrateur de la banque", default=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "rôle dans une organisation"
        verbose_name_plural = "rôles dans les organisations"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"

    def clean(self) -> None:
        expected = ROLE_ORGANISATION_KIND.get(self.role)
        if expected and self.organisation_id and self.organisation.kind != expected:
            raise ValidationError(
                {"role": "Ce rôle n'est pas possible dans ce type d'organisation."}
            )
