"""French display of the engine's figures: « 3 000,00 € », « 1,76 % »."""

from decimal import Decimal

from django import template

from loan_engine import format_eur, format_percent

register = template.Library()


@register.filter
def eur(value: Decimal) -> str:
    return format_eur(value)


@register.filter
def percent(value: Decimal) -> str:
    return format_percent(value)
