"""Pure eligibility rules of a dossier, against the parameter version in force (no Django).

Each criterion states its outcome and its reason in French for the référent. Eligibility informs;
people decide: a failed criterion never blocks a dossier by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from microcredit.applicants.rules import age_on
from microcredit.core.formatting import format_date, format_eur
from microcredit.simulator.rules import ADULT_AGE, Criterion, Outcome


@dataclass(frozen=True)
class EligibilityInput:
    application_date: date
    birth_date: date | None
    commune_code: str
    postcode: str
    purpose_category: str
    purpose_subcategory: str
    requested_amount: Decimal | None
    requested_months: int | None
    deferral_months: int
    deferral_kind: str  # "none" / "interest_only" / "capitalised"
    no_ordinary_credit: bool
    no_ordinary_credit_evidence: str


@dataclass(frozen=True)
class SchemeBounds:
    """The parts of a parameter version the eligibility reads."""

    territory: Sequence[Mapping[str, Any]]
    purposes: Sequence[Mapping[str, Any]]
    excluded: Sequence[Mapping[str, Any]]
    min_amount: Decimal
    max_amount: Decimal
    min_months: int
    max_months: int
    max_deferral_months: int
    allow_interest_only_deferral: bool
    allow_capitalised_deferral: bool


def _ok(key: str, label: str, reason: str) -> Criterion:
    return Criterion(key, label, Outcome.OK, reason)


def _ko(key: str, label: str, reason: str) -> Criterion:
    return Criterion(key, label, Outcome.KO, reason)


def _unknown(key: str, label: str, reason: str) -> Criterion:
    return Criterion(key, label, Outcome.UNKNOWN, reason)


def check_adult(data: EligibilityInput) -> Criterion:
    label = "Majorité"
    if data.birth_date is None:
        return _unknown("adult", label, "La date de naissance n'est pas renseignée.")
    age = age_on(data.birth_date, data.application_date)
    when = format_date(data.application_date)
    if age < ADULT_AGE:
        return _ko("adult", label, f"Le demandeur a {age} ans à la date de la demande ({when}).")
    return _ok("adult", label, f"Le demandeur a {age} ans à la date de la demande ({when}).")


def check_territory(data: EligibilityInput, bounds: SchemeBounds) -> Criterion:
    label = "Territoire"
    names = ", ".join(str(c["name"]) for c in bounds.territory)
    if not data.commune_code:
        return _unknown("territory", label, "Le code commune de l'adresse n'est pas renseigné.")
    for commune in bounds.territory:
        if commune["insee"] == data.commune_code:
            postcodes = commune.get("postcodes") or []
            if postcodes and data.postcode not in postcodes:
                return _unknown(
                    "territory",
                    label,
                    f"La commune {commune['name']} fait partie du territoire, mais le code "
                    f"postal {data.postcode} n'est pas l'un des siens ({', '.join(postcodes)}) : "
                    "vérifiez l'adresse.",
                )
            return _ok(
                "territory", label, f"Le demandeur réside à {commune['name']}, dans le territoire."
            )
    return _ko(
        "territory",
        label,
        f"La commune de résidence (code {data.commune_code}) n'est pas dans le territoire du "
        f"dispositif ({names}).",
    )


def check_purpose(data: EligibilityInput, bounds: SchemeBounds) -> Criterion:
    label = "Projet"
    excluded = {e["code"]: e["label"] for e in bounds.excluded}
    if data.purpose_category in excluded:
        return _ko(
            "purpose", label, f"« {excluded[data.purpose_category]} » est exclu du dispositif."
        )
    for purpose in bounds.purposes:
        if purpose["code"] == data.purpose_category:
            subs = {s["code"]: s["label"] for s in purpose["subcategories"]}
            if data.purpose_subcategory and data.purpose_subcategory not in subs:
                return _unknown(
                    "purpose",
                    label,
                    f"La sous-catégorie n'est plus prévue pour « {purpose['label']} » dans les "
                    "paramètres en vigueur.",
                )
            detail = f" ({subs[data.purpose_subcategory]})" if data.purpose_subcategory else ""
            return _ok("purpose", label, f"« {purpose['label']}{detail} » est un projet éligible.")
    return _ko(
        "purpose",
        label,
        "La catégorie de projet ne fait pas partie des projets éligibles des paramètres en "
        "vigueur.",
    )


def check_amount(data: EligibilityInput, bounds: SchemeBounds) -> Criterion:
    label = "Montant"
    span = f"entre {format_eur(bounds.min_amount)} et {format_eur(bounds.max_amount)}"
    if data.requested_amount is None:
        return _unknown("amount", label, "Le montant demandé n'est pas renseigné.")
    amount = format_eur(data.requested_amount)
    if not bounds.min_amount <= data.requested_amount <= bounds.max_amount:
        return _ko("amount", label, f"{amount} demandés : le dispositif prête {span}.")
    return _ok("amount", label, f"{amount} demandés, {span}.")


def check_duration(data: EligibilityInput, bounds: SchemeBounds) -> Criterion:
    label = "Durée"
    span = f"de {bounds.min_months} à {bounds.max_months} mensualités"
    if data.requested_months is None:
        return _unknown("duration", label, "La durée demandée n'est pas renseignée.")
    if not bounds.min_months <= data.requested_months <= bounds.max_months:
        return _ko(
            "duration",
            label,
            f"{data.requested_months} mensualités : le dispositif prévoit {span}.",
        )
    return _ok("duration", label, f"{data.requested_months} mensualités, {span}.")


def check_deferral(data: EligibilityInput, bounds: SchemeBounds) -> Criterion:
    label = "Différé"
    if data.deferral_months == 0:
        return _ok("deferral", label, "Pas de différé demandé.")
    if data.deferral_months > bounds.max_deferral_months:
        return _ko(
            "deferral",
            label,
            f"{data.deferral_months} mois de différé : au plus {bounds.max_deferral_months}.",
        )
    allowed = {
        "interest_only": bounds.allow_interest_only_deferral,
        "capitalised": bounds.allow_capitalised_deferral,
    }
    if not allowed.get(data.deferral_kind, False):
        return _ko("deferral", label, "Ce type de différé n'est pas prévu par le dispositif.")
    return _ok(
        "deferral", label, f"{data.deferral_months} mois, au plus {bounds.max_deferral_months}."
    )


def check_no_ordinary_credit(data: EligibilityInput) -> Criterion:
    label = "Pas d'accès au crédit classique"
    if not data.no_ordinary_credit:
        return _unknown(
            "no_ordinary_credit",
            label,
            "La déclaration d'absence d'accès au crédit bancaire classique n'est pas recueillie.",
        )
    if not data.no_ordinary_credit_evidence.strip():
        return _unknown(
            "no_ordinary_credit", label, "Le demandeur l'a déclaré ; la justification manque."
        )
    return _ok("no_ordinary_credit", label, "Déclaré et justifié.")


def check_dossier_eligibility(
    data: EligibilityInput, bounds: SchemeBounds
) -> tuple[Outcome, tuple[Criterion, ...]]:
    """Every criterion with its outcome; overall: one ko → ko, else one unknown → unknown."""
    criteria = (
        check_adult(data),
        check_territory(data, bounds),
        check_purpose(data, bounds),
        check_amount(data, bounds),
        check_duration(data, bounds),
        check_deferral(data, bounds),
        check_no_ordinary_credit(data),
    )
    outcomes = {c.outcome for c in criteria}
    if Outcome.KO in outcomes:
        return Outcome.KO, criteria
    if Outcome.UNKNOWN in outcomes:
        return Outcome.UNKNOWN, criteria
    return Outcome.OK, criteria


@dataclass(frozen=True)
class EligibilityTally:
    """How many criteria a stored eligibility check met, and which ones it did not (by label, in
    the order of the check): what its banner says."""

    total: int
    met: int
    failed: tuple[str, ...]
    incomplete: tuple[str, ...]


def eligibility_tally(criteria: Iterable[Mapping[str, Any]]) -> EligibilityTally:
    """The tally of a check's criteria as stored (``{"label", "outcome", …}`` each)."""
    rows = list(criteria)
    return EligibilityTally(
        total=len(rows),
        met=sum(1 for c in rows if c["outcome"] == Outcome.OK),
        failed=tuple(str(c["label"]) for c in rows if c["outcome"] == Outcome.KO),
        incomplete=tuple(str(c["label"]) for c in rows if c["outcome"] == Outcome.UNKNOWN),
    )


