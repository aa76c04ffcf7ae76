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
            f"Le mois étudié ({format_month(month)}) est postérieur aux derniers barèmes "
            "connus du RSA, de la prime d'activité et des allocations familiales (04/2026) : "
            "montants sous-estimés d'une éventuelle revalorisation."
        )
    if month > LAST_HOUSING_AID_MONTH:
        extra.append(
            f"Le mois étudié ({format_month(month)}) est postérieur aux derniers barèmes "
            "connus des aides au logement (10/2026)."
        )
    if version != COVERAGE_VERSION:
        extra.append(
            f"Ces limites ont été relevées sur OpenFisca-France {COVERAGE_VERSION} ; le calcul a "
            f"utilisé la version {version}."
        )
    return COVERAGE_CAVEATS + tuple(extra)
