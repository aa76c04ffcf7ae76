"""Pure rules of loans (no database): the bank's lines checked, one deferral vocabulary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import loan_engine
from microcredit.dossiers.enums import DeferralKind
from microcredit.loans import rules

TODAY = date(2026, 3, 1)


def test_the_stored_deferral_kinds_are_the_engine_values() -> None:
    assert DeferralKind.values == [kind.value for kind in loan_engine.DeferralKind]
    assert DeferralKind.names == [kind.name for kind in loan_engine.DeferralKind]


def test_a_good_line_has_no_problem() -> None:
    line = rules.RepaymentLine("R1", "D-1", date(2026, 2, 1), Decimal("50.00"))
    assert rules.check_line(1, line, disbursement_date=date(2026, 1, 1), today=TODAY) == []


def test_each_problem_of_a_line_in_reading_order() -> None:
    line = rules.RepaymentLine(" ", "D-1", date(2026, 4, 1), Decimal("1.234"), True, "x")
    codes = [p.code for p in rules.check_line(3, line, disbursement_date=None, today=TODAY)]
    assert codes == ["invalid_reference", "invalid_amount", "invalid_keep", "future_date"]


def test_a_line_before_the_disbursement() -> None:
    line = rules.RepaymentLine("R1", "D-1", date(2025, 12, 31), Decimal("50.00"))
    (problem,) = rules.check_line(2, line, disbursement_date=date(2026, 1, 1), today=TODAY)
    assert problem.code == "before_disbursement"
    assert problem.message.startswith("Ligne 2 (référence « R1 »)")


def test_an_incident_is_checked_by_field() -> None:
    problems = rules.check_incident(
        reference="I1",
        kind="unknown",
        kinds={"late"},
        day=date(2026, 4, 1),
        amount=Decimal("0"),
        disbursement_date=date(2026, 1, 1),
        today=TODAY,
    )
    assert {field: p.code for field, p in problems.items()} == {
        "kind": "invalid_kind",
        "amount": "invalid_amount",
        "date": "future_date",
    }
