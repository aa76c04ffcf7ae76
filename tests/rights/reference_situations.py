"""The reference households of issue #13 (tests/rights/test_reference_cases.py), each written
twice from one table of facts:

* as a référent types it in a budget (``budget``, ``personal``): net salaries as on the
  payslip's « net à payer », the pension, the rent, the housing status, the commune;
* as an OpenFisca-France situation built by hand (``openfisca_situation``), from the *gross*
  salary, independently of the product's mapping (``microcredit.rights.situation`` and
  ``microcredit.rights.engine``), following ``shared/docs/OPENFISCA_NOTES.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from microcredit.budgets.rules import (
    Budget,
    Charge,
    ChargeType,
    HousingStatus,
    Member,
    MemberRole,
    Resource,
    ResourceType,
)
from microcredit.rights.rules import HouseholdSituation
from microcredit.rights.situation import household_situation

D = Decimal
ZERO = D("0.00")
SAINT_ETIENNE = "42218"
APRIL_2025 = date(2025, 4, 1)
APRIL_2026 = date(2026, 4, 1)
MONTHS = (APRIL_2025, APRIL_2026)
# Months compared with the hand-built situations only: the housing aid is revalued each
# 1 October, so October to December read past months' aid under another scale (issue #13's own
# check was for December 2026).
OCTOBER_2025 = date(2025, 10, 1)
DECEMBER_2026 = date(2026, 12, 1)
HAND_BUILT_MONTHS = (*MONTHS, OCTOBER_2025, DECEMBER_2026)

# The net OpenFisca-France 176.1.8 gives for each round gross salary of a private-sector
# employee (``salaire_net`` of a person-only simulation with ``salaire_de_base`` = the gross,
# the same in April 2025 and April 2026; rounded half-up to the cent):
#   1 000,00 € brut → 791.5975 → 791,60 € net ; 1 500,00 € brut → 1187.3962 → 1 187,40 € net ;
#   2 500,00 € brut → 1978.9938 → 1 978,99 € net.
# Each of these nets is the net of that gross only (one cent more or less of gross gives
# another net), so the product can find the gross back from the net. Not every round gross
# has that property: 1 583,20 € net is the net of both 2 000,00 € (1583.1951) and 2 000,01 €
# gross (1583.2040), and the product then derives 2 000,01 €. tests/rights/
# test_reference_cases.py checks all this against OpenFisca-France for both months.
NET_OF_GROSS: dict[Decimal, Decimal] = {
    D("1000.00"): D("791.60"),
    D("1500.00"): D("1187.40"),
    D("2500.00"): D("1978.99"),
}


@dataclass(frozen=True)
class Person:
    """One person: role, birth date, OpenFisca ``activite`` and monthly incomes (€)."""

    role: MemberRole
    born: date
    activite: str
    gross_salary: Decimal = ZERO
    pension: Decimal = ZERO

    @property
    def net_salary(self) -> Decimal:
        """What the référent types: the payslip's « net à payer » for the gross salary."""
        return NET_OF_GROSS[self.gross_salary] if self.gross_salary > 0 else ZERO


@dataclass(frozen=True)
class Household:
    """A reference household: its people and its dwelling, as a référent records them."""

    key: str
    people: tuple[Person, ...]
    housing: HousingStatus
    occupancy: str
    """``statut_occupation_logement`` for the hand-built situation."""
    rent: Decimal
    applicant_activity: str
    """``applicants.enums.Activity`` value."""
    family_situation: str
    """``applicants.enums.FamilySituation`` value."""
    couple_marital: str = "celibataire"
    """``statut_marital`` of the applicant and the spouse, when there is a spouse."""
    housing_aid_received: Decimal = ZERO
    """Housing aid the budget declares (> 0: the household already receives it)."""
    charges: tuple[tuple[ChargeType, Decimal], ...] = field(default_factory=tuple)

    @property
    def receives_housing_aid(self) -> bool:
        return self.housing_aid_received > 0

    @property
    def children(self) -> int:
        return sum(1 for p in self.people if p.role is MemberRole.CHILD)


APPLICANT, SPOUSE, CHILD = MemberRole.APPLICANT, MemberRole.SPOUSE, MemberRole.CHILD

