"""`microcredit bilan --from YYYY-MM-DD --to YYYY-MM-DD [--organisation SLUG] [--programme SLUG]
[--json]`: the bilan's figures for a period (reporting.selectors.bilan), in French or as JSON.

Without --organisation, the figures of every CCAS together. The JSON object holds every field
of `Bilan`: amounts and percents as strings with 2 decimals ("1234.56", "4.69"), dates in ISO,
null where a figure has no value (a rate over nothing, no arrears computed)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from microcredit.core.formatting import format_date
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation
from microcredit.programmes.enums import LossRateBasis
from microcredit.programmes.models import Programme
from microcredit.reporting.rules import Bilan, Period, Row
from microcredit.reporting.selectors import bilan

BAD_INPUT = 2  # the exit code of a wrong argument, as argparse's own


def _plain(value: Any) -> Any:
    """A Bilan's value as JSON holds it: Decimals as strings, dates in ISO, tuples as lists."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def bilan_json(figures: Bilan) -> dict[str, Any]:
    """Every field of the bilan, as plain JSON values."""
    result: dict[str, Any] = _plain(dataclasses.asdict(figures))
    return result


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    whole, _, cents = f"{amount.quantize(Decimal('0.01')):f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups) or '0'},{cents} €"


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:f}".replace(".", ",") + " %"


def _number(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:f}".replace(".", ",")


def _basis(code: str) -> str:
    """The reference's basis in French ("en nombre de prêts "), or nothing."""
    return f"{LossRateBasis(code).label} " if code in LossRateBasis.values else ""


def _line(label: str, value: object, width: int = 46) -> str:
    return f"  {label.ljust(width, '.')} {value}"


def _rows(title: str, rows: tuple[Row, ...]) -> list[str]:
    lines = [title]
    if not rows:
        return [*lines, "  (aucun)"]
    for row in rows:
        amount = f"  {_money(row.amount)}" if row.amount is not None else ""
        lines.append(_line(row.label, f"{row.count:>6}{amount}"))
    return lines


def bilan_text(figures: Bilan, scope: str) -> list[str]:
    """The bilan in French, one figure a line, aligned."""
    period = figures.period
    lines = [
        f"Bilan du {format_date(period.start)} au {format_date(period.end)} — {scope}",
        "",
        "Personnes et parcours",
        _line("Demandes de contact (site public)", figures.contacts),
        _line("Dossiers reçus", figures.received),
        _line("Personnes reçues", figures.people_received),
        "",
        "Étapes (cohorte des dossiers reçus)        nombre  conversion  délai médian en jours"
        " (dossiers mesurés)",
    ]
    for stage in figures.funnel:
        lines.append(
            _line(
                stage.label,
                f"{stage.count:>6}  {_percent(stage.conversion_percent):>10}  "
                f"{_number(stage.median_days):>6} ({stage.delays_measured})",
                width=40,
            )
        )
    lines += ["", *_rows("Réorientations", figures.reorientations)]
    lines += ["", *_rows("Dossiers en cours par référent", figures.caseload)]
    lines += [
        "",
        "Prêts décaissés",
        _line("Nombre", figures.disbursed_count),
        _line("Montant", _money(figures.disbursed_amount)),
        "",
        *_rows("Par objet", figures.purposes),
        "",
        *_rows("Par montant", figures.amount_bands),
        "",
        *_rows("Par durée", figures.duration_bands),
        "",
        *_rows("Composition du foyer", figures.profiles.household_types),
        "",
        *_rows("Activité", figures.profiles.activities),
        "",
        *_rows("Âge au décaissement", figures.profiles.age_bands),
        "",
        *_rows("Ressource principale", figures.profiles.income_sources),
        "",
        "Portefeuille",
        _line(
            "Situation au",
            format_date(figures.portfolio_as_of) if figures.portfolio_as_of else "non calculée",
        ),
        _line("Capital restant dû", _money(figures.outstanding_principal)),
        _line("PAR30", _percent(figures.par30_percent)),
        "",
        *_rows("Plans de reprise proposés", figures.plans),
        "",
        *_rows("Prêts soldés", figures.completions),
        "",
        "Sinistralité et dépenses du CCAS",
        _line("Appels en garantie", figures.guarantee_calls),
        _line("Capital restant dû appelé", _money(figures.guarantee_calls_amount)),
        _line("Taux de sinistralité (en nombre)", _percent(figures.loss_rate_count_percent)),
        _line("Taux de sinistralité (en montants)", _percent(figures.loss_rate_amount_percent)),
        _line(
            "Référence nationale",
            f"{_percent(figures.national_reference_percent)} "
            f"{_basis(figures.national_reference_basis)}"
            f"({figures.national_reference_source or 'source non renseignée'})",
        ),
        _line("Bonifications payées", figures.bonifications_count),
        _line("Montant des bonifications", _money(figures.bonifications_amount)),
        "",
        "Droits non réclamés (détectés / ouverts / déjà perçus / démarche engagée / non éligible)",
    ]
    if not figures.rights:
        lines.append("  (aucun)")
    for right in figures.rights:
        lines.append(
            _line(
                right.label,
                f"{right.detected} / {right.opened} / {right.already_received} / "
                f"{right.claim_started} / {right.not_eligible}",
            )
        )
    return lines


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{option} : « {value} » n'est pas une date au format AAAA-MM-JJ.",
            returncode=BAD_INPUT,
        ) from None


