"""Pure rules of the public simulator: pre-eligibility criteria and anti-spam limits.

No Django here (an import-linter contract checks it). "Today" is always passed in. Each criterion
gives an outcome (ok / ko / unknown) and a French sentence a person in hardship can read.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from loan_engine import (
    DeferralKind,
    Limits,
    Payment,
    Schedule,
    UsuryCheck,
    UsuryThreshold,
    annual_percentage_rate,
    bonification_amount,
    build_schedule,
    check_usury,
    loan_terms,
    net_cost_after_bonification,
    validate_terms,
)
from microcredit.applicants.rules import age_on
from microcredit.core.text import fold, strip_accents

ADULT_AGE = 18

INDICATIVE_NOTICE = (
    "Ce résultat est indicatif : seul l'entretien avec le référent permet d'étudier votre demande."
)


class Outcome(enum.StrEnum):
    OK = "ok"
    KO = "ko"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One pre-eligibility criterion: what was checked, the outcome and why (in French)."""

    key: str
    label: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    criteria: tuple[Criterion, ...]
    outcome: Outcome
    summary: str
    notice: str = INDICATIVE_NOTICE


# --- Simulation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Simulation:
    """Every figure shown to a person who simulates a loan; all of them come from the engine."""

    schedule: Schedule
    apr: Decimal
    usury: UsuryCheck
    bonification_enabled: bool
    bonification: Decimal
    bonification_capped: bool
    net_cost: Decimal

    @property
    def usury_exceeded(self) -> bool:
        """The TAEG is above the usury threshold of its band (a missing table is not shown to
        the public: the CCAS's parameters, not the loan, are at fault)."""
        return not self.usury.ok and self.usury.threshold is not None

    @property
    def net_gain(self) -> Decimal:
        """What the borrower ends up ahead when the bonification exceeds the interest."""
        return -self.net_cost if self.net_cost < 0 else Decimal("0.00")

    @property
    def has_deferral(self) -> bool:
        return self.schedule.terms.deferral_months > 0


def simulate(
    *,
    amount: Decimal,
    months: int,
    annual_rate: Decimal,
    disbursement_date: date,
    deferral_months: int = 0,
    deferral_kind: DeferralKind = DeferralKind.NONE,
    limits: Limits | None = None,
    bonification_enabled: bool = True,
    bonification_cap: Decimal | None = None,
    usury_table: Sequence[UsuryThreshold] = (),
) -> Simulation:
    """Schedule, TAEG, usury check and bonification of a simulated loan.

    The simulation assumes every installment is paid on its due date and the project is
    carried out, which is what the bonification needs (the last installment paid is refunded).

    Raises:
        LoanEngineError: invalid terms, or terms outside the scheme's `limits`.
    """
    terms = loan_terms(
        principal=amount,
        annual_rate=annual_rate,
        months=months,
        disbursement_date=disbursement_date,
        deferral_months=deferral_months,
        deferral_kind=deferral_kind,
    )
    validate_terms(terms, limits)
    schedule = build_schedule(terms)
    apr = annual_percentage_rate(schedule)
    payments = [Payment(row.due_date, row.payment) for row in schedule.rows if row.payment > 0]
    bonification = bonification_amount(
        schedule,
        payments,
        fully_repaid=True,
        project_proven=True,
        guarantee_called=False,
        enabled=bonification_enabled,
        cap=bonification_cap,
    )
    uncapped = bonification_amount(
        schedule,
        payments,
        fully_repaid=True,
        project_proven=True,
        guarantee_called=False,
        enabled=bonification_enabled,
    )
    return Simulation(
        schedule=schedule,
        apr=apr,
        usury=check_usury(apr, terms.principal, disbursement_date, usury_table),
        bonification_enabled=bonification_enabled,
        bonification=bonification,
        bonification_capped=bonification < uncapped,
        net_cost=net_cost_after_bonification(schedule, bonification),
    )


# --- Age -------------------------------------------------------------------------------------


def _years(n: int) -> str:
    return f"{n} an" if n <= 1 else f"{n} ans"


def check_age(*, today: date, birth_date: date | None = None, age: int | None = None) -> Criterion:
    """Adult (18 or more) on `today`. The birth date wins over a declared age."""
    label = "Âge"
    if birth_date is not None:
        if birth_date > today:
            return Criterion(
                "age", label, Outcome.UNKNOWN, "La date de naissance indiquée est dans le futur."
            )
        age = age_on(birth_date, today)
    if age is None:
        return Criterion(
            "age",
            label,
            Outcome.UNKNOWN,
            "Vous n'avez pas indiqué votre âge : le micro-crédit est réservé aux personnes "
            "majeures.",
        )
    if age < ADULT_AGE:
        return Criterion(
            "age",
            label,
            Outcome.KO,
            f"Vous avez {_years(age)} : le micro-crédit est réservé aux personnes majeures.",
        )
    return Criterion(
        "age", label, Outcome.OK, f"Vous avez {_years(age)} : vous êtes majeur ou majeure."
    )


