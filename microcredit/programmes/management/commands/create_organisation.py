"""`microcredit create_organisation`: onboard a new CCAS on a shared installation.

In one transaction: the CCAS, its scheme started from a template (the Saint-Étienne parameters on
the CCAS's own territory, or an empty scheme its director fills in), its partnership with a bank
already known to the installation, and its first director, whose password-setting link is printed.

Exit codes: 0 when the CCAS was created, and when its identifier was already a CCAS (then nothing
changes, the output says so, and a new link is printed for a director who has not chosen a
password yet); 2 for bad input (a French message on stderr, nothing created).
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from microcredit.accounts.models import User
from microcredit.core.commands import answer_in_french
from microcredit.core.formatting import format_date
from microcredit.programmes.services import (
    EMPTY_TEMPLATE,
    Onboarding,
    OnboardingRefused,
    OnboardingRequest,
    ccas_onboard,
    onboarding_templates,
)

EXIT_INVALID = 2
HELP_HINT = "Aide : microcredit create_organisation --help"


def password_link(user: User) -> str:
    """The page where `user` chooses a password (Django's reset link, valid for
    PASSWORD_RESET_TIMEOUT; it stops working once a password is chosen)."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.SITE_URL.rstrip("/") + path


def _validity() -> str:
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    days, rest = divmod(seconds, 86400)
    if days and not rest:
        return f"{days} jour{'s' if days > 1 else ''}"
    return f"{seconds // 3600} heures"


class Command(BaseCommand):
    help = (
        "Crée un nouveau CCAS : l'organisation, son dispositif à partir d'un modèle, son "
        "partenariat bancaire et son premier directeur ou sa première directrice (lien pour "
        "choisir son mot de passe). Sans effet si l'identifiant est déjà celui d'un CCAS. "
        "Exemple : microcredit create_organisation --name « CCAS de Firminy » --slug ccas-firminy "
        "--email contact@ccas-firminy.fr --scheme-template saint-etienne --commune 42095:42700 "
        "--bank parcours-confiance --director-email direction@ccas-firminy.fr"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return answer_in_french(
            super().create_parser(prog_name, subcommand, **kwargs), "create_organisation"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="nom du CCAS (« CCAS de Firminy »)")
        parser.add_argument(
            "--slug",
            required=True,
            help="identifiant court, dans l'adresse du simulateur (ccas-firminy)",
        )
        parser.add_argument("--email", required=True, help="adresse e-mail de contact du CCAS")
        parser.add_argument(
            "--scheme-template",
            required=True,
            metavar="|".join(onboarding_templates()),
            help=(
                "modèle du dispositif : les paramètres d'un dispositif connu, en vigueur dès "
                f"aujourd'hui, ou « {EMPTY_TEMPLATE} » (aucun paramètre : le simulateur reste "
                "fermé jusqu'à ce que la direction les fixe)"
            ),
        )
        parser.add_argument(
            "--commune",
            action="append",
            default=[],
            metavar="INSEE:CODES_POSTAUX",
            help=(
                "une commune du territoire, « code INSEE:code postal,code postal » (42095:42700) ; "
                "à répéter pour chaque commune ; obligatoire avec un modèle autre que vide"
            ),
        )
        parser.add_argument(
            "--bank", required=True, help="identifiant du partenaire bancaire (parcours-confiance)"
        )
        parser.add_argument(
            "--director-email",
            required=True,
            help="adresse e-mail du directeur ou de la directrice (son identifiant de connexion)",
        )
        parser.add_argument("--director-name", default="", help="prénom et nom (« Claire Roux »)")
        parser.add_argument("--phone", default="", help="téléphone du CCAS")
        parser.add_argument("--colour", default="", help="couleur du thème, #RRVVBB")

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if getattr(self, "_called_from_command_line", False):
                # A French message alone, without Django's « CommandError: » prefix.
                message = str(error)
                sys.stderr.write(message if message.startswith("Erreur") else f"Erreur : {message}")
                sys.stderr.write("\n")
                sys.exit(error.returncode)
            raise

    def handle(self, *args: Any, **options: Any) -> None:
        request = OnboardingRequest(
            name=options["name"],
            slug=options["slug"],
            email=options["email"],
            template=options["scheme_template"],
            bank_slug=options["bank"],
            director_email=options["director_email"],
            director_name=options["director_name"],
            communes=tuple(options["commune"]),
            phone=options["phone"],
            theme_colour=options["colour"],
        )
        try:
            onboarding = ccas_onboard(request, today=timezone.localdate())
        except OnboardingRefused as refusal:
            lines = "\n".join(f"- {message}" for message in refusal.messages)
            raise CommandError(
                f"Erreur : rien n'a été créé.\n{lines}\n{HELP_HINT}", returncode=EXIT_INVALID
            ) from refusal
        self.stdout.write(self._report(onboarding))

    def _report(self, onboarding: Onboarding) -> str:
        organisation = onboarding.organisation
        simulator = settings.SITE_URL.rstrip("/") + reverse(
            "simulator:ccas", kwargs={"slug": organisation.slug}
        )
        lines: list[str] = []
        if not onboarding.created:
            lines.append(
                f"Le CCAS « {organisation.name} » ({organisation.slug}) existe déjà : rien n'a "
                "changé (une organisation existante se modifie dans l'administration technique)."
            )
        else:
            programme, version = onboarding.programme, onboarding.version
            lines.append(f"CCAS « {organisation.name} » créé ({organisation.slug}) :")
            if programme is not None and version is not None:
                lines.append(
                    f"- dispositif « {programme.name} », version 1 des paramètres en vigueur à "
                    f"partir du {format_date(version.valid_from)} (modèle repris, à ajuster par "
                    "la direction) ;"
                )
            elif programme is not None:
                lines.append(
                    f"- dispositif « {programme.name} » sans paramètres : le simulateur reste "
                    "fermé jusqu'à ce que la direction enregistre la première version (Paramètres "
                    "du dispositif) ;"
                )
            if onboarding.bank is not None:
                lines.append(f"- partenariat avec « {onboarding.bank.name} » ;")
            if onboarding.director is not None:
                lines.append(
                    f"- directeur·rice : {onboarding.director} (identifiant : "
                    f"{onboarding.director.username})."
                )
        lines.append(f"Simulateur public : {simulator}")
        for director in onboarding.directors_without_password:
            lines.append(
                f"Lien pour que {director} choisisse son mot de passe (valable {_validity()}, "
                f"à lui transmettre personnellement) : {password_link(director)}"
            )
        return "\n".join(lines)
