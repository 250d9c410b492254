"""Presentation of the appraisal's Decimals: pennies rounded half up, only here."""

from decimal import Decimal

from django import template

from consortia.appraisal import HUNDRED, format_money, format_percent

register = template.Library()


# A word joiner after the minus sign stops a narrow table cell breaking "-£1,234" in two.
WORD_JOINER = "\u2060"


@register.filter
def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return format_money(amount).replace("-", f"-{WORD_JOINER}", 1)


@register.filter
def percent(rate: Decimal | None) -> str:
    """A rate already in percent (0-100)."""
    return "" if rate is None else format_percent(rate)


@register.filter
def fraction_percent(fraction: Decimal | None) -> str:
    """A fraction (0-1) as a percentage; "no income" when there is none."""
    return "no income" if fraction is None else format_percent(fraction * HUNDRED)
