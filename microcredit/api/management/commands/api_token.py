"""`microcredit api_token`: create an API token and print it (once).

Two uses:

- `microcredit api_token <username> <label>`: a token of a bank adviser (all scopes unless
  `--scopes` says fewer);
- `microcredit api_token --service-account <account label> --bank <bank slug> <label>
  [--scopes read,decide,pay]`: a token of the bank's service account of that label, created
  first if the bank has none active of that label. This is how a bank gets its first token
  when nobody at the bank has a web login yet (#18): the CCAS's operator runs it and hands the
  token over; later tokens are made by the bank's administrator adviser on the page
  « Comptes de service ».
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.api.enums import Scope
from microcredit.api.services import api_token_create, api_token_issue, service_account_create
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API et l'affiche (une seule fois). Pour un conseiller : "
        "« api_token <identifiant> <libellé> ». Pour le compte de service d'une banque (le premier "
        "jeton d'une banque dont personne n'a encore d'accès au site) : « api_token "
        "--service-account <libellé du compte> --bank <slug de la banque> <libellé du jeton> "
        "--scopes read,decide,pay » ; le compte est créé s'il n'existe pas. Le jeton vit "
        "MICROCREDIT_API_TOKEN_LIFETIME_DAYS jours (ou --days)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "names",
            nargs="+",
            metavar="[identifiant] libellé",
            help="identifiant du conseiller bancaire puis libellé du jeton ; avec "
            "--service-account, le libellé du jeton seul",
        )
        parser.add_argument(
            "--service-account", dest="service_account", help="libellé du compte de service"
        )
        parser.add_argument("--bank", help="slug de la banque du compte de service")
        parser.add_argument(
            "--scopes",
            help="droits séparés par des virgules parmi read, decide, pay (read toujours "
            "inclus) ; par défaut tous",
        )
        parser.add_argument("--days", type=int, help="durée de validité en jours (plus courte)")

    def handle(
        self,
        *args: Any,
        names: list[str],
        service_account: str | None,
        bank: str | None,
        scopes: str | None,
        days: int | None,
        **options: Any,
    ) -> None:
        scope_values = (
            None if scopes is None else [s.strip() for s in scopes.split(",") if s.strip()]
        )
        try:
            if service_account is not None:
                if len(names) != 1 or not bank:
                    raise CommandError(
                        "Avec --service-account : --bank <slug> et un seul libellé de jeton."
                    )
                clear = self._service_token(service_account, bank, names[0], scope_values, days)
            else:
                if len(names) != 2:
                    raise CommandError("Attendu : <identifiant du conseiller> <libellé>.")
                clear = self._adviser_token(names[0], names[1], scope_values, days)
        except (ValidationError, PermissionDenied, Http404) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(clear)

    def _adviser_token(
        self, username: str, label: str, scopes: list[str] | None, days: int | None
    ) -> str:
        membership = (
            Membership.objects.select_related("user", "organisation")
            .filter(user__username=username, role=Role.BANK_ADVISER, active=True)
            .order_by("id")
            .first()
        )
        if membership is None:
            raise CommandError(f"« {username} » n'est pas un conseiller bancaire actif.")
        _token, clear = api_token_create(
            actor=membership.user, membership=membership, label=label, scopes=scopes, days=days
        )
        return clear

    @transaction.atomic
    def _service_token(
        self,
        account_label: str,
        bank_slug: str,
        label: str,
        scopes: list[str] | None,
        days: int | None,
    ) -> str:
        bank = Organisation.objects.filter(slug=bank_slug, kind=OrganisationKind.BANK).first()
        if bank is None:
            raise CommandError(f"« {bank_slug} » n'est pas une banque partenaire.")
        wanted = " ".join(account_label.split())
        account = User.objects.filter(
            is_service_account=True,
            is_active=True,
            last_name=wanted,
            memberships__organisation=bank,
            memberships__role=Role.BANK_ADVISER,
            memberships__active=True,
        ).first()
        if account is None:
            account = service_account_create(
                actor=None, membership=None, label=account_label, bank_id=bank.pk
            )
            self.stderr.write(f"Compte de service « {account.last_name} » créé.")
        _token, clear = api_token_issue(
            actor=None,
            holder=account,
            bank_id=bank.pk,
            label=label,
            scopes=Scope.all_values() if scopes is None else scopes,
            days=days,
        )
        return clear
