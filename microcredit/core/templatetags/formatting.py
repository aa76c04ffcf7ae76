"""Template filters for French money and percents: ``{{ amount|eur }}``, ``{{ rate|percent }}``.

Load with ``{% load formatting %}``; the text comes from :mod:`microcredit.core.formatting`.
Dates use Django's locale formats: ``{{ day|date:"SHORT_DATE_FORMAT" }}``.
"""

from decimal import Decimal

from django import template

from microcredit.core.formatting import format_eur, format_percent

register = template.Library()


@register.filter
def eur(value: Decimal) -> str:
    return format_eur(value)


@register.filter
def percent(value: Decimal) -> str:
    return format_percent(value)
