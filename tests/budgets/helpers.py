"""Budget test data.

For the pure rules: Saint-Étienne's thresholds and scheme, and the five household archetypes
whose figures are derived by hand in tests/budgets/test_rules.py.

Written through the service: the lone parent (950 € net, one child aged 7, housing aid of 250 €
paid to the landlord, April 2026) in a dossier asking 600 € over 12 months, and a fake OpenFisca
estimate for the tests that must not run the real engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from microcredit.accounts.models import User
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets.models import Budget as BudgetRecord
from microcredit.budgets.rules import (
    Budget,
    Charge,
    ChargeType,
    HousingStatus,
    Member,
    MemberRole,
    Resource,
    ResourceType,
    Scheme,
    Thresholds,
)
from microcredit.budgets.services import budget_create_version, budget_lines
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from microcredit.rights.rules import COVERAGE_CAVEATS, RightsAssessment
from tests.factories import make_applicant, make_dossier
from tests.factories import membership_of as membership

D = Decimal
MONTH = date(2026, 4, 1)
RSA_BASE_APRIL_2026 = D("651.69")  # décret n° 2026-220 du 30 mars 2026, art. 1

# Saint-Étienne's scheme (programmes migration 0002): 300-3000 €, 3-36 months, 12 months of
# deferral, 1,75 %; budget thresholds 35 % and 10 € per UC per day.
THRESHOLDS = Thresholds(
    max_debt_ratio_percent=D("35"),
    min_remaining_income_per_uc_day=D("10"),
    rsa_base_amount=RSA_BASE_APRIL_2026,
)
SCHEME = Scheme(
    min_amount=D("300"),
    max_amount=D("3000"),
    min_months=3,
    max_months=36,
    max_deferral_months=12,
    annual_rate=D("0.0175"),
)

APPLICANT = MemberRole.APPLICANT
SPOUSE = MemberRole.SPOUSE
CHILD = MemberRole.CHILD
OTHER = MemberRole.OTHER_ADULT


def member(role: MemberRole, born: date) -> Member:
    return Member(role=role, birth_date=born)


def resources(**amounts: str) -> tuple[Resource, ...]:
    return tuple(Resource(ResourceType(k), D(v)) for k, v in amounts.items())


def charges(**amounts: str) -> tuple[Charge, ...]:
    return tuple(Charge(ChargeType(k), D(v)) for k, v in amounts.items())


# --- The five archetypes -----------------------------------------------------------------------


def lone_parent() -> Budget:
    """Lone parent working part time, 950 € net, one child aged 7; housing aid paid to the
    landlord. Resources 950 + 250 = 1 200; charges 550 + 80 + 20 + 15 + 30 + 35 + 25 = 755."""
    return Budget(
        month=MONTH,
        members=(member(APPLICANT, date(1990, 5, 1)), member(CHILD, date(2018, 9, 10))),
        resources=(
            Resource(ResourceType.SALARIES, D("950.00")),
            Resource(ResourceType.HOUSING_AID, D("250.00"), paid_to_landlord=True),
        ),
        charges=charges(
            rent="550",
            energy="80",
            water="20",
            insurance="15",
            telecom="30",
            transport="35",
            health_cover="25",
        ),
        housing=HousingStatus.TENANT_PRIVATE,
    )


def job_seeker() -> Budget:
    """Single job seeker, 32, no benefit, 200 € of family help. Charges 380 + 50 + 15 + 12 +
    25 + 30 = 512."""
    return Budget(
        month=MONTH,
        members=(member(APPLICANT, date(1994, 2, 15)),),
        resources=resources(other="200"),
        charges=charges(
            rent="380", energy="50", water="15", insurance="12", telecom="25", transport="30"
        ),
        housing=HousingStatus.TENANT_PRIVATE,
    )


def couple_one_salary() -> Budget:
    """Couple, one salary of 1 900 €, children aged 10 and 15. Resources 1 900 + 150 + 120 =
    2 170; charges 700 + 150 + 40 + 40 + 60 + 120 + 80 + 150 (a car loan) = 1 340."""
    return Budget(
        month=MONTH,
        members=(
            member(APPLICANT, date(1984, 6, 20)),
            member(SPOUSE, date(1986, 11, 2)),
            member(CHILD, date(2015, 8, 30)),
            member(CHILD, date(2011, 1, 12)),
        ),
        resources=resources(salaries="1900", family_benefits="150", housing_aid="120"),
        charges=charges(
            rent="700",
            energy="150",
            water="40",
            insurance="40",
            telecom="60",
            transport="120",
            health_cover="80",
            credit_installments="150",
        ),
        housing=HousingStatus.TENANT_SOCIAL,
    )


def retired_alone() -> Budget:
    """Retired owner living alone, 71, pension 980 €. Charges 90 + 25 + 30 + 25 + 55 + 60 + 20
    = 305."""
    return Budget(
        month=MONTH,
        members=(member(APPLICANT, date(1955, 3, 3)),),
        resources=resources(pensions="980"),
        charges=charges(
            energy="90",
            water="25",
            insurance="30",
            telecom="25",
            health_cover="55",
            taxes="60",
            transport="20",
        ),
        housing=HousingStatus.OWNER,
    )


def large_family() -> Budget:
    """Couple with five children aged 16, 12, 9, 5 and 2, one salary of 1 600 €. Resources
    1 600 + 600 + 350 = 2 550; charges 850 + 200 + 70 + 60 + 70 + 110 + 70 + 100 = 1 530."""
    return Budget(
        month=MONTH,
        members=(
            member(APPLICANT, date(1982, 4, 10)),
            member(SPOUSE, date(1985, 7, 7)),
            member(CHILD, date(2010, 1, 20)),
            member(CHILD, date(2013, 9, 5)),
            member(CHILD, date(2017, 3, 15)),
            member(CHILD, date(2020, 11, 30)),
            member(CHILD, date(2023, 6, 18)),
        ),
        resources=resources(salaries="1600", family_benefits="600", housing_aid="350"),
        charges=charges(
            rent="850",
            energy="200",
            water="70",
            insurance="60",
            telecom="70",
            transport="110",
            health_cover="70",
            other="100",
        ),
        housing=HousingStatus.TENANT_SOCIAL,
    )


LONE_PARENT_CHARGES = {
    "rent": D("550"),
    "energy": D("80"),
    "water": D("20"),
    "insurance": D("15"),
    "telecom": D("30"),
    "transport": D("35"),
    "health_cover": D("25"),
}


def lone_parent_dossier(referent: User, **overrides: Any) -> Dossier:
    applicant = make_applicant(
        organisation=Organisation.objects.get(slug="ccas-saint-etienne"),
        created_by=referent,
        first_name="Nadia",
        birth_date=date(1990, 5, 1),
        activity="part_time",
        family_situation="separated",
        housing_status="tenant_private",
    )
    HouseholdMember.objects.create(
        applicant=applicant, first_name="Léa", birth_date=date(2018, 9, 10), relationship="child"
    )
    values: dict[str, Any] = {
        "state": DossierState.DIAGNOSIS,
        "requested_amount": D("600.00"),
        "requested_months": 12,
    }
    values.update(overrides)
    return make_dossier(created_by=referent, referent=referent, applicant=applicant, **values)


SALARY = D("950")


def lone_parent_budget(
    referent: User, dossier: Dossier, *, salary: Decimal = SALARY, **changes: Decimal
) -> BudgetRecord:
    charges = {**LONE_PARENT_CHARGES, **changes}
    return budget_create_version(
        actor=referent,
        membership=membership(referent),
        dossier_id=dossier.pk,
        month=MONTH,
        housing_status="tenant_private",
        lines=budget_lines(
            personal={None: {"salaries": salary}},
            resources={"housing_aid": D("250")},
            charges=charges,
            housing_aid_to_landlord=True,
        ),
    )


def fake_assessment(month: date = MONTH, **amounts: Any) -> RightsAssessment:
    """An estimate written by hand (the lone parent's order of magnitude)."""
    values: dict[str, Any] = {
        "ppa": D("370.21"),
        "rsa": D("0.00"),
        "asf": D("201.78"),
        "aide_logement": D("250.00"),
        "af": D("0.00"),
        "cmu_c": False,
        "css_participation_forfaitaire": D("0.00"),
        "cheque_energie": D("0.00"),
    }
    values.update(amounts)
    return RightsAssessment(
        month=month,
        openfisca_france_version="176.1.8",
        cheque_energie_year=month.year,
        rsa_base_amount=D("651.69"),
        caveats=COVERAGE_CAVEATS,
        **values,
    )
