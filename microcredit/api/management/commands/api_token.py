"""`microcredit api_token <username> <label>`: create an API token for a bank adviser, print it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.api.services import api_token_create


class Command(BaseCommand):
    help = "Crée un jeton d'API pour un conseiller bancaire et l'affiche (une seule fois)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="identifiant du conseiller bancaire")
        parser.add_argument("label", help="libellé du jeton (par exemple « intégration »)")

    def handle(self, *args: Any, username: str, label: str, **options: Any) -> None:
        membership = (
            Membership.objects.select_related("user", "organisation")
            .filter(user__username=username, role=Role.BANK_ADVISER, active=True)
            .order_by("id")
            .first()
        )
        if membership is None:
            raise CommandError(f"« {username} » n'est pas un conseiller bancaire actif.")
        try:
            _token, clear = api_token_create(
                actor=membership.user, membership=membership, label=label
            )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(clear)
