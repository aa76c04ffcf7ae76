"""From a budget to OpenFisca's household situation (pure, no database, no OpenFisca)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from microcredit.budgets.rules import Resource, ResourceType
from microcredit.rights.rules import Activity, CoupleKind, validate_situation
from microcredit.rights.situation import household_situation, member_activity
from tests.budgets.helpers import couple_one_salary, lone_parent, retired_alone
from tests.rights.test_engine import ARCHETYPES

D = Decimal
SALARIES = ResourceType.SALARIES


def test_the_lone_parent_budget_gives_the_engines_archetype() -> None:
    situation = household_situation(
        lone_parent(),
        [{SALARIES: D("950.00")}, {}],
        applicant_activity="part_time",
        family_situation="separated",
        commune_insee="42218",
    )
    expected = ARCHETYPES["lone_parent"]
    assert situation.members == expected.members
    assert (situation.month, situation.housing, situation.rent) == (
        expected.month,
        expected.housing,
        expected.rent,
    )
    assert situation.commune_insee == expected.commune_insee
    assert situation.receives_housing_aid is expected.receives_housing_aid is True
    assert situation.other_parent_pays_alimony is None  # nobody asked
    assert validate_situation(situation) == []


def test_a_couple_the_spouses_activity_and_the_kind_of_couple() -> None:
    budget = couple_one_salary()
    personal = [{SALARIES: D("1900")}, {}, {}, {}]
    married = household_situation(
        budget,
        personal,
        applicant_activity="permanent_job",
        family_situation="married",
        commune_insee="42218",
    )
    assert married.couple is CoupleKind.MARRIED
    assert [p.activity for p in married.members] == [
        Activity.EMPLOYED,
        Activity.INACTIVE,
        Activity.INACTIVE,
        Activity.INACTIVE,
    ]
    working_spouse = household_situation(
        budget,
        [{SALARIES: D("1900")}, {SALARIES: D("400")}, {}, {}],
        applicant_activity="permanent_job",
        family_situation="cohabiting",
        commune_insee="42218",
    )
    assert working_spouse.couple is CoupleKind.COHABITING
    assert working_spouse.members[1].activity is Activity.EMPLOYED
    assert working_spouse.members[1].net_salary == D("400")
    pacs = household_situation(
        budget,
        personal,
        applicant_activity="permanent_job",
        family_situation="civil_partnership",
        commune_insee="42218",
    )
    assert pacs.couple is CoupleKind.PACS


def test_an_owner_pays_no_rent_and_a_pension_makes_a_retired_person() -> None:
    situation = household_situation(
        retired_alone(),
        [{ResourceType.PENSIONS: D("980")}],
        applicant_activity="retired",
        family_situation="widowed",
        commune_insee="42218",
    )
    assert situation.rent == 0
    assert situation.members[0].pension == D("980")
    assert situation.members[0].activity is Activity.RETIRED
    assert not situation.receives_housing_aid


def test_alimony_is_the_applicants_and_means_the_other_parent_pays() -> None:
    budget = lone_parent()
    budget = replace(
        budget, resources=(*budget.resources, Resource(ResourceType.ALIMONY_RECEIVED, D("150")))
    )
    situation = household_situation(
        budget,
        [{SALARIES: D("950")}, {}],
        applicant_activity="part_time",
        family_situation="divorced",
        commune_insee="42218",
        separation_recent=True,
    )
    assert situation.members[0].alimony_received == D("150")
    assert situation.members[1].alimony_received == 0
    assert situation.other_parent_pays_alimony is True
    assert situation.separation_recent is True


@pytest.mark.parametrize(
    ("amounts", "activity"),
    [
        ({ResourceType.UNEMPLOYMENT_BENEFITS: D("700")}, Activity.UNEMPLOYED),
        ({ResourceType.PENSIONS: D("700")}, Activity.RETIRED),
        ({ResourceType.AAH: D("1033.32")}, Activity.INACTIVE),
        ({}, Activity.INACTIVE),
    ],
)
def test_member_activity_is_read_from_their_resources(amounts, activity) -> None:  # type: ignore[no-untyped-def]
    assert member_activity(amounts) is activity


def test_one_mapping_per_member_is_required() -> None:
    with pytest.raises(ValueError, match="one mapping"):
        household_situation(
            lone_parent(),
            [{}],
            applicant_activity="part_time",
            family_situation="single",
            commune_insee="42218",
        )
