"""Pure rules of the unclaimed-rights check (non-recours): the household situation given to
OpenFisca-France, the estimate it returns, and the comparison with what the budget declares.

No Django and no OpenFisca import here (both are forbidden so that these modules stay cheap to
import); ``microcredit.rights.engine`` runs OpenFisca-France and fills :class:`RightsAssessment`.
Every amount is an *estimate*: the sentences say so and never state a right as certain.

The rules are split by job: ``household`` (the situation and its checks), ``estimate`` (the
result and its coverage caveats) and ``comparison`` (the rights to check). Import from here:
``from microcredit.rights.rules import rights_to_check``.
"""

from __future__ import annotations

from microcredit.rights.rules.comparison import (
    DEFAULT_TOLERANCE,
    HOUSING_AID_CASES,
    HOW_TO_CLAIM,
    RIGHT_LABELS,
    RIGHT_OUTCOME_LABELS,
    RightCode,
    RightOutcome,
    RightToCheck,
    rights_to_check,
    rights_to_check_for_budget,
)
from microcredit.rights.rules.estimate import (
    COVERAGE_CAVEATS,
    COVERAGE_VERSION,
    PUBLISHED_ASF_PER_CHILD,
    PublishedAmount,
    RightsAssessment,
    Scales,
    coverage_caveats,
)
from microcredit.rights.rules.household import (
    Activity,
    CoupleKind,
    HouseholdSituation,
    PersonSituation,
    validate_situation,
)

__all__ = [
    "COVERAGE_CAVEATS",
    "COVERAGE_VERSION",
    "DEFAULT_TOLERANCE",
    "HOUSING_AID_CASES",
    "HOW_TO_CLAIM",
    "PUBLISHED_ASF_PER_CHILD",
    "RIGHT_LABELS",
    "RIGHT_OUTCOME_LABELS",
    "Activity",
    "CoupleKind",
    "HouseholdSituation",
    "PersonSituation",
    "PublishedAmount",
    "RightCode",
    "RightOutcome",
    "RightToCheck",
    "RightsAssessment",
    "Scales",
    "coverage_caveats",
    "rights_to_check",
    "rights_to_check_for_budget",
    "validate_situation",
]
