"""Budget diagnostic rules (pure, no database).

The expected figures of the five household archetypes are derived by hand below, from the rules
(INSEE scale, reste à vivre, the three capacity limits) and from the legislation's published
amount: the RSA montant forfaitaire for one person from 1 April 2026, 651,69 € (décret
n° 2026-220 du 30 mars 2026: 646,52 € × 1,008 = 651,692 → 651,69 €). That this is also the value
of OpenFisca-France's parameter is checked separately, in tests/rights/test_engine.py.

Installments are the loan engine's (A = P·i / (1 − (1 + i)^−n), i = 1,75 % / 12, half-up to
the cent, the last row taking the remaining principal); the engine has its own tests.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from loan_engine import DeferralKind, LoanTerms, build_schedule
from microcredit.budgets import rules
from microcredit.budgets.rules import (
    Budget,
    BudgetError,
    CapacityLimit,
    Charge,
    ChargeType,
    HousingStatus,
    LoanRequest,
    Member,
    MemberRole,
    Resource,
    ResourceType,
    Scheme,
    Thresholds,
    Verdict,
)

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


class TestLoneParent:
    # UC: 1 (applicant) + 0,3 (child of 7) = 1,3
    # Reste à vivre: 1 200 − 755 = 445,00 €; per UC per day 445 / 1,3 / 30 = 11,4102… → 11,41
    # RSA floor (R262-1): 1 + 0,5 (second person) = 1,5 × 651,69 = 977,535 → 977,54
    # Capacity: debt ratio 1 200 × 35 % − 0 = 420,00; reste à vivre 445 − 10 × 1,3 × 30 = 55,00;
    #   floor 1 200 − 0 − 977,54 = 222,46 → 55,00 (reste à vivre)
    # Request 600 € × 12 months: installment 50,4752… → 50,48 ≤ 55,00 but > 80 % × 55 = 44,00
    #   → fragile. After: (445 − 50,48) / 39 = 10,1159 → 10,12 €; ratio 50,48 / 1 200 = 4,21 %
    # Recommended: 600 € × 18 months (33,7970 → 33,80 ≤ 44,00: the shortest comfortable).
    def test_figures_and_verdict(self) -> None:
        a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, LoanRequest(D("600"), 12))
        assert a.consumption_units == D("1.3")
        assert a.total_resources == D("1200.00")
        assert a.total_charges == D("755.00")
        assert a.remaining_income == D("445.00")
        assert a.remaining_per_uc_per_day == D("11.41")
        assert a.rsa_floor == D("977.54")
        assert a.debt_ratio_before_percent == D("0.00")
        assert a.capacity.by_debt_ratio == D("420.00")
        assert a.capacity.by_remaining_income == D("55.00")
        assert a.capacity.by_rsa_floor == D("222.46")
        assert a.capacity.amount == D("55.00")
        assert a.capacity.limit is CapacityLimit.REMAINING_INCOME
        assert a.requested.max_payment == D("50.48")
        assert a.remaining_per_uc_per_day_after == D("10.12")
        assert a.debt_ratio_after_percent == D("4.21")
        assert a.verdict is Verdict.FRAGILE
        assert a.verdict_label == "Fragile"
        assert "absorbe 92\xa0% de la capacité" in a.reasons[0]
        assert a.recommended is not None
        assert (a.recommended.amount, a.recommended.months) == (D("600.00"), 18)
        assert a.recommended.max_payment == D("33.80")
        assert a.recommended.deferral_months == 0

    def test_housing_aid_paid_to_landlord_is_explained(self) -> None:
        a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, LoanRequest(D("600"), 12))
        assert any("versée au bailleur" in notice for notice in a.notices)


class TestJobSeeker:
    # UC 1; reste à vivre 200 − 512 = −312,00; per UC per day −312 / 30 = −10,40
    # Floor 651,69 × 1 = 651,69. Limits: ratio 200 × 35 % = 70,00; reste à vivre −312 − 300 =
    #   −612,00; floor 200 − 651,69 = −451,69 → capacity 0 (reste à vivre is the lowest)
    # Verdict: not suitable (the budget is already in deficit); nothing to recommend.
    def test_figures_and_verdict(self) -> None:
        a = rules.assess_budget(job_seeker(), THRESHOLDS, SCHEME, LoanRequest(D("500"), 12))
        assert a.consumption_units == D("1")
        assert a.remaining_income == D("-312.00")
        assert a.remaining_per_uc_per_day == D("-10.40")
        assert a.rsa_floor == D("651.69")
        assert a.capacity.by_debt_ratio == D("70.00")
        assert a.capacity.by_remaining_income == D("-612.00")
        assert a.capacity.by_rsa_floor == D("-451.69")
        assert a.capacity.amount == D("0.00")
        assert a.verdict is Verdict.NOT_SUITABLE
        assert a.reasons[0].startswith("Le budget est déjà déficitaire de 312,00\xa0€ par mois")
        assert a.recommended is None
        assert not any(o.carried for o in a.options)
        assert "ne paraît pas adapté" in a.recommendation


class TestCoupleOneSalary:
    # UC: 1 + 0,5 (spouse) + 0,5 (child of 15) + 0,3 (child of 10) = 2,3
    # Reste à vivre 2 170 − 1 340 = 830,00; per UC per day 830 / 69 = 12,0289… → 12,03
    # Floor: 1 + 0,5 + 0,3 + 0,3 = 2,1 × 651,69 = 1 368,549 → 1 368,55
    # Debt ratio before: 150 / 2 170 = 6,9124… % → 6,91 %
    # Limits: ratio 2 170 × 35 % − 150 = 609,50; reste à vivre 830 − 10 × 2,3 × 30 = 140,00;
    #   floor 2 170 − 150 − 1 368,55 = 651,45 → 140,00
    # Request 2 000 € × 24: A = 84,8609 → 84,86, the last payment 84,90 (it takes the residue);
    #   84,90 ≤ 80 % × 140 = 112,00 → suitable, and the request is the recommendation.
    # After: ratio (150 + 84,90) / 2 170 = 10,8248 → 10,82 %; (830 − 84,90) / 69 = 10,7985 → 10,80
    def test_figures_and_verdict(self) -> None:
        request = LoanRequest(D("2000"), 24)
        a = rules.assess_budget(couple_one_salary(), THRESHOLDS, SCHEME, request)
        assert a.consumption_units == D("2.3")
        assert a.remaining_income == D("830.00")
        assert a.remaining_per_uc_per_day == D("12.03")
        assert a.rsa_floor == D("1368.55")
        assert a.debt_ratio_before_percent == D("6.91")
        assert (a.capacity.by_debt_ratio, a.capacity.by_remaining_income) == (
            D("609.50"),
            D("140.00"),
        )
        assert a.capacity.by_rsa_floor == D("651.45")
        assert a.capacity.amount == D("140.00")
        assert a.requested.installment == D("84.86")
        assert a.requested.max_payment == D("84.90")
        assert a.debt_ratio_after_percent == D("10.82")
        assert a.remaining_per_uc_per_day_after == D("10.80")
        assert a.verdict is Verdict.SUITABLE
        assert a.recommended is a.requested
        assert a.recommendation.startswith("Option recommandée : la demande telle quelle")


class TestRetiredAlone:
    # UC 1; reste à vivre 980 − 305 = 675,00; per UC per day 675 / 30 = 22,50
    # Floor 651,69. Limits: ratio 980 × 35 % = 343,00; reste à vivre 675 − 300 = 375,00;
    #   floor 980 − 0 − 651,69 = 328,31 → 328,31: the RSA floor is the binding limit
    # Request 1 500 € × 12: 126,1881 → 126,19 ≤ 80 % × 328,31 = 262,648 → suitable
    def test_figures_and_verdict(self) -> None:
        a = rules.assess_budget(retired_alone(), THRESHOLDS, SCHEME, LoanRequest(D("1500"), 12))
        assert a.consumption_units == D("1")
        assert a.remaining_income == D("675.00")
        assert a.remaining_per_uc_per_day == D("22.50")
        assert a.rsa_floor == D("651.69")
        assert a.capacity.amount == D("328.31")
        assert a.capacity.limit is CapacityLimit.RSA_FLOOR
        assert a.requested.max_payment == D("126.19")
        assert a.verdict is Verdict.SUITABLE
        # The request leaves a margin: it is recommended as asked, not shortened to 6 months
        # (251,28 € would also fit under 262,65 €).
        assert a.recommended is not None and a.recommended.requested
        assert "plancher du RSA" in a.reasons[3] and "au-dessus du" in a.reasons[3]


class TestLargeFamily:
    # UC: 1 + 0,5 (spouse) + 0,5 (16) + 4 × 0,3 (12, 9, 5, 2) = 3,2
    # Reste à vivre 2 550 − 1 530 = 1 020,00; per UC per day 1 020 / 96 = 10,625 → 10,63
    #   (half-up; banker's rounding would give 10,62)
    # Floor (R262-1): 1 + 0,5 (spouse) + 0,3 + 0,3 (1st, 2nd child) + 3 × 0,4 (3rd child on)
    #   = 3,3 × 651,69 = 2 150,577 → 2 150,58
    # Limits: ratio 2 550 × 35 % = 892,50; reste à vivre 1 020 − 10 × 3,2 × 30 = 60,00;
    #   floor 2 550 − 2 150,58 = 399,42 → 60,00
    # Request 2 000 € × 24: 84,90 > 60,00 → not suitable. 2 000 € is carried over 36 months
    #   (57,0671 → 57,07 ≤ 60; 30 months: 68,33 > 60), never with a margin (> 48,00): that is
    #   the recommendation, with a warning.
    def test_figures_and_verdict(self) -> None:
        a = rules.assess_budget(large_family(), THRESHOLDS, SCHEME, LoanRequest(D("2000"), 24))
        assert a.consumption_units == D("3.2")
        assert a.remaining_income == D("1020.00")
        assert a.remaining_per_uc_per_day == D("10.63")
        assert a.rsa_floor == D("2150.58")
        assert a.capacity.amount == D("60.00")
        assert a.capacity.by_rsa_floor == D("399.42")
        assert a.verdict is Verdict.NOT_SUITABLE
        assert "dépasse la capacité de remboursement" in a.reasons[0]
        assert a.recommended is not None
        assert (a.recommended.amount, a.recommended.months) == (D("2000.00"), 36)
        assert a.recommended.max_payment == D("57.07")
        assert not a.recommended.comfortable
        assert a.recommendation.endswith("La marge resterait faible.")


# --- Consumption units and RSA scale --------------------------------------------------------


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
        with pytest.raises(BudgetError):
            rules.debt_ratio_percent(D("1"), D("0"))

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


# --- Validation ------------------------------------------------------------------------------


class TestValidation:
    def test_valid_archetypes_have_no_problem(self) -> None:
        for make in (lone_parent, job_seeker, couple_one_salary, retired_alone, large_family):
            assert rules.validate_budget(make()) == []

    def test_no_member(self) -> None:
        budget = replace(retired_alone(), members=())
        assert rules.validate_budget(budget) == [
            "Aucun membre du foyer n'est renseigné : ajoutez au moins le demandeur."
        ]

    def test_tenant_without_rent(self) -> None:
        budget = replace(lone_parent(), charges=charges(energy="80"))
        assert rules.validate_budget(budget) == [
            "Le foyer est locataire mais aucun loyer n'est renseigné."
        ]

    def test_owner_needs_no_rent(self) -> None:
        assert rules.validate_budget(retired_alone()) == []

    def test_negative_amounts(self) -> None:
        budget = replace(
            retired_alone(),
            resources=resources(pensions="980", other="-20"),
            charges=charges(energy="-5"),
        )
        assert rules.validate_budget(budget) == [
            "Le montant « Autres ressources » ne peut pas être négatif.",
            "Le montant « Énergie (électricité, gaz, chauffage) » ne peut pas être négatif.",
        ]

    def test_no_resources(self) -> None:
        budget = replace(retired_alone(), resources=())
        assert rules.validate_budget(budget) == [
            "Aucune ressource n'est renseignée : le budget ne peut pas être étudié."
        ]

    def test_several_problems_at_once(self) -> None:
        budget = Budget(
            month=date(2026, 4, 15),
            members=(member(SPOUSE, date(1980, 1, 1)), member(CHILD, date(2027, 1, 1))),
            resources=(Resource(ResourceType.SALARIES, D("10.005")),),
            charges=(),
            housing=HousingStatus.TENANT_SOCIAL,
        )
        assert rules.validate_budget(budget) == [
            "Le mois du budget doit être indiqué par le premier jour du mois.",
            "Le foyer doit comporter un demandeur.",
            "Le montant « Salaires » ne peut pas avoir plus de deux décimales.",
            "Le foyer est locataire mais aucun loyer n'est renseigné.",
        ]

    def test_minor_applicant_and_birth_after_the_month(self) -> None:
        budget = replace(
            retired_alone(),
            members=(member(APPLICANT, date(2010, 1, 1)), member(CHILD, date(2026, 5, 1))),
        )
        assert rules.validate_budget(budget) == [
            "La date de naissance de la personne n° 2 est postérieure au mois du budget.",
            "Le demandeur doit être majeur au mois du budget.",
        ]

    def test_a_float_is_not_an_amount(self) -> None:
        budget = replace(retired_alone(), resources=(Resource(ResourceType.PENSIONS, 980.0),))  # type: ignore[arg-type]
        assert rules.validate_budget(budget) == [
            "Le montant « Pensions de retraite ou d'invalidité » n'est pas un nombre valide."
        ]

    def test_computations_refuse_invalid_data_with_the_messages(self) -> None:
        budget = replace(lone_parent(), charges=charges(energy="80"))
        with pytest.raises(BudgetError) as err:
            rules.assess_budget(budget, THRESHOLDS, SCHEME, LoanRequest(D("600"), 12))
        assert err.value.messages == ("Le foyer est locataire mais aucun loyer n'est renseigné.",)
        assert isinstance(err.value, ValueError)
        with pytest.raises(BudgetError):
            rules.repayment_capacity(budget, THRESHOLDS)
        with pytest.raises(BudgetError):
            rules.loan_options(budget, THRESHOLDS, SCHEME)

    def test_request_outside_the_scheme(self) -> None:
        request = LoanRequest(D("5000"), 48, deferral_months=13)
        assert rules.validate_request(request, SCHEME) == [
            "Le montant demandé doit être compris entre 300,00\xa0€ et 3\u202f000,00\xa0€.",
            "La durée demandée doit être comprise entre 3 et 36 mois.",
            "Le différé ne peut pas dépasser 12 mois.",
        ]
        with pytest.raises(BudgetError) as err:
            rules.assess_budget(retired_alone(), THRESHOLDS, SCHEME, request)
        assert len(err.value.messages) == 3

    def test_deferral_needs_a_kind(self) -> None:
        assert rules.validate_request(LoanRequest(D("1000"), 12, 3), SCHEME) == [
            "Précisez le type de différé : partiel (intérêts seuls) ou total."
        ]


# --- Options table and recommendation ------------------------------------------------------


class TestOptions:
    def test_table_shape_and_bounds(self) -> None:
        options = rules.loan_options(couple_one_salary(), THRESHOLDS, SCHEME)
        amounts = sorted({o.amount for o in options})
        assert amounts == [D(x) for x in ("300", "500", "1000", "1500", "2000", "2500", "3000")]
        assert sorted({o.months for o in options}) == [6, 12, 18, 24, 30, 36]
        assert sorted({o.deferral_months for o in options}) == [0, 12]
        assert len(options) == 7 * 6 * 2
        assert not any(o.requested for o in options)
        keys = [(o.amount, o.months, o.deferral_months) for o in options]
        assert keys == sorted(keys)

    def test_request_is_added_and_marked(self) -> None:
        request = LoanRequest(D("1234.56"), 9, 2, DeferralKind.CAPITALISED)
        options = rules.loan_options(couple_one_salary(), THRESHOLDS, SCHEME, request)
        marked = [o for o in options if o.requested]
        assert len(marked) == 1
        assert (marked[0].amount, marked[0].months, marked[0].deferral_months) == (
            D("1234.56"),
            9,
            2,
        )
        assert marked[0].deferral_kind is DeferralKind.CAPITALISED
        assert len(options) == 8 * 7 * 3

    def test_narrow_scheme_filters_durations(self) -> None:
        scheme = replace(SCHEME, min_months=10, max_months=20, max_deferral_months=0)
        options = rules.loan_options(retired_alone(), THRESHOLDS, scheme)
        assert sorted({o.months for o in options}) == [12, 18]
        assert {o.deferral_months for o in options} == {0}

    def test_installments_come_from_the_loan_engine_and_carried_matches_capacity(self) -> None:
        budget = couple_one_salary()
        capacity = rules.repayment_capacity(budget, THRESHOLDS).amount
        for option in rules.loan_options(budget, THRESHOLDS, SCHEME):
            schedule = build_schedule(
                LoanTerms(
                    option.amount,
                    SCHEME.annual_rate,
                    option.months,
                    MONTH,
                    option.deferral_months,
                    option.deferral_kind,
                )
            )
            assert option.installment == schedule.installment
            assert option.max_payment == max(r.payment for r in schedule.rows)
            assert option.carried is (option.max_payment <= capacity)
            assert option.comfortable is (option.max_payment <= capacity * D("0.8"))

    def test_interest_only_deferral_keeps_the_installment_and_costs_interest(self) -> None:
        options = rules.loan_options(couple_one_salary(), THRESHOLDS, SCHEME)
        plain = next(
            o for o in options if (o.amount, o.months, o.deferral_months) == (D(3000), 36, 0)
        )
        deferred = next(
            o for o in options if (o.amount, o.months, o.deferral_months) == (D(3000), 36, 12)
        )
        assert deferred.deferral_kind is DeferralKind.INTEREST_ONLY
        assert deferred.installment == plain.installment
        assert deferred.total_interest > plain.total_interest


class TestRecommendation:
    def test_largest_carried_amount_when_the_requested_one_is_not(self) -> None:
        # Capacity 55,00 € (lone parent): 3 000 € never fits (36 months: up to 85,62 €), nor
        # 2 000 € (36 months: 57,07 €); 1 500 € over 30 months is 51,14 € (carried, no margin:
        # above 44,00), over 36 months 42,81 € at most (with a margin) → 1 500 € × 36.
        a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, LoanRequest(D("3000"), 36))
        assert a.verdict is Verdict.NOT_SUITABLE
        assert a.recommended is not None
        assert (a.recommended.amount, a.recommended.months) == (D("1500.00"), 36)
        assert a.recommended.max_payment == D("42.81")
        assert a.recommended.comfortable
        assert max(o.amount for o in a.options if o.carried) == D("1500.00")
        assert a.recommendation == (
            "Option recommandée : 1\u202f500,00\xa0€ sur 36 mois (échéance de 42,81\xa0€)."
        )

    def test_prefers_the_requested_deferral_then_none(self) -> None:
        request = LoanRequest(D("600"), 12, 12, DeferralKind.INTEREST_ONLY)
        a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, request)
        assert a.recommended is not None
        assert (a.recommended.months, a.recommended.deferral_months) == (18, 12)
        options = rules.loan_options(lone_parent(), THRESHOLDS, SCHEME)
        best = rules.recommend_option(options, LoanRequest(D("600"), 12))
        assert best is not None and best.deferral_months == 0

    def test_nothing_carried(self) -> None:
        options = rules.loan_options(job_seeker(), THRESHOLDS, SCHEME)
        assert rules.recommend_option(options) is None
        assert rules.recommend_option([]) is None


def test_enums_have_french_labels() -> None:
    assert set(rules.RESOURCE_LABELS) == set(ResourceType)
    assert set(rules.CHARGE_LABELS) == set(ChargeType)
    assert set(rules.MEMBER_ROLE_LABELS) == set(MemberRole)
    assert set(rules.HOUSING_STATUS_LABELS) == set(HousingStatus)
    assert set(rules.VERDICT_LABELS) == set(Verdict)
    assert ResourceType.HOUSING_AID.value == "housing_aid"
    assert rules.RESOURCE_LABELS[ResourceType.PRIME_ACTIVITE] == "Prime d'activité"


def test_rules_import_neither_django_nor_openfisca() -> None:
    code = (
        "import sys; import microcredit.budgets.rules, microcredit.rights.rules; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'openfisca_core', "
        "'openfisca_france', 'numpy')]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
