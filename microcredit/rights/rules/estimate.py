"""OpenFisca-France's estimate for one household and one month, and the limits of its
legislation coverage (French sentences shown next to every estimate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microcredit.core.formatting import format_month

COVERAGE_VERSION = "176.1.8"
"""The openfisca-france version whose legislation coverage ``COVERAGE_CAVEATS`` describes."""

LAST_RSA_PPA_AF_MONTH = date(2026, 4, 1)
"""The last revaluation of the RSA, prime d'activité and family benefits OpenFisca knows (each
1 April): its scales are those in force until the month before the next one."""
LAST_HOUSING_AID_MONTH = date(2026, 10, 1)
"""The last revaluation of the housing aid OpenFisca knows (each 1 October)."""
LAST_ASPA_MONTH = date(2026, 1, 1)
"""The last revaluation of the ASPA OpenFisca knows (each 1 January)."""
CSS_CEILINGS_MONTH = date(2024, 4, 1)
"""The complémentaire santé solidaire ceilings OpenFisca knows (revalued each 1 April)."""

COVERAGE_CAVEATS: tuple[str, ...] = (
    "Estimation indicative calculée avec OpenFisca-France : seul l'organisme qui verse l'aide "
    "(CAF, MSA, CPAM, caisse de retraite ou administration) décide du droit et de son montant.",
    "Les montants sont ceux que le foyer percevrait : allocations familiales, allocation de "
    "soutien familial et prime d'activité nettes de la CRDS (0,5 %), aides au logement nettes "
    "de la CRDS et arrondies à l'euro inférieur ; le RSA et l'ASPA n'en supportent pas.",
    "Les salaires sont pris à partir du brut : celui du budget quand il est indiqué, sinon le "
    "brut qui donne le salaire net déclaré pour un salarié du secteur privé ; OpenFisca-France "
    "en déduit le salaire imposable.",
    "Les revenus des mois passés sont supposés égaux à ceux du mois étudié.",
    "Dans le calcul du RSA et de la prime d'activité, les prestations familiales estimées sont "
    "supposées versées : la CAF les ouvre en même temps.",
)
"""French sentences shown next to every estimate, whatever its month."""


@dataclass(frozen=True, slots=True)
class PublishedAmount:
    """An amount the administration publishes where OpenFisca-France's formula gives another,
    in force from ``valid_from`` until the next revaluation OpenFisca knows of."""

    valid_from: date
    amount: Decimal
    source: str


PUBLISHED_ASF_PER_CHILD: tuple[PublishedAmount, ...] = (
    PublishedAmount(
        valid_from=date(2025, 4, 1),
        amount=Decimal("200.19"),
        source=(
            "ASF à taux plein, avril 2025 à mars 2026 : 199,19 € par enfant versés (200,19 € "
            "avant CRDS), tableau de la CAF repris par santecool.net, concept-enfance.fr et "
            "kalinews.net (2025). La DSS revalorise le montant brut de l'année précédente "
            "(196,84 € × 1,017) ; OpenFisca-France applique le taux à la BMAF (200,18 €)."
        ),
    ),
)
"""The ASF per child before CRDS, where the published amount differs from OpenFisca's
BMAF × rate (the DSS chains the revaluations of the rounded amount). Add a line with its source
when a revaluation is published and OpenFisca's figure differs from it."""


def _next_year(month: date) -> date:
    return date(month.year + 1, month.month, 1)


@dataclass(frozen=True, slots=True)
class Scales:
    """The month's published scales, read from OpenFisca-France's parameters (monthly, €).

    ``af_two_children`` and ``asf_per_child`` are net of the CRDS, as the CAF pays and
    publishes them; ``aspa_single`` and ``aspa_couple`` are the yearly maxima / 12, rounded
    down to the cent as the caisses de retraite publish them.
    """

    rsa_single: Decimal
    ppa_single: Decimal
    af_two_children: Decimal
    asf_per_child: Decimal
    aspa_single: Decimal
    aspa_couple: Decimal