HOUSEHOLDS: dict[str, Household] = {
    # A single adult aged 35 with no income at all, job seeker, tenant (private), 400 € rent,
    # no housing aid claimed yet.
    "single_no_income": Household(
        key="single_no_income",
        people=(Person(APPLICANT, date(1990, 3, 15), "chomeur"),),
        housing=HousingStatus.TENANT_PRIVATE,
        occupancy="locataire_vide",
        rent=D("400.00"),
        applicant_activity="job_seeker",
        family_situation="single",
        charges=((ChargeType.ENERGY, D("50.00")), (ChargeType.TELECOM, D("20.00"))),
    ),
    # A lone parent working part time, 1 000 € gross, two children (9 and 7 in April 2025);
    # the other parent pays nothing; tenant (private), 550 € rent, no housing aid yet.
    "lone_parent": Household(
        key="lone_parent",
        people=(
            Person(APPLICANT, date(1988, 6, 10), "actif", gross_salary=D("1000.00")),
            Person(CHILD, date(2015, 9, 1), "inactif"),
            Person(CHILD, date(2018, 2, 20), "inactif"),
        ),
        housing=HousingStatus.TENANT_PRIVATE,
        occupancy="locataire_vide",
        rent=D("550.00"),
        applicant_activity="part_time",
        family_situation="separated",
        charges=((ChargeType.ENERGY, D("80.00")), (ChargeType.INSURANCE, D("15.00"))),
    ),
    # A married couple on one salary, 2 500 € gross, two children (10 and 7 in April 2025,
    # both under 14 in April 2026); social housing, 600 € rent, no housing aid yet, no family
    # benefit declared.
    "couple": Household(
        key="couple",
        people=(
            Person(APPLICANT, date(1985, 4, 2), "actif", gross_salary=D("2500.00")),
            Person(SPOUSE, date(1987, 10, 12), "inactif"),
            Person(CHILD, date(2014, 5, 5), "inactif"),
            Person(CHILD, date(2017, 11, 20), "inactif"),
        ),
        housing=HousingStatus.TENANT_SOCIAL,
        occupancy="locataire_hlm",
        rent=D("600.00"),
        applicant_activity="permanent_job",
        family_situation="married",
        couple_marital="marie",
        charges=((ChargeType.ENERGY, D("120.00")), (ChargeType.HEALTH_COVER, D("60.00"))),
    ),
    # A retired person living alone (71 in April 2025), 900 € pension, owner (no rent).
    "retired": Household(
        key="retired",
        people=(Person(APPLICANT, date(1953, 7, 1), "retraite", pension=D("900.00")),),
        housing=HousingStatus.OWNER,
        occupancy="proprietaire",
        rent=ZERO,
        applicant_activity="retired",
        family_situation="widowed",
        charges=((ChargeType.ENERGY, D("90.00")), (ChargeType.HEALTH_COVER, D("55.00"))),
    ),
    # A single adult on a salary, 1 500 € gross, tenant (private), 450 € rent, who already
    # receives housing aid (declared in the budget).
    "single_salaried": Household(
        key="single_salaried",
        people=(Person(APPLICANT, date(1995, 1, 20), "actif", gross_salary=D("1500.00")),),
        housing=HousingStatus.TENANT_PRIVATE,
        occupancy="locataire_vide",
        rent=D("450.00"),
        applicant_activity="permanent_job",
        family_situation="single",
        housing_aid_received=D("60.00"),
        charges=((ChargeType.ENERGY, D("60.00")), (ChargeType.TRANSPORT, D("30.00"))),
    ),
}


# --- As a référent types it --------------------------------------------------------------------


def personal(household: Household) -> list[dict[ResourceType, Decimal]]:
    """Each member's personal resources, as the budget form records them (net salaries)."""
    out: list[dict[ResourceType, Decimal]] = []
    for person in household.people:
        amounts: dict[ResourceType, Decimal] = {}
        if person.net_salary > 0:
            amounts[ResourceType.SALARIES] = person.net_salary
        if person.pension > 0:
            amounts[ResourceType.PENSIONS] = person.pension
        out.append(amounts)
    return out


