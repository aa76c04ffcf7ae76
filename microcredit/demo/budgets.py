"""The household budgets of some demo dossiers still being studied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DemoBudget:
    """A household budget typed by the référent (monthly euros), then its rights estimated."""

    month: date
    housing: str
    salary: str = "0"  # the applicant's net salary
    pension: str = "0"
    spouse_salary: str = "0"
    family_benefits: str = "0"
    housing_aid: str = "0"  # paid to the landlord
    rent: str = "0"
    energy: str = "0"
    insurance: str = "0"
    telecom: str = "0"
    transport: str = "0"
    credits: str = "0"


# Budgets of some dossiers still being studied (keyed by last name): the dossier page shows the
# figures, the verdict, the options and the rights to check, computed by OpenFisca-France.
DEMO_BUDGETS: dict[str, DemoBudget] = {
    "Vidal": DemoBudget(date(2026, 9, 1), "tenant_social", salary="950", family_benefits="151",
                        housing_aid="285", rent="610", energy="95", insurance="28",
                        telecom="40", transport="38"),
    "Picard": DemoBudget(date(2026, 10, 1), "tenant_private", salary="1540", rent="690",
                         energy="110", insurance="35", telecom="45", transport="60",
                         credits="85"),
    "Haddad": DemoBudget(date(2026, 10, 1), "tenant_private", salary="1280", rent="640",
                         energy="105", insurance="32", telecom="42", transport="55"),
    "Mercier": DemoBudget(date(2026, 10, 1), "tenant_social", pension="1010",
                          housing_aid="120", rent="455", energy="70", insurance="25",
                          telecom="30"),
}  # fmt: skip
