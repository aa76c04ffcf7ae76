"""`microcredit generate_volume --dossiers N --loans M`: fill an empty database for benchmarks."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.demo.volume import VolumeRefused, generate_volume


class Command(BaseCommand):
    help = (
        "Remplit une base VIDE de dossiers (avec leurs étapes, ménages et budgets), de prêts, "
        "d'échéanciers, de remboursements, d'appels en garantie et de bonifications fictifs "
        "(pour les mesures de bench/). Refuse une base qui contient déjà des données."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossiers", type=int, required=True, help="nombre de dossiers")
        parser.add_argument(
            "--loans", type=int, required=True, help="nombre de prêts décaissés parmi eux"
        )
        parser.add_argument("--seed", type=int, default=2026, help="graine (données identiques)")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="date du jour des données (AAAA-MM-JJ ; par défaut aujourd'hui)",
        )
        parser.add_argument(
            "--open-budgets",
            action="store_true",
            help=(
                "donne aussi un budget (d'un des douze derniers mois) à chaque dossier ouvert "
                "sans prêt, pour mesurer rights-scan ; le reste du volume est inchangé"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 2 or done == total:
                self.stdout.write(f"  {done} / {total} dossiers")

        try:
            result = generate_volume(
                dossiers=options["dossiers"],
                loans=options["loans"],
                today=options["today"] or timezone.localdate(),
                seed=options["seed"],
                progress=progress,
                open_budgets=options["open_budgets"],
            )
        except (VolumeRefused, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Volume généré en {time.monotonic() - started:.1f} s : {result.dossiers} dossiers, "
            f"{result.loans} prêts, {result.schedule_lines} lignes d'échéancier, "
            f"{result.repayments} remboursements ({result.loans_in_arrears} prêts en retard) ; "
            f"{result.events} étapes de dossiers, {result.household_members} membres de ménages, "
            f"{result.budgets} budgets, {result.rights_outcomes} suites données aux droits, "
            f"{result.guarantee_claims} appels en garantie, {result.bonifications} "
            f"bonifications, {result.plans} plans de reprise, {result.contact_requests} "
            "demandes de rendez-vous."
        )
