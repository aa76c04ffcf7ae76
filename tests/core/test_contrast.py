"""The WCAG contrast measure (core/contrast.py) on pairs whose ratio is known."""

from __future__ import annotations

import pytest

from microcredit.core.contrast import (
    contrast_ratio,
    floor_ratio,
    parse_hex,
    relative_luminance,
)


def test_black_and_white_are_the_ends_of_the_scale() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)


def test_a_colour_against_itself_is_one() -> None:
    assert contrast_ratio("#1d4ed8", "#1D4ED8") == pytest.approx(1)


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [
        ("#777777", 4.48),  # the classic grey just under AA
        ("#767676", 4.54),  # the lightest grey that passes on white
        ("#1d4ed8", 6.70),  # the default theme colour
        ("#1e40af", 8.72),  # Saint-Étienne's
        ("#3b82f6", 3.68),
        ("#ff0000", 4.00),
    ],
)
def test_known_ratios_on_white(colour: str, ratio: float) -> None:
    assert contrast_ratio(colour, "#ffffff") == pytest.approx(ratio, abs=0.01)


def test_the_shown_ratio_never_rounds_a_failure_up_to_the_minimum() -> None:
    assert floor_ratio(4.4999) == 4.49
    assert floor_ratio(2.2867) == 2.28
    assert floor_ratio(21.0) == 21.0


@pytest.mark.parametrize("colour", ["#12345", "blue", "#gggggg", "", "#1234567"])
def test_anything_but_six_hex_digits_is_refused(colour: str) -> None:
    with pytest.raises(ValueError):
        parse_hex(colour)


def test_with_or_without_the_hash() -> None:
    assert parse_hex("1d4ed8") == parse_hex("#1d4ed8") == (0x1D, 0x4E, 0xD8)
