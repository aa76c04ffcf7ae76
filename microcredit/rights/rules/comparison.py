"""The comparison of the estimate with what the budget declares: the "droits à vérifier", each
with a French sentence (always an estimate, never a right stated as certain) and how to claim it."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from microcredit.budgets.rules import ResourceType
from microcredit.core.formatting import format_eur
from microcredit.rights.rules.estimate import RightsAssessment
from microcredit.rights.rules.household import ZERO

CENT = Decimal("0.01")

DEFAULT_TOLERANCE = Decimal("10.00")
"""A right is listed when its estimate exceeds what is declared by more than this (€/month)."""


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