# --- Residence -------------------------------------------------------------------------------

_POSTCODE = re.compile(r"^\d{5}$")
_DIGITS = re.compile(r"^\d+$")
DEFAULT_POSTCODE_EXAMPLE = "42000"
_VOWELS = frozenset("aeiouœæ")


def de_commune(name: str) -> str:
    """« de » before a commune's name, as French writes it: « de Lyon », « d'Aigueperse »,
    « d'Yssingeaux », « du Chambon-Feugerolles » (« de Le »), « des Abymes » (« de Les »).

    A name starting with « h » keeps « de »: whether its « h » is mute (« d'Hyères ») or
    aspirated (« de Haguenau ») depends on the word, not on its spelling.
    """
    name = name.strip()
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    start = strip_accents(name[:2]).casefold().ljust(2)
    first, second = start[0], start[1]
    if first in _VOWELS or (first == "y" and second not in _VOWELS and second.isalpha()):
        return f"d'{name}"
    return f"de {name}"


def commune_names_by_fold(communes: Mapping[str, str]) -> dict[str, str]:
    """Folded commune name → official name, from the national list (INSEE code → name): to
    recognise a commune typed by hand, « saint etienne » for « Saint-Étienne »."""
    return {fold(name): name for name in communes.values()}


def postcode_example(territory: Sequence[Mapping[str, Any]]) -> str:
    """A postcode to show as an example: the territory's first one, else 42000."""
    for commune in territory:
        for postcode in commune.get("postcodes", []):
            return str(postcode)
    return DEFAULT_POSTCODE_EXAMPLE


def _territory_names(territory: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for commune in territory:
        postcodes = ", ".join(commune.get("postcodes", []))
        parts.append(f"{commune['name']} ({postcodes})" if postcodes else str(commune["name"]))
    return ", ".join(parts)


def check_residence(
    *,
    query: str,
    territory: Sequence[Mapping[str, Any]],
    commune_names: Mapping[str, str],
) -> Criterion:
    """Resident in the scheme's territory, from a postcode or a commune's name.

    Five digits are a postcode, compared with the postcodes the territory lists (never read as
    an INSEE code: 69002 is a postcode of Lyon and the INSEE code of Aigueperse). A name is
    compared with the territory's communes, then looked up in `commune_names` (folded name →
    official name, see `commune_names_by_fold`) to say which commune was understood.
    `territory` is the version's list of {insee, name, postcodes}.
    """
    label = "Commune de résidence"
    text = " ".join(query.split())
    compact = text.replace(" ", "")
    covered = _territory_names(territory)
    if not text:
        return Criterion(
            "residence",
            label,
            Outcome.UNKNOWN,
            f"Vous n'avez pas indiqué votre code postal. Le CCAS couvre : {covered}.",
        )
    if _POSTCODE.match(compact):
        for commune in territory:
            if compact in commune.get("postcodes", []):
                return Criterion(
                    "residence",
                    label,
                    Outcome.OK,
                    f"{commune['name']} ({compact}) fait partie du territoire du CCAS.",
                )
        return Criterion(
            "residence",
            label,
            Outcome.KO,
            f"Le code postal {compact} ne fait pas partie du territoire du CCAS, qui couvre : "
            f"{covered}. Le CCAS de votre commune peut vous renseigner sur les aides "
            "proposées chez vous.",
        )
    if _DIGITS.match(compact):
        return Criterion(
            "residence",
            label,
            Outcome.UNKNOWN,
            f"« {text} » n'est pas un code postal : un code postal a 5 chiffres, par exemple "
            f"{postcode_example(territory)}. Le CCAS couvre : {covered}.",
        )
    folded = fold(text)
    for commune in territory:
        if folded == fold(str(commune["name"])):
            return Criterion(
                "residence",
                label,
                Outcome.OK,
                f"{commune['name']} fait partie du territoire du CCAS.",
            )
    name = commune_names.get(folded)
    if name is not None:
        return Criterion(
            "residence",
            label,
            Outcome.KO,
            f"{name} ne fait pas partie du territoire du CCAS, qui couvre : {covered}. "
            f"Le CCAS {de_commune(name)} peut vous renseigner sur les aides proposées chez vous.",
        )
    return Criterion(
        "residence",
        label,
        Outcome.UNKNOWN,
        f"Nous n'avons pas reconnu « {text} ». Indiquez votre code postal (5 chiffres, par "
        f"exemple {postcode_example(territory)}). Le CCAS couvre : {covered}.",
    )


# --- Purpose ---------------------------------------------------------------------------------

# Where to turn for a request the scheme excludes (matched on words of the excluded code).
_EXCLUSION_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("entreprise",), "pensez au microcrédit professionnel."),
    (
        ("dette", "impaye", "rachat", "tresorerie"),
        "le référent du CCAS peut vous orienter vers un Point conseil budget ou, si besoin, "
        "vers un dossier de surendettement auprès de la Banque de France.",
    ),
)
_DEFAULT_HINT = "le référent du CCAS peut vous orienter vers une aide mieux adaptée."


