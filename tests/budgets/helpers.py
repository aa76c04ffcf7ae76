"""Budget test data written through the service: the lone parent of tests/budgets/test_rules.py
(950 € net, one child aged 7, housing aid of 250 € paid to the landlord, April 2026) in a
dossier asking 600 € over 12 months, and a fake OpenFisca estimate for the tests that must not
run the real engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from microcredit.accounts.models import User
from microcredit.applicants.models import HouseholdMember
from microcredit.budgets.models import Budget
from microcredit.budgets.services import budget_create_version, budget_lines
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from microcredit.rights.rules import COVERAGE_CAVEATS, RightsAssessment
from tests.factories import make_applicant, make_dossier
from tests.factories import membership_of as membership

D = Decimal
MONTH = date(2026, 4, 1)

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
) -> Budget:
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
