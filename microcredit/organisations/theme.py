"""The theme colour a CCAS chooses must stay readable (RGAA 3.2).

The theme stylesheet (`shell:theme_css`) makes it Pico's primary colour: the colour of links on
the white page, and the background of buttons whose text is white (`--pico-primary-inverse`).
Both need a contrast of 4.5:1 at least.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from microcredit.core.contrast import TEXT_MINIMUM, contrast_ratio, floor_ratio, parse_hex

# Pico's light page background and the text of its primary buttons: both white.
PAGE_BACKGROUND = "#ffffff"
BUTTON_TEXT = "#ffffff"


def theme_colour_contrast_error(colour: str) -> str | None:
    """Why `colour` (#RRVVBB) would be unreadable in the theme, in French; None if readable.

    A colour that is not #RRVVBB gets None: the format's own validator speaks for it.
    """
    try:
        parse_hex(colour)
    except ValueError:
        return None
    ratio = min(contrast_ratio(colour, PAGE_BACKGROUND), contrast_ratio(colour, BUTTON_TEXT))
    if ratio >= TEXT_MINIMUM:
        return None
    return _(
        "Cette couleur (%(colour)s) n'offre qu'un contraste de %(ratio)s:1 avec le fond blanc "
        "des pages et le texte blanc des boutons ; il faut au moins %(minimum)s:1 (RGAA 3.2). "
        "Choisissez une teinte plus foncée."
    ) % {
        "colour": colour,
        "ratio": number_format(floor_ratio(ratio), decimal_pos=2),
        "minimum": number_format(TEXT_MINIMUM, decimal_pos=1),
    }


def validate_theme_colour_contrast(colour: str) -> None:
    """Raises:
    ValidationError: the colour is too light for the theme (French message with the ratio).
    """
    error = theme_colour_contrast_error(colour)
    if error is not None:
        raise ValidationError(error, code="contrast")