@dataclass(frozen=True)
class LoanBounds:
    """The scheme's bounds on the loan asked for (the parameter version in force)."""

    min_amount: Decimal
    max_amount: Decimal
    min_months: int
    max_months: int
    max_deferral_months: int


class RequestWarningKind:
    AMOUNT_BELOW = "amount_below"
    AMOUNT_ABOVE = "amount_above"
    MONTHS_BELOW = "months_below"
    MONTHS_ABOVE = "months_above"
    DEFERRAL_ABOVE = "deferral_above"


@dataclass(frozen=True)
class RequestWarning:
    """A loan asked for outside the scheme's bounds: the field, what was asked, the bound."""

    field: str
    kind: str
    value: Decimal | int
    bound: Decimal | int


def request_warnings(
    amount: Decimal | None, months: int | None, deferral_months: int, bounds: LoanBounds
) -> tuple[RequestWarning, ...]:
    """What the loan asked for has outside the scheme's bounds. A warning, never a refusal: the
    dossier may be recorded and the commission decides."""
    K = RequestWarningKind
    found: list[RequestWarning] = []
    if amount is not None and amount > 0:
        if amount < bounds.min_amount:
            found.append(
                RequestWarning("requested_amount", K.AMOUNT_BELOW, amount, bounds.min_amount)
            )
        elif amount > bounds.max_amount:
            found.append(
                RequestWarning("requested_amount", K.AMOUNT_ABOVE, amount, bounds.max_amount)
            )
    if months is not None and months > 0:
        if months < bounds.min_months:
            found.append(
                RequestWarning("requested_months", K.MONTHS_BELOW, months, bounds.min_months)
            )
        elif months > bounds.max_months:
            found.append(
                RequestWarning("requested_months", K.MONTHS_ABOVE, months, bounds.max_months)
            )
    if deferral_months > bounds.max_deferral_months:
        found.append(
            RequestWarning(
                "requested_deferral_months",
                K.DEFERRAL_ABOVE,
                deferral_months,
                bounds.max_deferral_months,
            )
        )
    return tuple(found)