def budget(household: Household, month: date) -> Budget:
    """The budget of ``month`` a référent records (no resource at all: ``no_resources``)."""
    resources = [
        Resource(kind, amount)
        for amounts in personal(household)
        for kind, amount in amounts.items()
    ]
    if household.receives_housing_aid:
        resources.append(Resource(ResourceType.HOUSING_AID, household.housing_aid_received))
    charges = [Charge(kind, amount) for kind, amount in household.charges]
    if household.housing.is_tenant:
        charges.insert(0, Charge(ChargeType.RENT, household.rent))
    return Budget(
        month=month,
        members=tuple(Member(p.role, p.born) for p in household.people),
        resources=tuple(resources),
        charges=tuple(charges),
        housing=household.housing,
        no_resources=not resources,
    )


def product_situation(household: Household, month: date) -> HouseholdSituation:
    """The product's situation: ``rights.situation.household_situation`` of the budget, the
    gross salary not given (the product derives it from the net)."""
    return household_situation(
        budget(household, month),
        personal(household),
        applicant_activity=household.applicant_activity,
        family_situation=household.family_situation,
        commune_insee=SAINT_ETIENNE,
    )


# --- Built by hand for OpenFisca-France ---------------------------------------------------------


def month_keys(first: date, last: date) -> list[str]:
    """``"YYYY-MM"`` for every month from ``first`` to ``last``."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def case_name(household: Household, *, without_housing_aid: bool) -> str:
    """The name of a household's famille, foyer fiscal and ménage in the hand-built situation."""
    return f"{household.key}_{'sans_aide_logement' if without_housing_aid else 'aide_logement'}"


def openfisca_situation(
    month: date, households: Iterable[Household], *, without_housing_aid: bool
) -> dict[str, Any]:
    """An OpenFisca-France situation for ``month`` written by hand from the gross salaries: one
    famille, foyer fiscal and ménage per household, each with persons of its own, named
    ``case_name``.

    Every person is in the four groups; incomes for every month from January of year N-2 to
    ``month``; the dwelling (rent, occupancy status, commune) from January N-2 to December N;
    AAH, ASS and AAH complement 0. ``without_housing_aid``: ``aide_logement`` = 0 for ``month``
    and every past month (« tant que l'aide au logement n'est pas versée »); otherwise the
    model computes the housing aid of every month itself (« si elle est versée »).

    The two cases need two situations: in a situation dictionary, a variable given for some
    familles of a period is the default (0) for the others, so one famille given
    ``aide_logement`` = 0 would take every other famille's housing aid away for those months.
    """
    incomes = month_keys(date(month.year - 2, 1, 1), month)
    dwelling = month_keys(date(month.year - 2, 1, 1), date(month.year, 12, 1))

    def each(value: object) -> dict[str, object]:
        return dict.fromkeys(incomes, value)

    situation: dict[str, dict[str, Any]] = {
        "individus": {},
        "familles": {},
        "foyers_fiscaux": {},
        "menages": {},
    }
    for household in households:
        name = case_name(household, without_housing_aid=without_housing_aid)
        couple = any(p.role is SPOUSE for p in household.people)
        parents: list[str] = []
        children: list[str] = []
        for number, person in enumerate(household.people):
            who = f"{name}_{number}"
            if person.role is CHILD:
                children.append(who)
                marital = "celibataire"
            else:
                parents.append(who)
                marital = household.couple_marital if couple else "celibataire"
            situation["individus"][who] = {
                "date_naissance": {"ETERNITY": person.born.isoformat()},
                "activite": each(person.activite),
                "statut_marital": each(marital),
                "salaire_de_base": each(float(person.gross_salary)),
                "retraite_nette": each(float(person.pension)),
                "retraite_imposable": each(float(person.pension)),
                "retraite_brute": each(float(person.pension)),
                "aah": each(0.0),
                "ass": each(0.0),
                "caah": each(0.0),
            }
        famille: dict[str, Any] = {"parents": parents, "enfants": children}
        if without_housing_aid:
            famille["aide_logement"] = each(0.0)
        situation["familles"][name] = famille
        situation["foyers_fiscaux"][name] = {
            "declarants": parents,
            "personnes_a_charge": children,
        }
        situation["menages"][name] = {
            "personne_de_reference": parents[:1],
            "conjoint": parents[1:],
            "enfants": children,
            "loyer": dict.fromkeys(dwelling, float(household.rent)),
            "statut_occupation_logement": dict.fromkeys(dwelling, household.occupancy),
            "depcom": dict.fromkeys(dwelling, SAINT_ETIENNE),
        }
    return situation
