"""The comparison of the estimate with what the budget declares: the "droits à vérifier", each
with a French sentence (always an estimate, never a right stated as certain) and how to claim it."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from microcredit.budgets.rules import Budget, ChargeType, ResourceType
from microcredit.core.formatting import format_eur, format_month
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
    ASPA = "aspa"


RIGHT_LABELS: Mapping[RightCode, str] = {
    RightCode.PPA: "Prime d'activité",
    RightCode.RSA: "Revenu de solidarité active (RSA)",
    RightCode.ASF: "Allocation de soutien familial (ASF)",
    RightCode.AIDE_LOGEMENT: "Aide au logement (APL, ALF ou ALS)",
    RightCode.AF: "Allocations familiales",
    RightCode.CSS: "Complémentaire santé solidaire",
    RightCode.CHEQUE_ENERGIE: "Chèque énergie",
    RightCode.ASPA: "Allocation de solidarité aux personnes âgées (ASPA)",
}

HOW_TO_CLAIM: Mapping[RightCode, str] = {
    RightCode.PPA: (
        "À demander à la CAF (ou à la MSA pour le régime agricole), en ligne sur caf.fr ou "
        "msa.fr, ou avec l'aide du CCAS. Le droit part du mois de la demande, sans effet "
        "rétroactif : ne pas tarder. Une déclaration trimestrielle de ressources suit."
    ),
    RightCode.RSA: (
        "À demander à la CAF (ou à la MSA), en ligne sur caf.fr ou avec l'aide du CCAS, qui "
        "peut instruire la demande. Depuis 2025, le demandeur est inscrit à France Travail et "
        "signe un contrat d'engagement ; une déclaration trimestrielle de ressources, "
        "préremplie, suit."
    ),
    RightCode.ASF: (
        "À demander à la CAF (ou à la MSA) : l'ASF est versée au parent qui élève seul son "
        "enfant quand l'autre parent ne verse pas la pension alimentaire ou verse moins que "
        "l'ASF. La CAF peut aussi aider à fixer la pension et la recouvrer (ARIPA)."
    ),
    RightCode.AIDE_LOGEMENT: (
        "À demander à la CAF (ou à la MSA), en ligne sur caf.fr (rubrique aides au logement) "
        "avec le bail et les coordonnées du bailleur ; l'aide peut être versée directement au "
        "bailleur."
    ),
    RightCode.AF: (
        "Versées par la CAF (ou la MSA) dès deux enfants à charge : vérifier que le dossier CAF "
        "est ouvert et que la composition du foyer y est à jour."
    ),
    RightCode.CSS: (
        "À demander à l'Assurance Maladie (CPAM, ou MSA) : compte ameli, rubrique « Mes "
        "démarches », ou formulaire cerfa 12504 ; le droit est ouvert pour un an. Les "
        "allocataires du RSA l'obtiennent sans participation, sans autre demande."
    ),
    RightCode.CHEQUE_ENERGIE: (
        "Depuis 2025, seuls les ménages que l'administration identifie (déclaration de revenus "
        "et compteur d'électricité) le reçoivent sans démarche ; les autres doivent le demander "
        "sur chequeenergie.gouv.fr, ou par courrier après un appel au 0 805 204 805, avec une "
        "attestation de contrat d'électricité de moins de 3 mois. La déclaration de revenus doit "
        "avoir été faite, même sans revenus. Le chèque est envoyé par l'ASP pour l'État."
    ),
    RightCode.ASPA: (
        "Jamais versée sans demande : à demander à la caisse qui verse la retraite (Carsat, "
        "formulaire cerfa 13710 ou espace personnel lassuranceretraite.fr ; MSA pour les "
        "exploitants et salariés agricoles), à partir de 65 ans (ou de l'âge légal de départ "
        "en cas d'inaptitude au travail) ; sans aucune retraite, auprès du service de l'ASPA "
        "(SASPA, Caisse des dépôts) par la mairie. Les sommes versées peuvent être récupérées "
        "sur la succession au-delà d'un certain actif net : à expliquer au demandeur."
    ),
}

HOUSING_AID_CASES = (
    "si l'aide au logement est versée",
    "tant qu'elle ne l'est pas",
)
"""The two cases of a right that depends on housing aid not received yet."""


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
    not a payment) and for the chèque énergie (a yearly amount: ``estimated_yearly_amount``).
    For the RSA and the prime d'activité of a household that does not receive housing aid yet,
    ``estimated_monthly_amount`` is the amount once it is paid and
    ``without_housing_aid_amount`` the amount until then. ``headline`` states the estimate
    with its case(s) in one French sentence (« environ 573,49 € par mois si l'aide au logement
    est versée ; 651,69 € tant qu'elle ne l'est pas »).
    """

    code: RightCode
    label: str
    estimated_monthly_amount: Decimal | None
    declared_monthly_amount: Decimal
    summary: str
    how_to_claim: str
    headline: str = ""
    estimated_yearly_amount: Decimal | None = None
    without_housing_aid_amount: Decimal | None = None


