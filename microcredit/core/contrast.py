"""Colour contrast as WCAG 2 defines it (RGAA 3.2 and 3.3 use the same measure). Pure Python.

relative_luminance: https://www.w3.org/TR/WCAG21/#dfn-relative-luminance
contrast_ratio: https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio
"""

from __future__ import annotations

import re

# The minimum for text of normal size (RGAA 3.2, WCAG 1.4.3 AA).
TEXT_MINIMUM = 4.5

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_hex(colour: str) -> tuple[int, int, int]:
    """#RRGGBB (or RRGGBB) as its three channels, 0 to 255.

    Raises:
        ValueError: not a six-digit hexadecimal colour.
    """
    match = _HEX.match(colour.strip())
    if match is None:
        raise ValueError(f"Not a #RRGGBB colour: {colour!r}")
    digits = match.group(1)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """From 0 (black) to 1 (white)."""
    red, green, blue = (_channel(v) for v in parse_hex(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (the same luminance) to 21 (black on white), whichever colour is the lighter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def floor_ratio(ratio: float) -> float:
    """The ratio to two decimals, rounded down: 4.499 shows as 4.49, never as a passing 4.50."""
    return int(ratio * 100) / 100