def _hint(code: str) -> str:
    for words, hint in _EXCLUSION_HINTS:
        if any(word in code for word in words):
            return hint
    return _DEFAULT_HINT


def check_purpose(
    *,
    code: str,
    purposes: Sequence[Mapping[str, Any]],
    excluded: Sequence[Mapping[str, Any]],
) -> Criterion:
    """The project belongs to an eligible category; excluded requests say where to turn."""
    label = "Projet"
    if not code:
        return Criterion(
            "purpose", label, Outcome.UNKNOWN, "Vous n'avez pas indiqué le type de votre projet."
        )
    for purpose in purposes:
        if purpose["code"] == code:
            return Criterion(
                "purpose",
                label,
                Outcome.OK,
                f"« {purpose['label']} » fait partie des projets que le micro-crédit personnel "
                "peut financer.",
            )
    for item in excluded:
        if item["code"] == code:
            return Criterion(
                "purpose",
                label,
                Outcome.KO,
                f"« {item['label']} » est exclu du micro-crédit personnel : {_hint(code)}",
            )
    return Criterion(
        "purpose", label, Outcome.UNKNOWN, "Ce type de projet n'est pas dans la liste du CCAS."
    )


# --- Overall ---------------------------------------------------------------------------------


def eligibility(criteria: Sequence[Criterion]) -> Eligibility:
    """Combine the criteria: one ko → ko; otherwise one unknown → unknown; else ok."""
    outcomes = {c.outcome for c in criteria}
    if Outcome.KO in outcomes:
        outcome = Outcome.KO
        summary = (
            "D'après vos réponses, le micro-crédit personnel ne semble pas adapté à votre "
            "situation. Le CCAS peut tout de même vous conseiller : vous pouvez demander un "
            "rendez-vous."
        )
    elif Outcome.UNKNOWN in outcomes:
        outcome = Outcome.UNKNOWN
        summary = (
            "Il manque des informations pour vous répondre : complétez les réponses signalées, "
            "ou demandez directement un rendez-vous."
        )
    else:
        outcome = Outcome.OK
        summary = (
            "D'après vos réponses, vous remplissez les premières conditions du micro-crédit "
            "personnel. Vous pouvez demander un rendez-vous avec un référent."
        )
    return Eligibility(tuple(criteria), outcome, summary)


def check_eligibility(
    *,
    today: date,
    birth_date: date | None,
    age: int | None,
    commune: str,
    purpose_code: str,
    territory: Sequence[Mapping[str, Any]],
    commune_names: Mapping[str, str],
    purposes: Sequence[Mapping[str, Any]],
    excluded: Sequence[Mapping[str, Any]],
) -> Eligibility:
    return eligibility(
        [
            check_age(today=today, birth_date=birth_date, age=age),
            check_residence(query=commune, territory=territory, commune_names=commune_names),
            check_purpose(code=purpose_code, purposes=purposes, excluded=excluded),
        ]
    )


# --- Contact requests: anti-spam limits ------------------------------------------------------

MAX_REQUESTS_PER_CLIENT_PER_HOUR = 5
MAX_REQUESTS_PER_CONTACT_PER_HOUR = 3

RATE_LIMIT_MESSAGE = (
    "Vous avez déjà envoyé plusieurs demandes dans l'heure : le CCAS vous recontactera. "
    "Réessayez plus tard si besoin."
)


def contact_rate_limited(
    *, client_requests_last_hour: int, contact_requests_last_hour: int
) -> bool:
    """True when one more request would exceed 5 an hour per client or 3 an hour per contact."""
    return (
        client_requests_last_hour >= MAX_REQUESTS_PER_CLIENT_PER_HOUR
        or contact_requests_last_hour >= MAX_REQUESTS_PER_CONTACT_PER_HOUR
    )


_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]")
_FRENCH_PHONE = re.compile(r"^(?:\+33|0033|0)([1-9]\d{8})$")
_INTERNATIONAL_PHONE = re.compile(r"^\+\d{8,15}$")


def normalise_phone(text: str) -> str | None:
    """« 06 12 34 56 78 » / « +33 6 12 34 56 78 » → "0612345678"; other countries keep their
    « +… » form; None when it is not a phone number."""
    compact = _PHONE_SEPARATORS.sub("", text)
    match = _FRENCH_PHONE.match(compact)
    if match:
        return "0" + match.group(1)
    if _INTERNATIONAL_PHONE.match(compact):
        return compact
    return None
