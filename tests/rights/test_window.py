"""The scan's window (rights.selectors.scan_window_start): the first day of the month `months`
months up to today's included, across month and year boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from microcredit.rights.selectors import SCAN_MONTHS, scan_window_start


@pytest.mark.parametrize(
    ("today", "months", "first"),
    [
        (date(2026, 4, 15), 1, date(2026, 4, 1)),  # the current month alone
        (date(2026, 4, 30), 4, date(2026, 1, 1)),  # back to January, same year
        (date(2026, 4, 1), 5, date(2025, 12, 1)),  # over the year's boundary
        (date(2026, 1, 31), 2, date(2025, 12, 1)),
        (date(2026, 12, 31), 12, date(2026, 1, 1)),  # December: the whole year
        (date(2026, 1, 1), 12, date(2025, 2, 1)),
        (date(2026, 1, 1), 13, date(2025, 1, 1)),
        (date(2026, 3, 31), 25, date(2024, 3, 1)),  # two whole years back
        (date(2024, 2, 29), 12, date(2023, 3, 1)),  # a leap day
    ],
)
def test_the_window_starts_on_the_first_of_the_month_months_up_to_today(
    today: date, months: int, first: date
) -> None:
    assert scan_window_start(today, months) == first


def test_the_window_is_the_hand_count_of_months_on_every_month_of_three_years() -> None:
    for year in (2024, 2025, 2026):
        for month in range(1, 13):
            today = date(year, month, 28)
            for months in range(1, 40):
                index = year * 12 + month - 1 - (months - 1)
                assert scan_window_start(today, months) == date(index // 12, index % 12 + 1, 1)
    assert scan_window_start(date(2026, 5, 10)) == date(2025, 6, 1) and SCAN_MONTHS == 12


def test_a_window_of_no_month_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one month"):
        scan_window_start(date(2026, 4, 15), 0)
