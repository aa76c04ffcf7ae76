"""Pure rules for scheme parameters: parsing the editable lists and checking consistency.

No Django here: the form passes text in, gets structured values or French error messages back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any, TypedDict

from microcredit.core.errors import Refused
from microcredit.core.text import fold, parse_decimal

_POSTCODE = re.compile(r"^\d{5}$")
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


class ParameterError(Refused):
    """A French message about one field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def slug_code(label: str) -> str:
    """A stable ASCII code from a French label: « Mobilité » → "mobilite"."""
    return fold(label, separator="_")


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def parse_purposes(text: str) -> list[dict[str, Any]]:
    """One category a line: « Catégorie : sous-catégorie ; sous-catégorie ; … »."""
    categories: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in _lines(text):
        label, _, rest = line.partition(":")
        label = label.strip()
        if not label:
            raise ParameterError("purposes", f"Ligne {number} : le nom de la catégorie manque.")
        code = slug_code(label)
        if code in seen:
            raise ParameterError(
                "purposes", f"Ligne {number} : la catégorie « {label} » est en double."
            )
        seen.add(code)
        subs = [s.strip() for s in rest.split(";") if s.strip()]
        sub_codes = [slug_code(s) for s in subs]
        if len(set(sub_codes)) != len(sub_codes):
            raise ParameterError("purposes", f"Ligne {number} : une sous-catégorie est en double.")
        categories.append(
            {
                "code": code,
                "label": label,
                "subcategories": [
                    {"code": c, "label": s} for c, s in zip(sub_codes, subs, strict=True)
                ],
            }
        )
    if not categories:
        raise ParameterError("purposes", "Indiquez au moins une catégorie de projet éligible.")
    return categories


def format_purposes(purposes: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{p['label']} : " + " ; ".join(s["label"] for s in p["subcategories"]) for p in purposes
    )


def parse_labels(text: str, field_name: str) -> list[dict[str, str]]:
    """One label a line (excluded purposes, reorientation schemes...)."""
    items: list[dict[str, str]] = []
    seen: set[str] = set()
    for number, line in _lines(text):
        code = slug_code(line)
        if not code:
            raise ParameterError(field_name, f"Ligne {number} : libellé vide.")
        if code in seen:
            raise ParameterError(field_name, f"Ligne {number} : « {line} » est en double.")
        seen.add(code)
        items.append({"code": code, "label": line})
    return items


def format_labels(items: list[dict[str, str]]) -> str:
    return "\n".join(item["label"] for item in items)


