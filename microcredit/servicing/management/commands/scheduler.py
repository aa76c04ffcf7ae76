"""`microcredit scheduler`: the long-running process that runs the periodic jobs
(servicing/schedule.py) at their time; `--tick` runs one tick at a given time, `--list` shows the
schedule. Production runs it under systemd (docs/operations.md)."""

from __future__ import annotations

import signal
import time as clock
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from microcredit.servicing.schedule import REPEATING, SCHEDULE, Scheduler

# A tick every this many seconds (a job's time is honoured within that delay).
TICK_SECONDS = 30


class Command(BaseCommand):
    help = (
        "Lance les tâches périodiques à leur heure (heure de Paris) et reste actif : chaque "
        "nuit à 02:00, le calcul des retards du jour (microcredit arrears). "
        "--tick AAAA-MM-JJTHH:MM exécute les tâches dont l'heure tombe dans la minute qui "
        "se termine à ce moment, puis s'arrête ; --list affiche le calendrier."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tick",
            metavar="AAAA-MM-JJTHH:MM",
            help="une seule échéance, à ce moment (heure de Paris), puis s'arrête",
        )
        parser.add_argument("--list", action="store_true", help="affiche le calendrier")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in SCHEDULE:
                self.stdout.write(
                    f"{job.at:%H:%M}  {job.name:<10} microcredit {job.command}  ({job.description})"
                )
            for repeated in REPEATING:
                minutes = int(repeated.every.total_seconds() // 60)
                self.stdout.write(
                    f"/{minutes:<3} min {repeated.name:<10} microcredit {repeated.command}  "
                    f"({repeated.description})"
                )
            return
        if options["tick"]:
            self._one_tick(options["tick"])
            return
        self._forever()

    def _one_tick(self, value: str) -> None:
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"Moment invalide : « {value} » (attendu : AAAA-MM-JJTHH:MM, par exemple "
                "2026-04-20T02:00)."
            ) from None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        # The daily jobs only: the repeating ones run in the long-running process.
        ran = Scheduler(at - timedelta(minutes=1), repeating=()).tick(at, self.stdout)
        if not ran:
            self.stdout.write("Aucune tâche à cette heure.")
        for run in ran:
            self.stdout.write(run.describe())

    def _forever(self) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        scheduler = Scheduler(timezone.now())
        self.stdout.write(
            f"Planificateur démarré ({len(SCHEDULE)} tâche(s), vérification toutes les "
            f"{TICK_SECONDS} s)."
        )
        self.stdout.flush()
        while not stopping:
            # A long-lived process: a connection the database dropped overnight is reopened.
            close_old_connections()
            for run in scheduler.tick(timezone.now(), self.stdout):
                self.stdout.write(run.describe())
                self.stdout.flush()
            close_old_connections()
            for _second in range(TICK_SECONDS):
                if stopping:
                    break
                clock.sleep(1)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        self.stdout.write("Planificateur arrêté.")
