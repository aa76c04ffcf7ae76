"""`microcredit retention --as-of YYYY-MM-DD [--dry-run] [--organisation SLUG]`: the retention
job (privacy.services.retention_run). It prints the report first (how many people, per
organisation, their dossier numbers), then anonymises them one by one unless `--dry-run`.
Idempotent: a second run finds nobody. The scheduler runs it every night at 03:00."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_date
from microcredit.organisations.models import Organisation
from microcredit.privacy import selectors, services


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


class Command(BaseCommand):
    help = (
        "Anonymise les personnes dont tous les dossiers sont clos et dont le dernier contact "
        "dépasse la durée de conservation des paramètres (24 mois par défaut)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            dest="as_of",
            help="Date de référence AAAA-MM-JJ (par défaut aujourd'hui).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Afficher le rapport sans rien anonymiser.",
        )
        parser.add_argument(
            "--organisation", help="Identifiant court (slug) d'une seule organisation."
        )

    def handle(self, *args: object, **options: object) -> None:
        as_of = timezone.localdate()
        raw = options.get("as_of")
        if raw:
            try:
                as_of = date.fromisoformat(str(raw))
            except ValueError:
                raise CommandError(
                    f"Date invalide : « {raw} ». Écrivez-la AAAA-MM-JJ, par exemple 2026-01-31.",
                    returncode=2,
                ) from None
        slug = options.get("organisation")
        slug = str(slug) if slug else None
        if slug and not Organisation.objects.filter(slug=slug).exists():
            raise CommandError(f"Aucune organisation n'a l'identifiant « {slug} ».", returncode=2)
        due = selectors.people_due(as_of, slug)
        self.stdout.write(
            f"Conservation au {format_date(as_of)} : "
            f"{_plural(len(due), 'personne à anonymiser', 'personnes à anonymiser')}."
        )
        per_org: dict[str, list[selectors.DuePerson]] = {}
        for person in due:
            per_org.setdefault(person.organisation_name, []).append(person)
        for name, people in per_org.items():
            self.stdout.write(f"- {name} : {_plural(len(people), 'personne', 'personnes')}")
            for person in people:
                self.stdout.write(
                    f"  · dossiers {', '.join(person.dossier_numbers)} — dernier contact le "
                    f"{format_date(person.last_contact)}, conservation "
                    f"{person.retention_months} mois"
                )
        if options.get("dry_run"):
            self.stdout.write("Simulation (--dry-run) : rien n'a été anonymisé.")
            return
        done = 0
        for person in due:
            if services.anonymise(
                person.applicant_id,
                actor=None,
                reason=f"Durée de conservation écoulée au {as_of.isoformat()}",
            ):
                done += 1
        self.stdout.write(f"{_plural(done, 'personne anonymisée', 'personnes anonymisées')}.")