class Command(BaseCommand):
    help = "Les chiffres du bilan pour une période (en français, ou en JSON avec --json)."
    # A read-only report: no system check (they import the whole URLconf, with the exports'
    # openpyxl and numpy and the API, more than a second of the command's start).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", required=True, help="début (AAAA-MM-JJ)")
        parser.add_argument("--to", dest="end", required=True, help="fin incluse (AAAA-MM-JJ)")
        parser.add_argument(
            "--organisation", help="identifiant court du CCAS (par défaut : tous les CCAS)"
        )
        parser.add_argument("--programme", help="identifiant court du dispositif")
        parser.add_argument("--json", action="store_true", help="un objet JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        start = _day(options["start"], "--from")
        end = _day(options["end"], "--to")
        if end < start:
            raise CommandError(
                "La fin de la période (--to) précède son début (--from).", returncode=BAD_INPUT
            )
        ccas = Organisation.objects.filter(kind=OrganisationKind.CCAS)
        slug = options["organisation"]
        if slug:
            ccas = ccas.filter(slug=slug)
            if not ccas.exists():
                raise CommandError(
                    f"Aucun CCAS n'a l'identifiant « {slug} ».", returncode=BAD_INPUT
                )
        organisation_ids = list(ccas.order_by("pk").values_list("pk", flat=True))
        scope = ccas.get().name if slug else "tous les CCAS"
        programme_id = None
        if options["programme"]:
            programmes = list(
                Programme.objects.filter(
                    slug=options["programme"], organisation_id__in=organisation_ids
                ).values_list("pk", "organisation_id", "name")
            )
            if not programmes:
                raise CommandError(
                    f"Aucun dispositif n'a l'identifiant « {options['programme']} »"
                    + (" dans ce CCAS." if slug else "."),
                    returncode=BAD_INPUT,
                )
            if len(programmes) > 1:
                raise CommandError(
                    f"Plusieurs CCAS ont un dispositif « {options['programme']} » : "
                    "précisez le CCAS avec --organisation.",
                    returncode=BAD_INPUT,
                )
            programme_id, organisation_id, name = programmes[0]
            organisation_ids = [organisation_id]
            scope = f"{scope}, dispositif « {name} »"
        figures = bilan(
            organisation_ids=organisation_ids, period=Period(start, end), programme_id=programme_id
        )
        if options["json"]:
            self.stdout.write(json.dumps(bilan_json(figures), ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(bilan_text(figures, scope)))
