"""French display of money, percents and dates (microcredit.core.formatting)."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from loan_engine import _wording
from microcredit.core.formatting import (
    format_date,
    format_datetime,
    format_eur,
    format_month,
    format_percent,
)


def test_format_eur() -> None:
    assert format_eur(D("3000")) == "3\u202f000,00\u00a0€"
    assert format_eur(D("1234567.891")) == "1\u202f234\u202f567,89\u00a0€"
    assert format_eur(D("0.5")) == "0,50\u00a0€"
    assert format_eur(D("-12.345")) == "-12,35\u00a0€"
    assert format_eur(D("-0.004")) == "0,00\u00a0€"


def test_format_percent() -> None:
    assert format_percent(D("1.76")) == "1,76\u00a0%"
    assert format_percent(D("1.765")) == "1,77\u00a0%"
    assert format_percent(D("1234.5")) == "1\u202f234,50\u00a0%"
    assert format_percent(D("37.5"), places=0) == "38\u00a0%"
    assert format_percent(D("-0.5"), places=1) == "-0,5\u00a0%"


def test_format_date_is_the_french_short_date() -> None:
    assert format_date(date(2024, 3, 5)) == "05/03/2024"


def test_format_datetime_is_the_french_short_date_and_time_as_given() -> None:
    assert format_datetime(datetime(2024, 3, 5, 9, 7, 42, tzinfo=UTC)) == "05/03/2024 09:07"
    assert format_datetime(datetime(2024, 12, 31, 23, 59, tzinfo=UTC)) == "31/12/2024 23:59"


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_the_engine_writes_its_figures_as_the_project_does(value: D) -> None:
    assert _wording.eur(value) == format_eur(value)
    assert _wording.percent(value) == format_percent(value)


def test_format_month_is_month_and_year() -> None:
    assert format_month(date(2024, 3, 5)) == "03/2024"
    assert format_month(date(2026, 12, 1)) == "12/2026"


def test_the_english_pages_keep_the_day_month_order_and_the_24_hour_clock() -> None:
    from django.template import Context, Template
    from django.utils import translation

    template = Template(
        '{{ d|date:"SHORT_DATE_FORMAT" }} {{ t|date:"SHORT_DATETIME_FORMAT" }} '
        '{{ t|time:"TIME_FORMAT" }}'
    )
    context = Context({"d": date(2024, 3, 5), "t": datetime(2024, 3, 5, 14, 7)})  # noqa: DTZ001
    for language in ("fr", "en"):
        with translation.override(language):
            assert template.render(context) == "05/03/2024 05/03/2024 14:07 14:07", language