def _headline(estimate: Decimal, without_housing_aid: Decimal | None) -> str:
    if without_housing_aid is None:
        return f"environ {format_eur(estimate)} par mois selon l'estimation"
    paid, unpaid = HOUSING_AID_CASES
    first = f"environ {format_eur(estimate)} par mois {paid}" if estimate > 0 else f"rien {paid}"
    second = (
        f"{format_eur(without_housing_aid)} {unpaid}"
        if estimate > 0
        else f"environ {format_eur(without_housing_aid)} par mois {unpaid}"
    )
    return f"{first} ; {second}"


def _money_right(
    code: RightCode,
    estimate: Decimal,
    declared: Decimal,
    payer: str,
    tolerance: Decimal,
    without_housing_aid: Decimal | None = None,
) -> RightToCheck | None:
    """The right when its estimate (in either case) exceeds what is declared by more than
    ``tolerance``; ``without_housing_aid`` is the second case (``None``: only one)."""
    if without_housing_aid is not None and without_housing_aid == estimate:
        without_housing_aid = None
    highest = max(estimate, without_housing_aid or ZERO)
    if highest <= 0 or highest - declared <= tolerance:
        return None
    headline = _headline(estimate, without_housing_aid)
    # The figures are in the headline, shown above the summary: the summary does not repeat them.
    if declared <= 0:
        summary = (
            f"Droit possible selon l'estimation, non déclaré dans le budget : à confirmer par "
            f"{payer}."
        )
    else:
        summary = (
            f"Le budget déclare {format_eur(declared)} par mois, moins que l'estimation : faire "
            f"vérifier la situation déclarée auprès de {payer}."
        )
    return RightToCheck(
        code=code,
        label=RIGHT_LABELS[code],
        estimated_monthly_amount=estimate,
        declared_monthly_amount=declared,
        summary=summary,
        how_to_claim=HOW_TO_CLAIM[code],
        headline=headline,
        without_housing_aid_amount=without_housing_aid,
    )


def _css_case(free: bool, participation: Decimal) -> str | None:
    if free:
        return "sans participation"
    if participation > 0:
        return f"avec une participation d'environ {format_eur(participation)} par mois"
    return None


