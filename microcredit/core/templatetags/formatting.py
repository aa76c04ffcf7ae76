"""Template filters for French money and percents: ``{{ amount|eur }}``, ``{{ rate|percent }}``,
an installment and its last one where it differs: ``{{ installment|installment:last }}``.

Load with ``{% load formatting %}``; the text comes from :mod:`microcredit.core.formatting`.
Dates use Django's locale formats: ``{{ day|date:"SHORT_DATE_FORMAT" }}``.
"""

from decimal import Decimal

from django import template
from django.utils.translation import pgettext

from microcredit.core.formatting import format_eur, format_installment, format_percent

register = template.Library()


@register.filter
def eur(value: Decimal) -> str:
    return format_eur(value)


@register.filter
def percent(value: Decimal) -> str:
    return format_percent(value)


@register.filter
def installment(value: Decimal, last: Decimal | None = None) -> str:
    """« 85,60 € (dernière 85,62 €) »: :func:`~microcredit.core.formatting.format_installment`."""
    return format_installment(value, last, last_word=pgettext("last installment", "dernière"))
