"""Pure rules of the bank's side: terms within the scheme, usury, cheque number, payee change.

No Django here. Each check returns `Problem`s (field, machine code, French sentence) that the
service turns into one ValidationError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from loan_engine import (
    DeferralKind,
    UsuryCheck,
    UsuryThreshold,
    check_usury,
)
from microcredit.core.formatting import format_date, format_eur, format_percent
from microcredit.core.text import INVALID_SIRET, fold, normalise_siret

SIGNED_OFFER_KIND = "signed_offer"
SIGNED_OFFER_LABEL = "Offre de prêt signée"
PAYEE_CHANGE_KIND = "payee_change"
PAYEE_CHANGE_LABEL = "Justificatif du changement de bénéficiaire"

CHEQUE_NUMBER = re.compile(r"^[0-9A-Za-z](?:[0-9A-Za-z -]*[0-9A-Za-z])?$")
MAX_CHEQUE_LENGTH = 30
MAX_PAYEE_LENGTH = 200


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


@dataclass(frozen=True)
class SchemeBounds:
    """The parameters of the version in force that bound what the bank may grant."""

    min_amount: Decimal
    max_amount: Decimal
    min_months: int
    max_months: int
    max_deferral_months: int
    allow_interest_only_deferral: bool
    allow_capitalised_deferral: bool


def check_terms(
    *,
    amount: Decimal,
    months: int,
    deferral_months: int,
    deferral_kind: str,
    bounds: SchemeBounds,
) -> list[Problem]:
    """What keeps the terms outside the scheme's parameters (empty when they fit)."""
    problems: list[Problem] = []
    if amount != amount.quantize(Decimal("0.01")):
        problems.append(Problem("amount", "invalid_amount", "Le montant se donne au centime."))
    elif not bounds.min_amount <= amount <= bounds.max_amount:
        problems.append(
            Problem(
                "amount",
                "amount_out_of_range",
                f"Le montant doit être compris entre {format_eur(bounds.min_amount)} et "
                f"{format_eur(bounds.max_amount)}.",
            )
        )
    if not bounds.min_months <= months <= bounds.max_months:
        problems.append(
            Problem(
                "months",
                "months_out_of_range",
                f"La durée doit être comprise entre {bounds.min_months} et "
                f"{bounds.max_months} mois.",
            )
        )
    allowed = {DeferralKind.NONE.value}
    if bounds.allow_interest_only_deferral:
        allowed.add(DeferralKind.INTEREST_ONLY.value)
    if bounds.allow_capitalised_deferral:
        allowed.add(DeferralKind.CAPITALISED.value)
    if deferral_months < 0 or deferral_months > bounds.max_deferral_months:
        problems.append(
            Problem(
                "deferral_months",
                "deferral_out_of_range",
                f"Le différé ne peut pas dépasser {bounds.max_deferral_months} mois.",
            )
        )
    if deferral_kind not in {kind.value for kind in DeferralKind}:
        problems.append(
            Problem("deferral_kind", "invalid_deferral_kind", "Type de différé inconnu.")
        )
    elif deferral_months > 0 and deferral_kind == DeferralKind.NONE.value:
        problems.append(
            Problem(
                "deferral_kind",
                "deferral_kind_required",
                "Un différé est prévu : choisissez son type.",
            )
        )
    elif deferral_months > 0 and deferral_kind not in allowed:
        problems.append(
            Problem(
                "deferral_kind",
                "deferral_kind_not_allowed",
                "Ce type de différé n'est pas prévu par les paramètres du dispositif.",
            )
        )
    return problems


def usury_table(rows: Iterable[Mapping[str, Any]]) -> list[UsuryThreshold]:
    """The version's usury rows (ProgrammeVersion.usury_rows()) as the engine's thresholds."""
    return [
        UsuryThreshold(
            valid_from=row["valid_from"],
            amount_up_to=row["amount_up_to"],
            rate_percent=row["rate_percent"],
        )
        for row in rows
    ]


def usury_problem(check: UsuryCheck, apr_percent: Decimal) -> Problem | None:
    """The refusal when the APR is above the threshold (or no threshold applies)."""
    if check.ok:
        return None
    if check.threshold is None:
        return Problem("amount", "usury_unknown", check.message)
    return Problem(
        "amount",
        "usury_exceeded",
        f"Le TAEG de {format_percent(apr_percent)} dépasse le seuil de l'usure de "
        f"{format_percent(check.threshold)} applicable à ce montant : le prêt ne peut pas "
        "être accordé à ces conditions.",
    )


def check_usury_for(
    apr_percent: Decimal, principal: Decimal, on_date: date, rows: Iterable[Mapping[str, Any]]
) -> tuple[UsuryCheck, Problem | None]:
    check = check_usury(apr_percent, principal, on_date, usury_table(rows))
    return check, usury_problem(check, apr_percent)


def check_cheque_number(value: str) -> Problem | None:
    text = value.strip()
    if not text:
        return Problem("cheque_number", "required", "Indiquez le numéro du chèque.")
    if len(text) > MAX_CHEQUE_LENGTH or not CHEQUE_NUMBER.match(text):
        return Problem(
            "cheque_number",
            "invalid_cheque_number",
            "Le numéro du chèque ne contient que des lettres, des chiffres, des espaces ou des "
            f"tirets ({MAX_CHEQUE_LENGTH} caractères au plus).",
        )
    return None


