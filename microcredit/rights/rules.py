"""Pure rules of the unclaimed-rights check (non-recours): the household situation given to
OpenFisca-France, the estimate it returns, and the comparison with what the budget declares.

No Django and no OpenFisca import here (both are forbidden so that this module stays cheap to
import); ``microcredit.rights.engine`` runs OpenFisca-France and fills :class:`RightsAssessment`.
Every amount is an *estimate*: the sentences say so and never state a right as certain.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from microcredit.budgets.rules import HousingStatus, MemberRole, ResourceType, age_on
from microcredit.core.formatting import format_eur

__all__ = [
    "COVERAGE_CAVEATS",
    "COVERAGE_VERSION",
    "DEFAULT_TOLERANCE",
    "HOUSING_FORFAIT_NOTE",
    "HOW_TO_CLAIM",
    "RIGHT_LABELS",
    "RIGHT_OUTCOME_LABELS",
    "Activity",
    "CoupleKind",
    "HouseholdSituation",
    "PersonSituation",
    "RightCode",
    "RightOutcome",
    "RightToCheck",
    "RightsAssessment",
    "coverage_caveats",
    "rights_to_check",
    "validate_situation",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

DEFAULT_TOLERANCE = Decimal("10.00")
"""A right is listed when its estimate exceeds what is declared by more than this (€/month)."""

COVERAGE_VERSION = "176.1.8"
"""The openfisca-france version whose legislation coverage ``COVERAGE_CAVEATS`` describes."""

LAST_RSA_PPA_AF_MONTH = date(2026, 4, 1)
LAST_HOUSING_AID_MONTH = date(2026, 10, 1)

COVERAGE_CAVEATS: tuple[str, ...] = (
    "Estimation indicative calculée avec OpenFisca-France : seul l'organisme qui verse l'aide "
    "(CAF, MSA, CPAM ou administration fiscale) décide du droit et de son montant.",
    "Les montants du RSA, de la prime d'activité et des allocations familiales sont à jour "
    "jusqu'en avril 2026 ; au-delà, les derniers barèmes connus sont reconduits.",
    "Les barèmes des aides au logement sont à jour jusqu'en octobre 2026.",
    "Les plafonds de ressources de la complémentaire santé solidaire datent d'avril 2024 : "
    "l'éligibilité et la participation sont à confirmer auprès de la CPAM.",
    "Le barème du chèque énergie utilisé date de 2021 : son montant est un ordre de grandeur.",
    "Les revenus des mois passés non renseignés sont supposés égaux à ceux du mois étudié, et "
    "les montants nets sont aussi retenus comme montants imposables.",
)
"""French sentences to show next to every estimate (coverage of openfisca-france 176.1.8)."""


# --- Situation --------------------------------------------------------------------------------


class Activity(enum.StrEnum):
    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    STUDENT = "student"
    RETIRED = "retired"
    INACTIVE = "inactive"


class CoupleKind(enum.StrEnum):
    """How a couple lives together: married and pacsed couples file one tax return."""

    MARRIED = "married"
    PACS = "pacs"
    COHABITING = "cohabiting"


@dataclass(frozen=True, slots=True)
class PersonSituation:
    """One person of the household for the month studied (monthly amounts in euros).

    Attributes:
        role: applicant, spouse, child at charge or other adult (own CAF file and tax return).
        birth_date: date of birth.
        activity: employed, unemployed, student, retired or inactive.
        net_salary: net salary of the month studied.
        taxable_salary: taxable salary of the month studied (default: ``net_salary``).
        salary_history: ``(first of month, net salary)`` for past months back to January of
            year N-2; a month not given is taken equal to ``net_salary`` (stable income).
        unemployment_benefit: net unemployment benefit of the month (stable over the window).
        pension: net retirement or invalidity pension of the month (stable over the window).
        aah: allocation aux adultes handicapés received for the month (stable over the
            window). The estimate never computes the AAH itself (it needs the disability rate
            the CDAPH decides): it takes what is declared, 0 by default.
        alimony_received: alimony received for the month (stable over the window).
    """

    role: MemberRole
    birth_date: date
    activity: Activity = Activity.INACTIVE
    net_salary: Decimal = ZERO
    taxable_salary: Decimal | None = None
    salary_history: tuple[tuple[date, Decimal], ...] = ()
    unemployment_benefit: Decimal = ZERO
    pension: Decimal = ZERO
    aah: Decimal = ZERO
    alimony_received: Decimal = ZERO

    def __post_init__(self) -> None:
        object.__setattr__(self, "salary_history", tuple(self.salary_history))


@dataclass(frozen=True, slots=True)
class HouseholdSituation:
    """A household for the month studied (``month`` is the first day of the month).

    Attributes:
        housing: occupancy status (tenant, owner, hosted free...).
        rent: monthly rent (0 when not a tenant).
        commune_insee: commune INSEE code (Saint-Étienne: ``"42218"``).
        receives_housing_aid: the household already receives housing aid. When it does not,
            the estimate assumes no housing aid in past months (the model would otherwise assume
            it was claimed and lower the prime d'activité and RSA accordingly).
        other_parent_pays_alimony: for a lone parent, whether the other parent pays the
            alimony (``None``: not asked); the ASF sentence depends on it.
        separation_recent: separated (or widowed) less than 18 months ago.
        couple: how the applicant and the spouse live together, when there is a spouse.
    """

    month: date
    members: tuple[PersonSituation, ...]
    housing: HousingStatus
    rent: Decimal = ZERO
    commune_insee: str = ""
    receives_housing_aid: bool = False
    other_parent_pays_alimony: bool | None = None
    separation_recent: bool = False
    couple: CoupleKind = CoupleKind.MARRIED

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))

    @property
    def is_lone_parent(self) -> bool:
        roles = [m.role for m in self.members]
        return MemberRole.SPOUSE not in roles and MemberRole.CHILD in roles


_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")


def _money_problem(value: object, what: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        return f"Le montant « {what} » n'est pas un nombre valide."
    if value < 0:
        return f"Le montant « {what} » ne peut pas être négatif."
    return None


def validate_situation(situation: HouseholdSituation) -> list[str]:
    """French sentences describing what is missing or wrong (empty list: the estimate can run)."""
    problems: list[str] = []
    month = situation.month
    month_ok = isinstance(month, date) and month.day == 1
    if not month_ok:
        problems.append("Le mois étudié doit être indiqué par le premier jour du mois.")
    if not situation.members:
        problems.append("Aucun membre du foyer n'est renseigné.")
    applicants = [m for m in situation.members if m.role is MemberRole.APPLICANT]
    if situation.members and len(applicants) != 1:
        problems.append("Le foyer doit comporter un et un seul demandeur.")
    if sum(1 for m in situation.members if m.role is MemberRole.SPOUSE) > 1:
        problems.append("Le foyer ne peut comporter qu'un seul conjoint.")
    for number, person in enumerate(situation.members, 1):
        who = f"la personne n° {number}"
        if not isinstance(person.birth_date, date):
            problems.append(f"La date de naissance de {who} manque.")
        elif month_ok and person.birth_date > month:
            problems.append(f"La date de naissance de {who} est postérieure au mois étudié.")
        elif (
            month_ok
            and person.role is MemberRole.APPLICANT
            and age_on(person.birth_date, month) < 18
        ):
            problems.append("Le demandeur doit être majeur.")
        fields = {
            "salaire net": person.net_salary,
            "pension alimentaire reçue": person.alimony_received,
            "allocation chômage": person.unemployment_benefit,
            "pension de retraite": person.pension,
            "AAH": person.aah,
        }
        if person.taxable_salary is not None:
            fields["salaire imposable"] = person.taxable_salary
        for what, value in fields.items():
            problem = _money_problem(value, f"{what} de {who}")
            if problem:
                problems.append(problem)
        for when, amount in person.salary_history:
            problem = _money_problem(amount, f"salaire de {who} en {when:%m/%Y}")
            if problem:
                problems.append(problem)
            if month_ok and not date(month.year - 2, 1, 1) <= when < month:
                problems.append(
                    f"L'historique de salaire de {who} ({when:%m/%Y}) doit porter sur les mois "
                    f"de janvier {month.year - 2} au mois précédant le mois étudié."
                )
    problem = _money_problem(situation.rent, "loyer")
    if problem:
        problems.append(problem)
    elif situation.housing.is_tenant and situation.rent <= 0:
        problems.append("Le foyer est locataire mais aucun loyer n'est renseigné.")
    if not _INSEE.match(situation.commune_insee or ""):
        problems.append("Le code commune INSEE du logement manque ou est invalide (5 caractères).")
    return problems


# --- Result -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RightsAssessment:
    """OpenFisca-France's estimate for one household and one month.

    Monthly amounts (``Decimal``, half-up to the cent) for ``month``; ``cheque_energie`` is the
    yearly amount for ``cheque_energie_year``. ``cmu_c`` is the free complémentaire santé
    solidaire; ``css_participation_forfaitaire`` > 0 means the paying one (amount due monthly).
    ``rsa_base_amount`` is the RSA montant forfaitaire for one person at ``month``.
    """

    month: date
    openfisca_france_version: str
    ppa: Decimal
    rsa: Decimal
    asf: Decimal
    aide_logement: Decimal
    af: Decimal
    cmu_c: bool
    css_participation_forfaitaire: Decimal
    cheque_energie: Decimal
    cheque_energie_year: int
    rsa_base_amount: Decimal
    caveats: tuple[str, ...] = COVERAGE_CAVEATS


def coverage_caveats(month: date, version: str) -> tuple[str, ...]:
    """``COVERAGE_CAVEATS`` plus the sentences that apply to this month and version."""
    extra: list[str] = []
    if month > LAST_RSA_PPA_AF_MONTH:
        extra.append(
            f"Le mois étudié ({month:%m/%Y}) est postérieur aux derniers barèmes connus du RSA, de "
            "la prime d'activité et des allocations familiales (04/2026) : montants sous-estimés "
            "d'une éventuelle revalorisation."
        )
    if month > LAST_HOUSING_AID_MONTH:
        extra.append(
            f"Le mois étudié ({month:%m/%Y}) est postérieur aux derniers barèmes connus des aides "
            "au logement (10/2026)."
        )
    if version != COVERAGE_VERSION:
        extra.append(
            f"Ces limites ont été relevées sur OpenFisca-France {COVERAGE_VERSION} ; le calcul a "
            f"utilisé la version {version}."
        )
    return COVERAGE_CAVEATS + tuple(extra)


# --- Comparison ---------------------------------------------------------------------------------


class RightCode(enum.StrEnum):
    PPA = "ppa"
    RSA = "rsa"
    ASF = "asf"
    AIDE_LOGEMENT = "aide_logement"
    AF = "af"
    CSS = "css"
    CHEQUE_ENERGIE = "cheque_energie"


RIGHT_LABELS: Mapping[RightCode, str] = {
    RightCode.PPA: "Prime d'activité",
    RightCode.RSA: "Revenu de solidarité active (RSA)",
    RightCode.ASF: "Allocation de soutien familial (ASF)",
    RightCode.AIDE_LOGEMENT: "Aide au logement (APL, ALF ou ALS)",
    RightCode.AF: "Allocations familiales",
    RightCode.CSS: "Complémentaire santé solidaire",
    RightCode.CHEQUE_ENERGIE: "Chèque énergie",
}

HOW_TO_CLAIM: Mapping[RightCode, str] = {
    RightCode.PPA: (
        "Demande en ligne sur caf.fr (ou msa.fr pour le régime agricole) ; le droit part du mois "
        "de la demande, sans effet rétroactif : ne pas tarder. Une déclaration trimestrielle de "
        "ressources suit."
    ),
    RightCode.RSA: (
        "Demande auprès de la CAF (ou de la MSA), en ligne sur caf.fr ou avec l'aide du CCAS ; "
        "l'ouverture du droit s'accompagne d'une orientation vers un accompagnement."
    ),
    RightCode.ASF: (
        "Demande à la CAF : l'ASF est versée au parent qui élève seul son enfant quand l'autre "
        "parent ne verse pas la pension alimentaire ou verse moins que l'ASF ; la CAF peut aussi "
        "aider à fixer ou à recouvrer la pension."
    ),
    RightCode.AIDE_LOGEMENT: (
        "Demande en ligne sur caf.fr (rubrique aides au logement) avec le bail et les "
        "coordonnées du bailleur ; l'aide peut être versée directement au bailleur."
    ),
    RightCode.AF: (
        "Les allocations familiales sont versées par la CAF dès deux enfants à charge : vérifier "
        "que le dossier CAF est ouvert et que la composition du foyer y est à jour."
    ),
    RightCode.CSS: (
        "Demande auprès de la caisse d'assurance maladie (CPAM), en ligne sur ameli.fr ou avec "
        "le formulaire de demande ; le droit est ouvert pour un an."
    ),
    RightCode.CHEQUE_ENERGIE: (
        "Aucune demande à faire : le chèque énergie est envoyé au printemps aux ménages éligibles "
        "d'après leur déclaration de revenus. S'il n'a pas été reçu, vérifier que la déclaration "
        "de revenus a été faite et consulter chequeenergie.gouv.fr."
    ),
}


HOUSING_FORFAIT_NOTE = (
    " Une fois l'aide au logement perçue, ce montant sera réduit d'un forfait logement."
)
"""Appended to the PPA and RSA sentences when housing aid is also to be claimed: the estimate
assumes no housing aid received, as today."""


class RightOutcome(enum.StrEnum):
    """What the référent records for a right to check (counted by the statistics)."""

    ALREADY_RECEIVED = "already_received"
    CLAIM_STARTED = "claim_started"
    OPENED = "opened"
    NOT_ELIGIBLE = "not_eligible"


RIGHT_OUTCOME_LABELS: Mapping[RightOutcome, str] = {
    RightOutcome.ALREADY_RECEIVED: "Déjà perçu",
    RightOutcome.CLAIM_STARTED: "Démarche engagée",
    RightOutcome.OPENED: "Ouvert",
    RightOutcome.NOT_ELIGIBLE: "Non éligible",
}


@dataclass(frozen=True, slots=True)
class RightToCheck:
    """A "droit à vérifier": the estimate, what the budget declares and how to claim.

    ``estimated_monthly_amount`` is ``None`` for the complémentaire santé solidaire (a cover,
    not a payment); for the chèque énergie it is the yearly amount / 12, half-up to the cent.
    """

    code: RightCode
    label: str
    estimated_monthly_amount: Decimal | None
    declared_monthly_amount: Decimal
    summary: str
    how_to_claim: str


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _money_right(
    code: RightCode, estimate: Decimal, declared: Decimal, payer: str, tolerance: Decimal
) -> RightToCheck | None:
    if estimate <= 0 or estimate - declared <= tolerance:
        return None
    if declared <= 0:
        summary = (
            f"Droit possible, non déclaré dans le budget : environ {format_eur(estimate)} par "
            f"mois selon l'estimation, à confirmer par {payer}."
        )
    else:
        summary = (
            f"Le budget déclare {format_eur(declared)} par mois, l'estimation donne environ "
            f"{format_eur(estimate)} : faire vérifier la situation déclarée auprès de {payer}."
        )
    return RightToCheck(
        code=code,
        label=RIGHT_LABELS[code],
        estimated_monthly_amount=estimate,
        declared_monthly_amount=declared,
        summary=summary,
        how_to_claim=HOW_TO_CLAIM[code],
    )


def rights_to_check(
    assessment: RightsAssessment,
    declared: Mapping[ResourceType, Decimal],
    *,
    already_has: Collection[RightCode] = (),
    health_cover_charge: Decimal = ZERO,
    other_parent_pays_alimony: bool | None = None,
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> tuple[RightToCheck, ...]:
    """The "droits à vérifier": rights whose estimate exceeds what the budget declares.

    Args:
        assessment: OpenFisca-France's estimate for the household.
        declared: monthly resources declared by the budget, by type
            (``Budget.resources_by_type()``).
        already_has: rights the household says it has that are not budget resources
            (complémentaire santé solidaire, chèque énergie); they are not listed.
        health_cover_charge: the budget's monthly health-cover charge, quoted in the sentence
            on the complémentaire santé solidaire.
        other_parent_pays_alimony: for the ASF sentence (``None``: not asked).
        tolerance: an estimate must exceed the declared amount by more than this (€/month).

    Matching: ``ppa`` ↔ prime d'activité, ``rsa`` ↔ RSA, ``aide_logement`` ↔ housing aid; the
    declared family benefits cover the estimated ``af`` first, what is left of them covers the
    ``asf``. Rights in ``already_has`` are skipped. Order: the money rights in the order above,
    then the complémentaire santé solidaire, then the chèque énergie. When housing aid is
    listed as not received, the PPA and RSA sentences add ``HOUSING_FORFAIT_NOTE``.
    """

    def got(kind: ResourceType) -> Decimal:
        return declared.get(kind, ZERO)

    out: list[RightToCheck | None] = []
    skip = set(already_has)
    if RightCode.PPA not in skip:
        out.append(
            _money_right(
                RightCode.PPA, assessment.ppa, got(ResourceType.PRIME_ACTIVITE), "la CAF", tolerance
            )
        )
    if RightCode.RSA not in skip:
        out.append(
            _money_right(RightCode.RSA, assessment.rsa, got(ResourceType.RSA), "la CAF", tolerance)
        )
    if RightCode.AIDE_LOGEMENT not in skip:
        out.append(
            _money_right(
                RightCode.AIDE_LOGEMENT,
                assessment.aide_logement,
                got(ResourceType.HOUSING_AID),
                "la CAF",
                tolerance,
            )
        )
    family = got(ResourceType.FAMILY_BENEFITS)
    for_af = min(family, assessment.af)
    if RightCode.AF not in skip:
        out.append(_money_right(RightCode.AF, assessment.af, for_af, "la CAF", tolerance))
    if RightCode.ASF not in skip:
        asf = _money_right(
            RightCode.ASF, assessment.asf, max(family - for_af, ZERO), "la CAF", tolerance
        )
        if asf is not None:
            if other_parent_pays_alimony is None:
                condition = (
                    " À vérifier : l'autre parent verse-t-il une pension alimentaire, et de quel "
                    "montant ?"
                )
            elif other_parent_pays_alimony:
                condition = (
                    " L'autre parent verse une pension : l'ASF ne complète que si elle est "
                    "inférieure au montant de l'ASF."
                )
            else:
                condition = (
                    " L'autre parent ne verse pas de pension : la CAF verse l'ASF et peut en "
                    "poursuivre le recouvrement."
                )
            asf = replace(asf, summary=asf.summary + condition)
        out.append(asf)
    if RightCode.CSS not in skip and (
        assessment.cmu_c or assessment.css_participation_forfaitaire > 0
    ):
        if assessment.cmu_c:
            summary = (
                "Complémentaire santé solidaire sans participation possible selon l'estimation "
                "(à confirmer par la CPAM)"
            )
        else:
            summary = (
                "Complémentaire santé solidaire avec participation possible selon l'estimation, "
                f"pour environ {format_eur(assessment.css_participation_forfaitaire)} par mois "
                "pour le foyer (à confirmer par la CPAM)"
            )
        if health_cover_charge > 0:
            summary += (
                f" ; le budget déclare {format_eur(health_cover_charge)} par mois de mutuelle."
            )
        else:
            summary += "."
        out.append(
            RightToCheck(
                code=RightCode.CSS,
                label=RIGHT_LABELS[RightCode.CSS],
                estimated_monthly_amount=None,
                declared_monthly_amount=ZERO,
                summary=summary,
                how_to_claim=HOW_TO_CLAIM[RightCode.CSS],
            )
        )
    if RightCode.CHEQUE_ENERGIE not in skip and assessment.cheque_energie > 0:
        yearly = assessment.cheque_energie
        out.append(
            RightToCheck(
                code=RightCode.CHEQUE_ENERGIE,
                label=RIGHT_LABELS[RightCode.CHEQUE_ENERGIE],
                estimated_monthly_amount=_cents(yearly / 12),
                declared_monthly_amount=ZERO,
                summary=(
                    f"Chèque énergie possible selon l'estimation : environ {format_eur(yearly)} "
                    f"pour l'année {assessment.cheque_energie_year}, à confirmer."
                ),
                how_to_claim=HOW_TO_CLAIM[RightCode.CHEQUE_ENERGIE],
            )
        )
    found = [r for r in out if r is not None]
    housing_aid_unclaimed = any(
        r.code is RightCode.AIDE_LOGEMENT and r.declared_monthly_amount <= 0 for r in found
    )
    if housing_aid_unclaimed:
        found = [
            replace(r, summary=r.summary + HOUSING_FORFAIT_NOTE)
            if r.code in (RightCode.PPA, RightCode.RSA)
            else r
            for r in found
        ]
    return tuple(found)