@dataclass(frozen=True, slots=True)
class RightsAssessment:
    """OpenFisca-France's estimate for one household and one month.

    Monthly amounts (``Decimal``, to the cent) for ``month``, as the household would receive
    them: ``ppa``, ``af`` and ``asf`` net of the CRDS, ``aide_logement`` net of it too (by
    OpenFisca), ``aspa`` rounded down like the published monthly amounts; ``cheque_energie`` is
    the yearly amount for ``cheque_energie_year``. ``cmu_c`` is the free complémentaire santé
    solidaire; ``css_participation_forfaitaire`` > 0 means the paying one (amount due monthly).
    ``rsa_base_amount`` is the RSA montant forfaitaire for one person at ``month``.

    The RSA, the prime d'activité and the complémentaire santé solidaire depend on housing aid:
    their plain fields are the case "housing aid paid"; the ``*_without_housing_aid`` fields are
    the case "not received yet", ``None`` when the household already receives it (one case).
    ``scales`` are the month's published reference amounts (``None`` in older estimates).
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
    aspa: Decimal = Decimal("0.00")
    rsa_without_housing_aid: Decimal | None = None
    ppa_without_housing_aid: Decimal | None = None
    cmu_c_without_housing_aid: bool | None = None
    css_participation_without_housing_aid: Decimal | None = None
    scales: Scales | None = None


def coverage_caveats(month: date, version: str) -> tuple[str, ...]:
    """``COVERAGE_CAVEATS`` plus the sentences that are true for this month and version: a
    scale is named only when the month is past its next revaluation, which OpenFisca-France
    does not know yet."""
    extra: list[str] = []
    if month >= _next_year(LAST_RSA_PPA_AF_MONTH):
        extra.append(
            f"Le mois étudié ({format_month(month)}) suit la revalorisation du 1er avril "
            f"{LAST_RSA_PPA_AF_MONTH.year + 1}, que cette version d'OpenFisca-France ne connaît "
            "pas : le RSA, la prime d'activité et les prestations familiales sont calculés avec "
            f"les barèmes d'avril {LAST_RSA_PPA_AF_MONTH.year}."
        )
    if month >= _next_year(LAST_HOUSING_AID_MONTH):
        extra.append(
            f"Le mois étudié ({format_month(month)}) suit la revalorisation des aides au "
            f"logement du 1er octobre {LAST_HOUSING_AID_MONTH.year + 1}, que cette version "
            f"ne connaît pas : barèmes d'octobre {LAST_HOUSING_AID_MONTH.year}."
        )
    if month >= _next_year(LAST_ASPA_MONTH):
        extra.append(
            f"Le mois étudié ({format_month(month)}) suit la revalorisation de l'ASPA du "
            f"1er janvier {LAST_ASPA_MONTH.year + 1}, que cette version ne connaît pas."
        )
    if month >= _next_year(CSS_CEILINGS_MONTH):
        extra.append(
            "Les plafonds de ressources de la complémentaire santé solidaire connus datent "
            f"d'avril {CSS_CEILINGS_MONTH.year} (ils sont revalorisés chaque 1er avril) : "
            "l'éligibilité et la participation sont à confirmer auprès de la CPAM."
        )
    extra.append(
        "Les seuils de revenus du chèque énergie connus datent de 2021 (relevés depuis) : près "
        "d'un seuil, le chèque réel peut être plus élevé que l'estimation, ou exister quand "
        "elle n'en donne pas ; son montant annuel est un ordre de grandeur."
    )
    if version != COVERAGE_VERSION:
        extra.append(
            f"Ces limites ont été relevées sur OpenFisca-France {COVERAGE_VERSION} ; le calcul a "
            f"utilisé la version {version}."
        )
    return COVERAGE_CAVEATS + tuple(extra)