def normalise_name(value: str) -> str:
    return " ".join(value.split()).casefold()


# Civilities that may precede a person's name on a cheque ("M. Jean Dupont").
CIVILITIES = frozenset({"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle"})


def person_words(value: str) -> list[str]:
    """The words of a name without accents, case, punctuation or civility:
    "M. Jean-Pierre  DUPONT" → ["jean", "pierre", "dupont"]."""
    words = fold(value, ascii_only=False).split()
    while words and words[0] in CIVILITIES:
        words = words[1:]
    return words


def is_borrower(payee: str, *, first_name: str, last_name: str) -> bool:
    """True when `payee` is the borrower's full name, in either order of the names."""
    words = person_words(payee)
    first, last = person_words(first_name), person_words(last_name)
    return bool(words) and bool(first) and bool(last) and words in (first + last, last + first)


@dataclass(frozen=True)
class Payee:
    name: str
    changed: bool
    reason: str
    siret: str = ""


def _borrower_problem(name: str) -> Problem:
    return Problem(
        "payee_name",
        "payee_is_borrower",
        f"Le chèque ne peut pas être fait à l'ordre de l'emprunteur (« {name} ») : il est fait "
        "au fournisseur, au commerçant ou au praticien choisi pour le projet.",
    )


def resolve_payee(
    *,
    dossier_payee: str,
    payee_name: str,
    reason: str,
    dossier_siret: str = "",
    payee_siret: str = "",
    borrower: tuple[str, str] = ("", ""),
) -> tuple[Payee | None, list[Problem]]:
    """The cheque's payee (name and SIRET): the dossier's, unless another is given with a
    reason and its SIRET. Never the borrower (`borrower` = (first name, last name)).

    A SIRET other than the dossier's is a change of payee; when the dossier has none, the SIRET
    given is recorded (checked)."""
    given = " ".join(payee_name.split())
    planned = " ".join(dossier_payee.split())
    siret_text = "".join(payee_siret.split())
    siret = normalise_siret(siret_text) if siret_text else ""
    if siret is None:
        return None, [Problem("payee_siret", "invalid_siret", INVALID_SIRET)]
    planned_text = "".join(dossier_siret.split())
    planned_siret = (normalise_siret(planned_text) or planned_text) if planned_text else ""
    same_name = not given or normalise_name(given) == normalise_name(planned)
    same_siret = not siret or not planned_siret or siret == planned_siret
    first_name, last_name = borrower
    if same_name and same_siret:
        if not planned:
            return None, [
                Problem(
                    "payee_name",
                    "payee_required",
                    "Le dossier n'indique pas de bénéficiaire : indiquez à qui le chèque est "
                    "fait et pourquoi.",
                )
            ]
        if is_borrower(planned, first_name=first_name, last_name=last_name):
            return None, [_borrower_problem(planned)]
        return Payee(planned, False, "", siret or planned_siret), []
    given = given or planned
    problems: list[Problem] = []
    if is_borrower(given, first_name=first_name, last_name=last_name):
        problems.append(_borrower_problem(given))
    if len(given) > MAX_PAYEE_LENGTH:
        problems.append(
            Problem(
                "payee_name",
                "invalid_payee",
                f"Le nom du bénéficiaire dépasse {MAX_PAYEE_LENGTH} caractères.",
            )
        )
    if not reason.strip():
        problems.append(
            Problem(
                "payee_change_reason",
                "payee_change_reason_required",
                f"Le chèque n'est pas fait au bénéficiaire du dossier (« {planned or '—'} ») : "
                "indiquez le motif du changement.",
            )
        )
    if not siret:
        problems.append(
            Problem(
                "payee_siret",
                "payee_siret_required",
                "Le chèque n'est pas fait au bénéficiaire du dossier : indiquez le SIRET du "
                "nouveau bénéficiaire (14 chiffres).",
            )
        )
    if problems:
        return None, problems
    return Payee(given, True, reason.strip(), siret), []


def cheque_reused(number: str, dossier_number: str | None) -> Problem:
    """The refusal of a cheque number the bank has already recorded (on `dossier_number`)."""
    where = f"le dossier {dossier_number}" if dossier_number else "un autre dossier"
    return Problem(
        "cheque_number",
        "cheque_reused",
        f"Le chèque n° {number} est déjà enregistré pour {where} : vérifiez le numéro du chèque.",
    )


def check_offer_date(*, signed_on: date, decided_on: date, today: date) -> Problem | None:
    if signed_on > today:
        return Problem("signed_on", "future_date", "La date de signature est dans le futur.")
    if signed_on < decided_on:
        return Problem(
            "signed_on",
            "before_decision",
            f"L'offre ne peut pas être signée avant l'accord de la banque "
            f"(le {format_date(decided_on)}).",
        )
    return None


def check_disbursement_date(*, day: date, offer_signed_on: date, today: date) -> Problem | None:
    if day > today:
        return Problem("date", "future_date", "La date du décaissement est dans le futur.")
    if day < offer_signed_on:
        return Problem(
            "date",
            "before_offer",
            f"Le décaissement ne peut pas précéder la signature de l'offre "
            f"(le {format_date(offer_signed_on)}).",
        )
    return None
