"""Budget diagnostic rules (pure, no database): the table of loan options (installments from the
loan engine, carried or comfortable against the capacity) and the recommended option."""

from __future__ import annotations

from dataclasses import replace

from loan_engine import DeferralKind, LoanTerms, build_schedule
from microcredit.budgets import rules
from microcredit.budgets.rules import LoanRequest, Verdict
from tests.budgets.helpers import (
    MONTH,
    SCHEME,
    THRESHOLDS,
    D,
    couple_one_salary,
    job_seeker,
    lone_parent,
    retired_alone,
)


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
        # above 44,00), over 36 months 42,81 € at most (with a margin) → 1 500 € × 36. Its
        # installment is 42,80 €, the last one 42,81 €: the text states both.
        a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, LoanRequest(D("3000"), 36))
        assert a.verdict is Verdict.NOT_SUITABLE
        assert a.recommended is not None
        assert (a.recommended.amount, a.recommended.months) == (D("1500.00"), 36)
        assert a.recommended.max_payment == D("42.81")
        assert a.recommended.comfortable
        assert max(o.amount for o in a.options if o.carried) == D("1500.00")
        assert a.recommendation == (
            "Option recommandée : 1\u202f500,00\xa0€ sur 36 mois, "
            "mensualité 42,80\xa0€ (dernière 42,81\xa0€)."
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
