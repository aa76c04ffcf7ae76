"""Budget diagnostic rules (pure, no database): consumption units (INSEE scale), the RSA scale
(R262-1) and the figures: reste à vivre per UC per day, debt ratio, the binding capacity limit
and its rounding."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from microcredit.budgets import rules
from microcredit.budgets.rules import BudgetError, CapacityLimit, Member
from tests.budgets.helpers import (
    APPLICANT,
    CHILD,
    MONTH,
    OTHER,
    SPOUSE,
    THRESHOLDS,
    D,
    charges,
    couple_one_salary,
    member,
    resources,
    retired_alone,
)


class TestConsumptionUnits:
    def test_fourteenth_birthday_on_the_first_of_the_month_counts_half(self) -> None:
        members = [member(APPLICANT, date(1980, 1, 1)), member(CHILD, date(2012, 4, 1))]
        assert rules.consumption_units(members, MONTH) == D("1.5")
        members[1] = member(CHILD, date(2012, 4, 2))
        assert rules.consumption_units(members, MONTH) == D("1.3")

    def test_other_adult_and_spouse_count_half(self) -> None:
        members = [
            member(APPLICANT, date(1980, 1, 1)),
            member(SPOUSE, date(1981, 1, 1)),
            member(OTHER, date(1950, 1, 1)),
        ]
        assert rules.consumption_units(members, MONTH) == D("2.0")

    def test_without_applicant_is_refused(self) -> None:
        with pytest.raises(BudgetError) as err:
            rules.consumption_units([member(SPOUSE, date(1980, 1, 1))], MONTH)
        assert err.value.messages == ("Le foyer doit comporter un demandeur.",)

    def test_born_29_february(self) -> None:
        assert rules.age_on(date(2012, 2, 29), date(2026, 2, 28)) == 13
        assert rules.age_on(date(2012, 2, 29), date(2026, 3, 1)) == 14


def household(spouse: bool, children: int, adults: int = 0) -> list[Member]:
    people = [member(APPLICANT, date(1980, 1, 1))]
    if spouse:
        people.append(member(SPOUSE, date(1981, 1, 1)))
    people += [member(OTHER, date(1950, 1, 1)) for _ in range(adults)]
    people += [member(CHILD, date(2010 + k, 1, 1)) for k in range(children)]
    return people


class TestRsaScale:
    # CAF's published scale from 1 April 2025 (646,52 €): lone parent + 3 children 1 422,34 €
    # = 646,52 × 2,2; couple + 2 children = 2,1 (R262-1: 40 % from the third child on).
    @pytest.mark.parametrize(
        ("spouse", "children", "rate"),
        [
            (False, 0, "1"),
            (True, 0, "1.5"),
            (False, 1, "1.5"),
            (False, 2, "1.8"),
            (False, 3, "2.2"),
            (False, 4, "2.6"),
            (True, 1, "1.8"),
            (True, 2, "2.1"),
            (True, 3, "2.5"),
            (True, 5, "3.3"),
        ],
    )
    def test_r262_1_scale(self, spouse: bool, children: int, rate: str) -> None:
        assert rules.rsa_scale_rate(household(spouse, children), MONTH) == D(rate)

    def test_lone_parent_with_three_children_matches_the_published_2025_amount(self) -> None:
        assert rules.rsa_floor(household(False, 3), MONTH, D("646.52")) == D("1422.34")

    def test_other_adult_counts_thirty_percent_never_forty(self) -> None:
        # applicant 1 + other adult 0,5 (second person) + child 0,3 + child 0,3 + child 0,4
        assert rules.rsa_scale_rate(household(False, 3, adults=1), MONTH) == D("2.5")
        # couple + other adult (0,3) + 3 children (0,3, 0,3, 0,4)
        assert rules.rsa_scale_rate(household(True, 3, adults=1), MONTH) == D("2.8")

    def test_child_aged_25_or_more_counts_as_an_adult(self) -> None:
        people = [*household(False, 2), member(CHILD, date(2000, 1, 1))]
        # 1 + 0,5 (the 26-year-old, ordered first as an adult) + 0,3 + 0,3 (two young children)
        assert rules.rsa_scale_rate(people, MONTH) == D("2.1")


# --- Figures -------------------------------------------------------------------------------


class TestFigures:
    def test_per_day_rounding_is_half_up(self) -> None:
        assert rules.remaining_per_uc_per_day(D("1020"), D("3.2")) == D("10.63")
        assert rules.remaining_per_uc_per_day(D("-1020"), D("3.2")) == D("-10.63")
        assert rules.DAYS_PER_MONTH == 30

    def test_debt_ratio(self) -> None:
        assert rules.debt_ratio_percent(D("150"), D("2170")) == D("6.91")
        assert rules.debt_ratio_percent(D("1"), D("8")) == D("12.50")
        # Without any resource there is no ratio (« sans objet »), whatever the installments.
        assert rules.debt_ratio_percent(D("0"), D("0")) is None
        assert rules.debt_ratio_percent(D("1"), D("0.00")) is None
        with pytest.raises(BudgetError):
            rules.debt_ratio_percent(D("1"), D("-1"))

    def test_debt_ratio_can_be_the_binding_limit(self) -> None:
        budget = replace(
            couple_one_salary(),
            charges=charges(rent="300", credit_installments="700"),
        )
        # 2 170 × 35 % − 700 = 59,50; reste à vivre 1 170 − 690 = 480; floor 2 170 − 700 −
        # 1 368,55 = 101,45
        capacity = rules.repayment_capacity(budget, THRESHOLDS)
        assert capacity.amount == D("59.50")
        assert capacity.limit is CapacityLimit.DEBT_RATIO

    def test_capacity_is_rounded_down_to_the_cent(self) -> None:
        budget = replace(retired_alone(), resources=resources(pensions="980.01"))
        # 980,01 × 35 % = 343,0035 → 343,00 (down); floor 980,01 − 651,69 = 328,32
        capacity = rules.repayment_capacity(budget, THRESHOLDS)
        assert capacity.by_debt_ratio == D("343.00")
        assert capacity.amount == D("328.32")