# The platform's dossier numbers: MC-2026-00042.
NUMBER_PREFIX = "MC"


def format_dossier_number(prefix: str, year: int, number: int) -> str:
    """MC-2026-00042."""
    return f"{prefix}-{year}-{number:05d}"


# --- The funnel, as the bilan counts it and the dossier list filters it ----------------------


def gettext_noop(message: str) -> str:
    """Marks a label for the translation catalogue without Django (makemessages finds the
    name); the pages translate it with `gettext` when they show it."""
    return message


# The funnel's stages, in order: (key, label, the dossier states that enter it). A dossier of the
# cohort reached a stage when it has an event into that stage or a later one. The one definition:
# `reporting.rules` (the bilan's funnel) and the dossier list's `etape` filter read it here.
FUNNEL_STAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("received", gettext_noop("reçus"), ("reception",)),
    ("diagnosis", gettext_noop("diagnostic"), ("diagnosis",)),
    ("instruction", gettext_noop("instruction"), ("instruction",)),
    (
        "committee",
        gettext_noop("commission"),
        ("ready_for_committee", "adjourned", "refused_by_committee"),
    ),
    (
        "transmitted",
        gettext_noop("transmis à la banque"),
        ("transmitted_to_bank", "refused_by_bank"),
    ),
    ("granted", gettext_noop("accordés par la banque"), ("granted",)),
    ("disbursed", gettext_noop("décaissés"), ("disbursed", "repaid", "guarantee_called")),
)

# The states a dossier is done in for its référent (it leaves the caseload): the bilan's
# caseload and the dossier list's `en_cours` filter.
OUT_OF_CASELOAD_STATES: tuple[str, ...] = (
    "repaid",
    "guarantee_called",
    "closed",
    "reoriented",
    "withdrawn",
    "refused_by_committee",
    "refused_by_bank",
)


def states_reaching(stage: str) -> tuple[str, ...] | None:
    """The states whose events show that a dossier reached `stage` (the stage's and every later
    one's); None for an unknown stage or for « received », which every dossier reached."""
    keys = [key for key, _label, _states in FUNNEL_STAGES]
    if stage not in keys or stage == keys[0]:
        return None
    index = keys.index(stage)
    return tuple(state for _key, _label, group in FUNNEL_STAGES[index:] for state in group)
