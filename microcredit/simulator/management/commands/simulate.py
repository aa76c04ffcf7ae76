"""`microcredit simulate`: a loan's schedule, TAEG and totals, as a French table or as JSON.

By default the loan must fit the public scheme in force on the disbursement date: its amount,
duration and deferral bounds, checked by the same `PublicScheme.limits` and engine check
(`validate_terms`) as the public simulator. With `--hors-dispositif` the command is mathematical:
it checks only what the loan engine checks (amount > 0, months ≥ 1, rate in [0, 100 %),
deferral consistency).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loan_engine import (
    DeferralKind,
    LoanEngineError,
    LoanTerms,
    Schedule,
    annual_percentage_rate,
    build_schedule,
    loan_terms,
    validate_terms,
)
from microcredit.core.commands import answer_in_french
from microcredit.core.formatting import format_date, format_eur, format_percent
from microcredit.core.text import parse_decimal as parse_number
from microcredit.simulator.selectors import PublicScheme, public_scheme

EXIT_INVALID = 2
DEFAULT_RATE_PERCENT = Decimal("1.75")
# --deferral-kind takes the stored values ("interest_only", "capitalised"); "interest-only",
# the spelling this command has always documented, stays accepted as an alias.
_DEFERRAL_KIND_ALIASES = {"interest-only": DeferralKind.INTEREST_ONLY.value}


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_INVALID)


def _money(value: Decimal) -> str:
    """JSON amount: a string with exactly two decimals ("4.38")."""
    return f"{value:.2f}"


def _table_amount(value: Decimal) -> str:
    """French number without the currency sign: « 3 000,00 »."""
    return format_eur(value).removesuffix("\u00a0€")


def parse_decimal(text: str, what: str) -> Decimal:
    try:
        return parse_number(text)
    except ValueError:
        raise _fail(f"{what} invalide : « {text} » n'est pas un nombre.") from None


def parse_int(text: str, what: str) -> int:
    if not re.fullmatch(r"\s*[+-]?\d+\s*", text):
        raise _fail(f"{what} invalide : « {text} » n'est pas un nombre entier.")
    return int(text)


def schedule_as_json(schedule: Schedule, apr: Decimal) -> dict[str, Any]:
    return {
        "installment": _money(schedule.installment),
        "apr": f"{apr:.2f}",
        "total_interest": _money(schedule.total_interest),
        "total_due": _money(schedule.total_due),
        "rows": [
            {
                "number": row.number,
                "due_date": row.due_date.isoformat(),
                "payment": _money(row.payment),
                "interest": _money(row.interest),
                "principal": _money(row.principal),
                "balance": _money(row.balance),
            }
            for row in schedule.rows
        ],
    }


def schedule_as_table(schedule: Schedule, apr: Decimal) -> str:
    headers = ("N°", "Échéance", "Mensualité", "Intérêts", "Capital", "Capital restant dû")
    lines = [
        (
            str(row.number),
            format_date(row.due_date),
            _table_amount(row.payment),
            _table_amount(row.interest),
            _table_amount(row.principal),
            _table_amount(row.balance),
        )
        + (("différé",) if row.kind == "deferral" else ())
        for row in schedule.rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]

    def fmt(cells: tuple[str, ...]) -> str:
        text = "  ".join(
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
            for i, cell in enumerate(cells[:6])
        )
        return f"{text}  ({cells[6]})" if len(cells) > 6 else text

    out = [fmt(headers), "  ".join("-" * w for w in widths)]
    out += [fmt(line) for line in lines]
    terms = schedule.terms
    out += [
        "",
        f"Mensualité : {format_eur(schedule.installment)}",
        f"TAEG : {format_percent(apr)}",
        f"Coût total des intérêts : {format_eur(schedule.total_interest)}",
        f"Montant total dû : {format_eur(schedule.total_due)}",
    ]
    if terms.deferral_months:
        kind = (
            "partiel (intérêts seuls)"
            if terms.deferral_kind is DeferralKind.INTEREST_ONLY
            else "total (intérêts capitalisés)"
        )
        out.append(f"Différé : {terms.deferral_months} mois, {kind}")
    return "\n".join(out)


class FrenchHelpFormatter(DjangoHelpFormatter):
    """Django's help layout, with argparse's own words in French (« utilisation : »)."""

    def add_usage(self, usage: Any, actions: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) < 2 and "prefix" not in kwargs:
            kwargs["prefix"] = _("utilisation : ")
        super().add_usage(usage, actions, *args, **kwargs)


def _french_help(parser: CommandParser) -> CommandParser:
    """The help of argparse's and Django's own options in French (argparse needs « %% » for
    a literal « % » in a help string)."""
    helps = {
        "help": _("affiche cette aide et s'arrête"),
        "version": _("affiche la version de Django et s'arrête"),
        "verbosity": _("niveau de détail : 0 (rien), 1 (normal), 2 ou 3 (bavard)"),
        "settings": _("module de réglages Python (sinon DJANGO_SETTINGS_MODULE)"),
        "pythonpath": _("dossier à ajouter au chemin de Python"),
        "traceback": _("affiche la trace complète en cas d'erreur"),
        "no_color": _("sortie sans couleurs"),
        "force_color": _("sortie en couleurs même hors terminal"),
        "skip_checks": _("ne pas lancer les vérifications du système"),
    }
    for action in parser._actions:  # argparse has no public way to reword them
        if action.dest in helps:
            action.help = helps[action.dest]
    parser._optionals.title = _("options")
    return parser


class Command(BaseCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # a str once translated, in create_parser
        "Simule un prêt : échéancier, mensualité, TAEG, coût total. Par défaut, le prêt doit "
        "respecter les bornes du dispositif en vigueur (montant, durée, différé), comme sur le "
        "simulateur public. Exemple : microcredit simulate --amount 3000 --months 36 --json"
    )
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = str(self.help)  # argparse needs a str, not a lazy translation
        return answer_in_french(_french_help(parser), "simulate")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--amount", required=True, metavar="MONTANT", help=_("montant emprunté en euros (3000)")
        )
        parser.add_argument(
            "--months", required=True, metavar="MOIS", help=_("nombre de mensualités (36)")
        )
        parser.add_argument(
            "--rate",
            metavar="TAUX",
            help=_("taux nominal annuel en %% (1.75) ; par défaut celui du dispositif en vigueur"),
        )
        parser.add_argument(
            "--deferral-months", default="0", metavar="MOIS", help=_("mois de différé (0)")
        )
        parser.add_argument(
            "--deferral-kind",
            metavar="TYPE",
            help=_("type de différé : interest-only (partiel) ou capitalised (total)"),
        )
        parser.add_argument(
            "--start",
            metavar="AAAA-MM-JJ",
            help=_("date de décaissement AAAA-MM-JJ (par défaut : aujourd'hui)"),
        )
        parser.add_argument(
            "--hors-dispositif",
            action="store_true",
            help=_(
                "simule un prêt hors dispositif : sans les bornes du dispositif en vigueur "
                "(montant, durée, différé), seules les limites du calcul s'appliquent"
            ),
        )
        parser.add_argument("--json", action="store_true", help=_("sortie JSON"))

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
        terms = self._terms(options)
        try:
            schedule = build_schedule(terms)
            apr = annual_percentage_rate(schedule)
        except LoanEngineError as error:
            raise _fail(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(schedule_as_json(schedule, apr), ensure_ascii=False))
        else:
            self.stdout.write(schedule_as_table(schedule, apr))

    def _terms(self, options: dict[str, Any]) -> LoanTerms:
        amount = parse_decimal(options["amount"], "Montant")
        if amount <= 0:
            raise _fail("Le montant doit être strictement positif.")
        months = parse_int(options["months"], "Durée")
        if months < 1:
            raise _fail("La durée doit être d'au moins 1 mois.")
        given_rate = None if options["rate"] is None else parse_decimal(options["rate"], "Taux")
        if given_rate is not None and given_rate < 0:
            raise _fail("Le taux ne peut pas être négatif.")
        deferral_months = parse_int(options["deferral_months"], "Différé")
        if deferral_months < 0:
            raise _fail("Le différé ne peut pas être négatif.")
        kind_text = options["deferral_kind"]
        value = _DEFERRAL_KIND_ALIASES.get(kind_text, kind_text)
        if kind_text is None:
            kind = DeferralKind.NONE
        elif value in {DeferralKind.INTEREST_ONLY.value, DeferralKind.CAPITALISED.value}:
            kind = DeferralKind(value)
        else:
            raise _fail(
                f"Type de différé inconnu : « {kind_text} ». "
                "Valeurs possibles : interest-only (partiel) ou capitalised (total)."
            )
        if deferral_months > 0 and kind is DeferralKind.NONE:
            raise _fail(
                "Un différé exige d'en préciser le type : --deferral-kind interest-only "
                "(partiel) ou capitalised (total)."
            )
        if kind is not DeferralKind.NONE and deferral_months == 0:
            raise _fail("Un type de différé est indiqué sans durée : précisez --deferral-months.")
        start = self._start(options["start"])
        # What was typed is checked first; then the scheme in force on the disbursement date.
        scheme = None if options["hors_dispositif"] else self._scheme(start)
        if given_rate is not None:
            rate_percent = given_rate
        elif scheme is not None:
            rate_percent = scheme.version.nominal_rate_percent
        else:
            rate_percent = self._default_rate_percent(start)
        try:
            terms = loan_terms(
                principal=amount,
                rate_percent=rate_percent,
                months=months,
                disbursement_date=start,
                deferral_months=deferral_months,
                deferral_kind=kind,
            )
        except LoanEngineError as error:
            raise _fail(str(error)) from error
        if scheme is not None:
            self._check_scheme_bounds(terms, scheme)
        return terms

    @staticmethod
    def _check_scheme_bounds(terms: LoanTerms, scheme: PublicScheme) -> None:
        """The scheme's bounds, as the public simulator applies them (`PublicScheme.limits`)."""
        try:
            validate_terms(terms, scheme.limits)
        except LoanEngineError as error:
            raise _fail(
                _(
                    "%(error)s Ce prêt sort du dispositif en vigueur (%(programme)s). "
                    "Pour le simuler quand même : --hors-dispositif."
                )
                % {"error": error, "programme": scheme.programme.name}
            ) from error

    @staticmethod
    def _scheme(start: date) -> PublicScheme:
        """The public scheme in force on the disbursement date, whose bounds the loan must
        respect; refused (exit 2) when there is none, or no database to read it from."""
        try:
            scheme = public_scheme(start)
        except DatabaseError:
            scheme = None
        if scheme is None:
            raise _fail(
                _(
                    "Aucun dispositif n'est en vigueur le %(date)s : ses bornes ne peuvent pas "
                    "être vérifiées. Pour simuler un prêt hors dispositif : --hors-dispositif."
                )
                % {"date": format_date(start)}
            )
        return scheme

    @staticmethod
    def _start(text: str | None) -> date:
        if text is None:
            return timezone.localdate()
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise _fail(
                f"Date de décaissement invalide : « {text} ». Format attendu : AAAA-MM-JJ."
            ) from None

    @staticmethod
    def _default_rate_percent(start: date) -> Decimal:
        """Outside the scheme: the public scheme's rate in force on `start` all the same, or
        1.75 % without one (or without a database)."""
        try:
            scheme = public_scheme(start)
        except DatabaseError:
            return DEFAULT_RATE_PERCENT
        return scheme.version.nominal_rate_percent if scheme else DEFAULT_RATE_PERCENT
