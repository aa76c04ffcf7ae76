"""The bilan's pure rules: percents, medians from a histogram, bands and ages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest

from microcredit.dossiers.enums import DossierState
from microcredit.reporting import rules


def test_percent_is_rounded_half_up_with_two_decimals() -> None:
    assert rules.percent(9, 192) == Decimal("4.69")  # 4.6875 → 4.69 (the seed's bilan)
    assert rules.percent(1, 800) == Decimal("0.13")  # 0.125: half-up, not to even (0.12)
    assert rules.percent(1, 3) == Decimal("33.33")
    assert rules.percent(2, 3) == Decimal("66.67")
    assert rules.percent(Decimal("1000.00"), Decimal("8849.99")) == Decimal("11.30")
    assert rules.percent(0, 5) == Decimal("0.00")


def test_percent_over_nothing_is_none() -> None:
    assert rules.percent(0, 0) is None
    assert rules.percent(3, Decimal("0.00")) is None


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ({}, None),
        ({4: 0}, None),
        ({5: 1}, Decimal("5.0")),
        ({1: 1, 2: 1}, Decimal("1.5")),
        ({1: 1, 2: 1, 10: 1}, Decimal("2.0")),  # the middle value, not the mean (4.3)
        ({9: 1, 10: 1, 14: 2, 16: 1, 19: 1, 21: 3, 24: 1}, Decimal("17.5")),  # (16 + 19) / 2
        ({3: 1, 5: 1, 7: 2, 8: 2, 9: 1, 19: 1}, Decimal("7.5")),
        ({0: 3, 100: 1}, Decimal("0.0")),
        ({-2: 1, 4: 1}, Decimal("1.0")),
    ],
)
def test_median_from_histogram(histogram: dict[int, int], median: Decimal | None) -> None:
    assert rules.median_from_histogram(histogram) == median


def test_median_from_histogram_matches_the_sorted_list() -> None:
    values = [7, 1, 3, 3, 12, 8, 8, 8, 2, 40]
    histogram: dict[int, int] = {}
    for value in values:
        histogram[value] = histogram.get(value, 0) + 1
    ordered = sorted(values)
    expected = Decimal(ordered[4] + ordered[5]) / 2  # (7 + 8) / 2
    assert rules.median_from_histogram(histogram) == expected.quantize(Decimal("0.1"))


def test_ages_and_their_bands() -> None:
    assert rules.completed_years(date(2002, 2, 21), date(2026, 2, 20)) == 23  # the day before
    assert rules.completed_years(date(2001, 2, 27), date(2026, 2, 27)) == 25  # the birthday
    assert rules.completed_years(date(2000, 2, 29), date(2026, 2, 28)) == 25
    assert [rules.age_band(age) for age in (18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 90)] == [
        "lt25", "lt25", "25_34", "25_34", "35_44", "35_44", "45_54", "45_54", "55_64", "55_64",
        "ge65", "ge65",
    ]  # fmt: skip


def test_bands_follow_each_other() -> None:
    """No gap and no overlap: each band starts where the previous one ends."""
    for amount, next_amount in pairwise(rules.AMOUNT_BANDS):
        assert amount[3] == next_amount[2]
    assert rules.AMOUNT_BANDS[-1][3] is None
    for bands in (rules.DURATION_BANDS, rules.AGE_BANDS):
        for previous, following in pairwise(bands):
            assert previous[3] is not None
            assert previous[3] + 1 == following[2]
        assert bands[-1][3] is None


def test_funnel_stages_and_final_states_name_real_states() -> None:
    """Every state belongs to one stage of the funnel, or is a way out of it."""
    staged = [state for _key, _label, states in rules.FUNNEL_STAGES for state in states]
    assert len(staged) == len(set(staged))
    ways_out = {DossierState.REORIENTED, DossierState.WITHDRAWN, DossierState.CLOSED}
    assert set(staged) | ways_out == set(DossierState.values)
    assert set(rules.FINAL_STATES) <= set(DossierState.values)
    assert DossierState.DISBURSED not in rules.FINAL_STATES
