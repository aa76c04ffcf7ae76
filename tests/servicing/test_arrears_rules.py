"""The pure rules of the nightly job (no database): the reference loan of arrears_helpers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loan_engine import Payment, arrears_state, build_schedule, loan_terms
from microcredit.servicing.enums import AlertKind, PlanState
from microcredit.servicing.rules import arrears as rules

SCHEDULE = build_schedule(
    loan_terms(
        principal=Decimal("1200.00"),
        rate_percent=Decimal("1.75"),
        months=24,
        deferral_months=0,
        deferral_kind="none",
        disbursement_date=date(2026, 1, 15),
    )
)
FEB, MAR, APR = date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15)
PAID_FEB = [Payment(FEB, Decimal("50.92"))]


def test_the_state_is_the_engine_arrears_state_allocated_once() -> None:
    for as_of in (FEB, date(2026, 2, 16), APR, date(2026, 4, 20), date(2026, 9, 1)):
        position = rules.position_on(SCHEDULE, PAID_FEB, as_of)
        assert rules.arrears_of(position, (1, 30, 60, 90)) == arrears_state(
            SCHEDULE, as_of, payments=PAID_FEB
        )


def test_payments_after_the_date_are_not_counted() -> None:
    later = [*PAID_FEB, Payment(date(2026, 3, 20), Decimal("50.92"))]
    position = rules.position_on(SCHEDULE, later, date(2026, 3, 18))
    assert position.days_past_due == 3  # 15 March unpaid on the 18th
    assert rules.missed_due_date(position) == MAR


def test_missed_and_next_due_dates() -> None:
    on_due_date = rules.position_on(SCHEDULE, PAID_FEB, MAR)
    # On its due date an installment is not overdue yet: it is the next one.
    assert on_due_date.days_past_due == 0
    assert rules.missed_due_date(on_due_date) is None
    assert rules.next_due_date(on_due_date) == MAR
    day_after = rules.position_on(SCHEDULE, PAID_FEB, date(2026, 3, 16))
    assert rules.missed_due_date(day_after) == MAR
    assert rules.next_due_date(day_after) == APR
    # Paid in advance: the credit covers March, the next one not fully paid is April.
    ahead = rules.position_on(SCHEDULE, [Payment(FEB, Decimal("101.84"))], date(2026, 2, 20))
    assert rules.next_due_date(ahead) == APR


def test_the_alerts_a_state_calls_for() -> None:
    state = rules.arrears_of(rules.position_on(SCHEDULE, [], date(2026, 2, 16)), (1, 30, 60, 90))
    assert rules.alerts_called_for(state, FEB) == [("missed_installment", "2026-02-15")]
    state = rules.arrears_of(rules.position_on(SCHEDULE, [], date(2026, 3, 17)), (1, 30, 60, 90))
    assert state.bucket == "30+"  # 30 days after 15 February
    assert rules.alerts_called_for(state, FEB) == [
        ("missed_installment", "2026-02-15"),
        ("bucket_entered", "30+"),
    ]
    on_time = rules.arrears_of(rules.position_on(SCHEDULE, [], FEB), (1, 30, 60, 90))
    assert rules.alerts_called_for(on_time, None) == []


def test_buckets_of_the_version_in_force() -> None:
    versions = [(date(2026, 4, 1), [1, 15]), (date(2025, 10, 1), [1, 30, 60, 90])]
    assert rules.buckets_on(versions, date(2026, 3, 31)) == (1, 30, 60, 90)
    assert rules.buckets_on(versions, date(2026, 4, 1)) == (1, 15)
    assert rules.buckets_on(versions, date(2025, 1, 1)) == (1, 30, 60, 90)  # engine defaults
    assert rules.buckets_on([], date(2026, 4, 1)) == (1, 30, 60, 90)


def test_the_rules_speak_the_models_vocabulary() -> None:
    kinds = {rules.MISSED_INSTALLMENT, rules.BUCKET_ENTERED, rules.PLAN_BROKEN}
    assert kinds == set(AlertKind.values)
    assert {rules.KEPT, rules.BROKEN} <= set(PlanState.values)


def test_par30_is_the_engine_ratio_of_the_loans_30_days_late() -> None:
    late = rules.LoanArrears(
        1,
        "MC-1",
        rules.arrears_of(rules.position_on(SCHEDULE, [], date(2026, 3, 17)), (1, 30)),
        Decimal("50.92"),
        None,
        FEB,
    )
    on_time = rules.LoanArrears(
        2,
        "MC-2",
        rules.arrears_of(rules.position_on(SCHEDULE, PAID_FEB, date(2026, 3, 1)), (1, 30)),
        Decimal("50.92"),
        MAR,
        None,
    )
    # 1200.00 at risk out of 1200.00 + 1150.83 = 2350.83: 0.51045… → 0.5105.
    assert rules.portfolio_at_risk([late, on_time]) == Decimal("0.5105")
    assert rules.portfolio_at_risk([]) == Decimal("0.0000")
