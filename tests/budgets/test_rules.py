"""Budget diagnostic rules (pure, no database).

The expected figures of the five household archetypes are derived by hand below, from the rules
(INSEE scale, reste à vivre, the three capacity limits) and from the legislation's published
amount: the RSA montant forfaitaire for one person from 1 April 2026, 651,69 € (décret
n° 2026-220 du 30 mars 2026: 646,52 € × 1,008 = 651,692 → 651,69 €). That this is also the value
of OpenFisca-France's parameter is checked separately, in tests/rights/test_engine.py.

Installments are the loan engine's (A = P·i / (1 − (1 + i)^−n), i = 1,75 % / 12, half-up to
the cent, the last row taking the remaining principal); the engine has its own tests.

The other rules have their own modules: test_rules_units_and_figures.py (consumption units, RSA
scale, figures), test_rules_validation.py, test_rules_options.py (options and recommendation).
"""

from __future__ import annotations

import subprocess
import sys

from microcredit.budgets import rules
from microcredit.budgets.rules import (
    CapacityLimit,
    ChargeType,
    HousingStatus,
    LoanRequest,
    MemberRole,
    ResourceType,
    Verdict,
)
from tests.budgets.helpers import (
    SCHEME,
    THRESHOLDS,
    D,
    couple_one_salary,
    job_seeker,
    large_family,
    lone_parent,
    retired_alone,
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
