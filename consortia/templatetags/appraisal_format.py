"""Presentation of the appraisal's Decimals: estimates in whole pounds, prices as entered."""

from decimal import Decimal

from django import template

from consortia.appraisal import (
    HUNDRED,
    AppraisalResult,
    format_money,
    format_percent,
    format_price,
    verdict,
    working_capital_verdict,
)

register = template.Library()


# A word joiner after the minus sign stops a narrow table cell breaking "-£1,234" in two.
WORD_JOINER = "\u2060"


@register.filter
def money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return format_money(amount).replace("-", f"-{WORD_JOINER}", 1)


@register.filter
def price(amount: Decimal | None) -> str:
    return "" if amount is None else format_price(amount)


@register.filter
def appraisal_verdict(result: AppraisalResult) -> str:
    return verdict(result)


@register.filter
def appraisal_working_capital(result: AppraisalResult) -> str:
    return working_capital_verdict(result)


@register.filter
def percent(rate: Decimal | None) -> str:
    """A rate already in percent (0-100)."""
    return "" if rate is None else format_percent(rate)


@register.filter
def fraction_percent(fraction: Decimal | None) -> str:
    """A fraction (0-1) as a percentage; "no income" when there is none."""
    return "no income" if fraction is None else format_percent(fraction * HUNDRED)
