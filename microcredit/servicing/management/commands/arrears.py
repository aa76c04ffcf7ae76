"""`microcredit arrears [--as-of YYYY-MM-DD] [--json] [--batch-size N]`: the nightly arrears job
for a date (servicing.services.arrears.arrears_run), run by hand or by the scheduler."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from microcredit.core.formatting import format_date, format_percent
from microcredit.loans.rules import arrears_bucket_label
from microcredit.servicing.rules.arrears import ArrearsRun, LoanArrears
from microcredit.servicing.services.arrears import arrears_run

CENT = Decimal("0.01")


def _money(amount: Decimal) -> str:
    """An amount as JSON gives it: a string with 2 decimals ("1234.50")."""
    return f"{amount.quantize(CENT):f}"


def loan_json(result: LoanArrears) -> dict[str, Any]:
    return {
        "number": result.number,
        "days_past_due": result.days_past_due,
        "bucket": result.bucket,
        "overdue": _money(result.overdue_amount),
        "outstanding_principal": _money(result.outstanding_principal),
        "installment": _money(result.installment),
        "next_due_date": result.next_due_date.isoformat() if result.next_due_date else None,
    }


def run_json(run: ArrearsRun) -> dict[str, Any]:
    return {
        "as_of": run.as_of.isoformat(),
        "par30": f"{run.par30:f}",
        "loans": [loan_json(r) for r in run.results],
        "snapshots_written": run.snapshots_written,
        "alerts_raised": run.alerts_raised,
        "plans_kept": run.plans_kept,
        "plans_broken": run.plans_broken,
    }


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count <= 1 else plural}"


def summary(run: ArrearsRun) -> list[str]:
    """The run in French, a few lines."""
    counts: dict[str, int] = {}
    for result in run.results:
        counts[result.bucket] = counts.get(result.bucket, 0) + 1
    order = sorted(counts, key=lambda b: min(r.days_past_due for r in run.results if r.bucket == b))
    lines = [
        f"Retards au {format_date(run.as_of)} : "
        f"{_plural(run.loans, 'prêt en remboursement', 'prêts en remboursement')}, "
        f"{_plural(run.snapshots_written, 'situation enregistrée', 'situations enregistrées')}."
    ]
    if counts:
        lines.append(
            "Par tranche : "
            + " · ".join(f"{arrears_bucket_label(b)} : {counts[b]}" for b in order)
            + "."
        )
    lines.append(
        f"{_plural(run.alerts_raised, 'alerte levée', 'alertes levées')}, "
        f"{_plural(run.plans_kept, 'plan de reprise respecté', 'plans de reprise respectés')}, "
        f"{_plural(run.plans_broken, 'plan de reprise rompu', 'plans de reprise rompus')}."
    )
    lines.append(f"PAR30 : {format_percent(run.par30 * 100)}")
    return lines


class Command(BaseCommand):
    help = (
        "Calcule les retards de tous les prêts en remboursement à une date (par défaut "
        "aujourd'hui) : une situation par prêt et par jour (un second passage la réécrit), les "
        "alertes au référent et au conseiller bancaire (une seule fois chacune, courriel sans "
        "donnée personnelle), les plans de reprise respectés ou rompus. Avec --json : "
        '{"as_of", "par30", "loans": [{"number", "days_past_due", "bucket", "overdue", ...}], '
        '...} ; par30 est le ratio du moteur en chaîne à 4 décimales ("0.1234" = 12,34 %), '
        'les montants des chaînes à 2 décimales ("101.83").'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            dest="as_of",
            metavar="AAAA-MM-JJ",
            help="date du calcul (par défaut : aujourd'hui, heure de Paris)",
        )
        parser.add_argument("--json", action="store_true", help="résultat en JSON")
        parser.add_argument(
            "--full",
            action="store_true",
            help="recalculer chaque prêt, même ceux dont seule la date a changé depuis la "
            "veille (par défaut, leur situation de la veille est reportée)",
        )
        parser.add_argument(
            "--batch-size",
            dest="batch_size",
            type=int,
            default=1000,
            help="prêts lus et écrits par lot (par défaut : 1000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = self._as_of(options["as_of"])
        if options["batch_size"] < 1:
            raise CommandError("La taille des lots doit être d'au moins 1 prêt.")
        run = arrears_run(
            as_of=as_of, batch_size=options["batch_size"], incremental=not options["full"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(run_json(run), ensure_ascii=False, indent=2))
            return
        for line in summary(run):
            self.stdout.write(line)

    @staticmethod
    def _as_of(value: str | None) -> date:
        if not value:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"Date invalide : « {value} » (attendu : AAAA-MM-JJ, par exemple 2026-04-20)."
            ) from None
