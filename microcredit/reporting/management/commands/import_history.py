"""`microcredit import_history FILE [--organisation SLUG] [--programme SLUG] [--dry-run]`: a
scheme's history brought from a spreadsheet (CSV or XLSX), all or nothing, idempotent by
`numero` (docs/import_history.md documents the columns).

The import is made in the name of the organisation's first active director (the events and
records it creates name them). Exit codes: 0 when the file was imported (or checked, with
--dry-run), even when every dossier was already present; 2 for bad input (the French errors on
stderr, each naming its line and column; nothing imported).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.core.commands import answer_in_french
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.reporting import history_rules as rules
from microcredit.reporting.history import problem_message
from microcredit.reporting.services import HistoryRefused, history_import

EXIT_INVALID = 2


class Command(BaseCommand):
    help = (
        "Importe l'historique d'un dispositif depuis un fichier CSV ou XLSX (en-têtes du "
        "modèle : docs/import_history.md), tout ou rien ; un numéro déjà importé ne l'est pas "
        "deux fois. Exemple : microcredit import_history historique.xlsx --organisation "
        "ccas-saint-etienne --dry-run"
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return answer_in_french(
            super().create_parser(prog_name, subcommand, **kwargs), "import_history"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FICHIER", help="le fichier CSV ou XLSX")
        parser.add_argument(
            "--organisation",
            default=settings.DEFAULT_ORGANISATION_SLUG,
            help="identifiant du CCAS (par défaut : %(default)s)",
        )
        parser.add_argument(
            "--programme",
            default="",
            help="identifiant court du dispositif (obligatoire si le CCAS en a plusieurs)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="vérifier le fichier et dire ce qui serait créé, sans rien importer",
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if getattr(self, "_called_from_command_line", False):
                message = str(error)
                sys.stderr.write(message if message.startswith("Erreur") else f"Erreur : {message}")
                sys.stderr.write("\n")
                sys.exit(error.returncode)
            raise

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise _invalid(f"aucun CCAS n'a l'identifiant « {options['organisation']} ».")
        programme = self._programme(organisation, options["programme"])
        director = (
            Membership.objects.filter(organisation=organisation, role=Role.DIRECTOR, active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        if director is None:
            raise _invalid(f"le CCAS « {organisation.name} » n'a pas de directeur·rice actif·ve.")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise _invalid(f"le fichier « {path} » ne se lit pas ({error.strerror}).") from error
        try:
            table = rules.read_file(content)
        except rules.FileProblem as problem:
            raise _invalid(problem_message(problem.problem)) from problem
        try:
            result = history_import(
                actor=director.user,
                organisation=organisation,
                programme=programme,
                table=table,
                today=timezone.localdate(),
                dry_run=options["dry_run"],
            )
        except HistoryRefused as refusal:
            lines = "\n".join(f"- {message}" for message in refusal.messages)
            raise CommandError(
                f"Erreur : rien n'a été importé.\n{lines}", returncode=EXIT_INVALID
            ) from refusal
        check = result.check
        new = len(check.new_rows)
        present = result.already_present
        if result.dry_run:
            self.stdout.write(
                f"Vérification seule (--dry-run) : le fichier est correct ; {new} dossier(s) "
                f"seraient créés, {present} déjà présent(s)."
            )
        else:
            self.stdout.write(
                f"Historique importé dans « {programme.name} » ({organisation.name}) : "
                f"{result.created} créé(s), {present} déjà présent(s)."
            )
        for _code, label, count in check.by_issue:
            if count:
                self.stdout.write(f"- {label} : {count}")
        if table.ignored_columns:
            ignored = ", ".join(table.ignored_columns)
            self.stdout.write(f"Colonnes ignorées : {ignored}.")

    def _programme(self, organisation: Organisation, slug: str) -> Programme:
        programmes = Programme.objects.filter(organisation=organisation).order_by("id")
        if slug:
            programme = programmes.filter(slug=slug).first()
            if programme is None:
                raise _invalid(f"le CCAS « {organisation.name} » n'a pas de dispositif « {slug} ».")
            return programme
        found = list(programmes[:2])
        if not found:
            raise _invalid(f"le CCAS « {organisation.name} » n'a pas de dispositif.")
        if len(found) > 1:
            slugs = ", ".join(programmes.values_list("slug", flat=True))
            raise _invalid(
                f"le CCAS a plusieurs dispositifs : choisissez-en un (--programme {slugs})."
            )
        return found[0]


def _invalid(message: str) -> CommandError:
    return CommandError(f"Erreur : {message}", returncode=EXIT_INVALID)