def _css_right(assessment: RightsAssessment, health_cover_charge: Decimal) -> RightToCheck | None:
    """The complémentaire santé solidaire, in both cases of housing aid when they differ (an
    RSA paid only while housing aid is not makes it free)."""
    paid = _css_case(assessment.cmu_c, assessment.css_participation_forfaitaire)
    unpaid = (
        None
        if assessment.cmu_c_without_housing_aid is None
        else _css_case(
            assessment.cmu_c_without_housing_aid,
            assessment.css_participation_without_housing_aid or ZERO,
        )
    )
    if paid is None and unpaid is None:
        return None
    if assessment.cmu_c_without_housing_aid is None or paid == unpaid:
        headline = f"{paid} selon l'estimation"
    else:
        when_paid, when_unpaid = HOUSING_AID_CASES
        headline = f"{paid or 'aucune'} {when_paid} ; {unpaid or 'aucune'} {when_unpaid}"
    summary = "Complémentaire santé solidaire possible selon l'estimation (à confirmer par la CPAM)"
    if health_cover_charge > 0:
        summary += f" ; le budget déclare {format_eur(health_cover_charge)} par mois de mutuelle."
    else:
        summary += "."
    return RightToCheck(
        code=RightCode.CSS,
        label=RIGHT_LABELS[RightCode.CSS],
        estimated_monthly_amount=None,
        declared_monthly_amount=ZERO,
        summary=summary,
        how_to_claim=HOW_TO_CLAIM[RightCode.CSS],
        headline=headline,
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
    ``asf``; the ASPA is never declared as such (a pension: its estimate already counts the
    pensions declared). Rights in ``already_has`` are skipped. Order: the money rights in the
    order above, the ASPA, then the complémentaire santé solidaire, then the chèque énergie.
    The RSA and the prime d'activité of a household without housing aid state both cases
    (:func:`_headline`); every other right has one figure.
    """

    def got(kind: ResourceType) -> Decimal:
        return declared.get(kind, ZERO)

    out: list[RightToCheck | None] = []
    skip = set(already_has)
    if RightCode.PPA not in skip:
        out.append(
            _money_right(
                RightCode.PPA,
                assessment.ppa,
                got(ResourceType.PRIME_ACTIVITE),
                "la CAF",
                tolerance,
                assessment.ppa_without_housing_aid,
            )
        )
    if RightCode.RSA not in skip:
        out.append(
            _money_right(
                RightCode.RSA,
                assessment.rsa,
                got(ResourceType.RSA),
                "la CAF",
                tolerance,
                assessment.rsa_without_housing_aid,
            )
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
            scales = assessment.scales
            if scales is not None:
                condition += (
                    f" Taux plein en {format_month(assessment.month)} : "
                    f"{format_eur(scales.asf_per_child)} par enfant."
                )
            asf = replace(asf, summary=asf.summary + condition)
        out.append(asf)
    if RightCode.ASPA not in skip:
        out.append(
            _money_right(RightCode.ASPA, assessment.aspa, ZERO, "la caisse de retraite", tolerance)
        )
    if RightCode.CSS not in skip:
        out.append(_css_right(assessment, health_cover_charge))
    if RightCode.CHEQUE_ENERGIE not in skip and assessment.cheque_energie > 0:
        yearly = assessment.cheque_energie
        year = assessment.cheque_energie_year
        out.append(
            RightToCheck(
                code=RightCode.CHEQUE_ENERGIE,
                label=RIGHT_LABELS[RightCode.CHEQUE_ENERGIE],
                estimated_monthly_amount=None,
                declared_monthly_amount=ZERO,
                summary=(
                    "Chèque énergie possible selon l'estimation : un chèque par an, pas un "
                    "versement mensuel, à confirmer."
                ),
                how_to_claim=HOW_TO_CLAIM[RightCode.CHEQUE_ENERGIE],
                headline=f"environ {format_eur(yearly)} pour l'année {year} selon l'estimation",
                estimated_yearly_amount=yearly,
            )
        )
    return tuple(r for r in out if r is not None)


def rights_to_check_for_budget(
    assessment: RightsAssessment, budget: Budget
) -> tuple[RightToCheck, ...]:
    """:func:`rights_to_check` with what ``budget`` declares: its resources, its health-cover
    charge, and the other parent paying alimony when alimony is declared (otherwise not asked)."""
    alimony = budget.resource(ResourceType.ALIMONY_RECEIVED)
    return rights_to_check(
        assessment,
        budget.resources_by_type(),
        health_cover_charge=budget.charge(ChargeType.HEALTH_COVER),
        other_parent_pays_alimony=True if alimony > 0 else None,
    )