def parse_required_documents(text: str, purposes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One document a line: « Libellé » (every project) or « Libellé : Catégorie ; Catégorie »."""
    by_code = {p["code"]: p for p in purposes}
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in _lines(text):
        label, _, rest = line.partition(":")
        label = label.strip()
        code = slug_code(label)
        if not code:
            raise ParameterError("required_documents", f"Ligne {number} : libellé vide.")
        if code in seen:
            raise ParameterError(
                "required_documents", f"Ligne {number} : « {label} » est en double."
            )
        seen.add(code)
        categories = []
        for name in (c.strip() for c in rest.split(";") if c.strip()):
            category = slug_code(name)
            if category not in by_code:
                raise ParameterError(
                    "required_documents",
                    f"Ligne {number} : « {name} » n'est pas une catégorie de projet éligible.",
                )
            categories.append(category)
        items.append({"code": code, "label": label, "purposes": categories})
    return items


def format_required_documents(items: list[dict[str, Any]], purposes: list[dict[str, Any]]) -> str:
    labels = {p["code"]: p["label"] for p in purposes}
    return "\n".join(
        item["label"]
        + (
            " : " + " ; ".join(labels.get(c, c) for c in item["purposes"])
            if item["purposes"]
            else ""
        )
        for item in items
    )


def parse_territory(text: str, communes: Mapping[str, str]) -> list[dict[str, Any]]:
    """One commune a line: « code INSEE : code postal, code postal »; names come from `communes`."""
    territory: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, line in _lines(text):
        insee, _, rest = line.partition(":")
        insee = insee.strip().upper()
        if not _INSEE.match(insee):
            raise ParameterError(
                "territory",
                f"Ligne {number} : « {insee} » n'est pas un code commune INSEE (5 caractères).",
            )
        if insee not in communes:
            raise ParameterError(
                "territory", f"Ligne {number} : le code commune INSEE {insee} est inconnu."
            )
        if insee in seen:
            raise ParameterError("territory", f"Ligne {number} : la commune {insee} est en double.")
        seen.add(insee)
        postcodes = [p.strip() for p in rest.split(",") if p.strip()]
        for postcode in postcodes:
            if not _POSTCODE.match(postcode):
                raise ParameterError(
                    "territory",
                    f"Ligne {number} : « {postcode} » n'est pas un code postal (5 chiffres).",
                )
        territory.append({"insee": insee, "name": communes[insee], "postcodes": postcodes})
    if not territory:
        raise ParameterError("territory", "Indiquez au moins une commune du territoire.")
    return territory


def format_territory(territory: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['insee']} : {', '.join(c['postcodes'])}" for c in territory)


def parse_usury_table(text: str) -> list[dict[str, str | None]]:
    """One threshold a line: « date d'effet ; montant maximal (vide = au-delà) ; taux % »."""
    rows: list[dict[str, str | None]] = []
    for number, line in _lines(text):
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 3:
            raise ParameterError(
                "usury_thresholds",
                f"Ligne {number} : trois valeurs attendues (date ; montant maximal ; taux).",
            )
        try:
            valid_from = date.fromisoformat(parts[0])
        except ValueError as exc:
            raise ParameterError(
                "usury_thresholds", f"Ligne {number} : date « {parts[0]} » invalide (AAAA-MM-JJ)."
            ) from exc
        try:
            up_to = parse_decimal(parts[1]) if parts[1] else None
            rate = parse_decimal(parts[2].rstrip("%").strip())
        except ValueError as exc:
            raise ParameterError("usury_thresholds", f"Ligne {number} : {exc}") from exc
        if up_to is not None and up_to <= 0:
            raise ParameterError(
                "usury_thresholds", f"Ligne {number} : le montant doit être positif."
            )
        if not Decimal(0) < rate < Decimal(100):
            raise ParameterError(
                "usury_thresholds", f"Ligne {number} : le taux doit être compris entre 0 et 100 %."
            )
        rows.append(
            {
                "valid_from": valid_from.isoformat(),
                "amount_up_to": f"{up_to:.2f}" if up_to is not None else None,
                "rate_percent": f"{rate:.2f}",
            }
        )
    if not rows:
        raise ParameterError("usury_thresholds", "Indiquez au moins un seuil de l'usure.")
    keys = [(r["valid_from"], r["amount_up_to"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise ParameterError("usury_thresholds", "Deux seuils ont la même date et la même tranche.")
    return sorted(
        rows, key=lambda r: (r["valid_from"] or "", Decimal(r["amount_up_to"] or "Infinity"))
    )


def format_usury_table(rows: list[dict[str, str | None]]) -> str:
    return "\n".join(
        f"{r['valid_from']} ; {r['amount_up_to'] or ''} ; {r['rate_percent']}" for r in rows
    )


def buckets_problem(buckets: list[int]) -> str | None:
    """What is wrong with arrears buckets (days past due), or None: whole numbers of days,
    increasing, the first at least 1 (loan_engine.bucket_label's bounds)."""
    if not buckets:
        return "Indiquez au moins un seuil de retard (en jours), par exemple « 1, 30, 60, 90 »."
    if any(isinstance(b, bool) or not isinstance(b, int) for b in buckets):
        return "Les seuils de retard sont des nombres entiers de jours."
    if buckets[0] < 1:
        return "Le premier seuil de retard est d'au moins 1 jour."
    if any(a >= b for a, b in pairwise(buckets)):
        return "Les seuils de retard doivent être croissants, sans doublon."
    return None


def parse_arrears_buckets(text: str) -> list[int]:
    """Days past due separated by commas, semicolons or spaces: « 1, 30, 60, 90 »."""
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    buckets: list[int] = []
    for part in parts:
        if not part.isdigit():
            raise ParameterError(
                "arrears_buckets",
                f"« {part} » n'est pas un nombre entier de jours (exemple : « 1, 30, 60, 90 »).",
            )
        buckets.append(int(part))
    problem = buckets_problem(buckets)
    if problem:
        raise ParameterError("arrears_buckets", problem)
    return buckets


def format_arrears_buckets(buckets: list[int]) -> str:
    return ", ".join(str(b) for b in buckets)


@dataclass(frozen=True)
class ParameterCheck:
    """The cross-field checks of a parameter set; `errors` maps field → French messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _both(values: ParameterValues, first: str, second: str) -> bool:
    return values.get(first) is not None and values.get(second) is not None


class ParameterValues(TypedDict, total=False):
    """The parameters of a version (everything but its identity and bookkeeping), as the
    director's form gives them and a new version stores them. The lists are the JSON shapes
    described above."""

    min_amount: Decimal
    max_amount: Decimal
    min_months: int
    max_months: int
    nominal_rate_percent: Decimal
    max_deferral_months: int
    allow_interest_only_deferral: bool
    allow_capitalised_deferral: bool
    purposes: list[dict[str, Any]]
    excluded_purposes: list[dict[str, str]]
    territory: list[dict[str, Any]]
    reorientation_schemes: list[dict[str, str]]
    required_documents: list[dict[str, Any]]
    bonification_enabled: bool
    bonification_cap: Decimal | None
    guarantor_name: str
    guarantee_rate_percent: Decimal
    guarantee_includes_interest: bool
    arrears_buckets: list[int]
    repayment_tolerance: Decimal
    max_debt_ratio_percent: Decimal
    min_remaining_income_per_uc_day: Decimal
    usury_thresholds: list[dict[str, str | None]]
    loss_rate_reference_percent: Decimal
    loss_rate_reference_source: str
    loss_rate_reference_basis: str


def check_parameters(values: ParameterValues) -> ParameterCheck:
    """Consistency of a full parameter set (bounds ordered, rates in range...)."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    def check(name: str, condition: Callable[[], bool], message: str) -> None:
        value = values.get(name)
        if value is not None and not condition():
            fail(name, message)

    check("min_amount", lambda: values["min_amount"] > 0, "Le montant minimal doit être positif.")
    if _both(values, "min_amount", "max_amount") and values["min_amount"] > values["max_amount"]:
        fail("max_amount", "Le montant maximal doit être supérieur ou égal au montant minimal.")
    check(
        "min_months", lambda: values["min_months"] >= 1, "La durée minimale est d'au moins 1 mois."
    )
    if _both(values, "min_months", "max_months") and values["min_months"] > values["max_months"]:
        fail("max_months", "La durée maximale doit être supérieure ou égale à la durée minimale.")
    check(
        "nominal_rate_percent",
        lambda: Decimal(0) <= values["nominal_rate_percent"] < Decimal(100),
        "Le taux nominal doit être compris entre 0 et 100 % (un taux négatif n'est pas possible).",
    )
    check(
        "max_deferral_months",
        lambda: values["max_deferral_months"] >= 0,
        "Le différé maximal ne peut pas être négatif.",
    )
    if values.get("max_deferral_months") and not (
        values.get("allow_interest_only_deferral") or values.get("allow_capitalised_deferral")
    ):
        fail("max_deferral_months", "Un différé est prévu : autorisez au moins un type de différé.")
    percents: dict[str, Decimal | None] = {
        "guarantee_rate_percent": values.get("guarantee_rate_percent"),
        "max_debt_ratio_percent": values.get("max_debt_ratio_percent"),
        "loss_rate_reference_percent": values.get("loss_rate_reference_percent"),
    }
    for name, label in (
        ("guarantee_rate_percent", "Le taux de garantie"),
        ("max_debt_ratio_percent", "Le taux d'endettement maximal"),
        ("loss_rate_reference_percent", "Le taux de sinistralité de référence"),
    ):
        value = percents[name]
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            fail(name, f"{label} doit être compris entre 0 et 100 %.")
    check(
        "min_remaining_income_per_uc_day",
        lambda: values["min_remaining_income_per_uc_day"] >= 0,
        "Le reste à vivre minimal ne peut pas être négatif.",
    )
    check(
        "bonification_cap",
        lambda: (values.get("bonification_cap") or 0) > 0,
        "Le plafond de bonification doit être positif (laissez vide pour aucun plafond).",
    )
    check(
        "repayment_tolerance",
        lambda: values["repayment_tolerance"] >= 0,
        "La tolérance au-delà du solde dû ne peut pas être négative.",
    )
    buckets = values.get("arrears_buckets")
    if buckets is not None:
        problem = buckets_problem(buckets) if isinstance(buckets, list) else "Seuils invalides."
        if problem:
            fail("arrears_buckets", problem)
    return ParameterCheck(errors)
