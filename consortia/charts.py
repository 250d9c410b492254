"""Server-rendered SVG charts for the offer appraisal.

The SVG uses presentation attributes only (no style attributes, no script) so it passes a
strict Content-Security-Policy, and tells scenarios apart by dash pattern as well as colour.
Every chart is drawn from data that the page also shows as a table.
"""

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .appraisal import AppraisalResult, format_money, format_percent, money

WIDTH = 640
HEIGHT = 400
LEFT = 110
RIGHT = 24
TOP = 24
BOTTOM = 104
TEXT_COLOUR = "#0b0c0c"
GRID_COLOUR = "#b1b4b6"
FONT = 'font-family="Arial, Helvetica, sans-serif" font-size="18"'

# Colours from the GOV.UK palette, each at least 3:1 against white; the dashes carry the
# difference for people who cannot tell the colours apart.
LINE_STYLES = {
    "low": {"stroke": "#d4351c", "dasharray": "3 5", "description": "dotted line"},
    "expected": {"stroke": "#0b0c0c", "dasharray": "", "description": "solid line"},
    "high": {"stroke": "#1d70b8", "dasharray": "12 6", "description": "dashed line"},
}


def nice_step(span: float, target_steps: int) -> float:
    """A round step (1, 2 or 5 times a power of ten) that splits `span` into about N steps."""
    if span <= 0:
        return 1.0
    raw = span / target_steps
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def cumulative_cash_chart(result: AppraisalResult, *, id_prefix: str = "cash-chart") -> SafeString:
    """A line chart of cumulative cash by month, one line per scenario, as an SVG string."""
    months = result.months
    values = [float(row.cumulative_cash) for s in result.scenarios for row in s.rows]
    step = nice_step(max(values + [0.0]) - min(values + [0.0]), 5)
    y_min = math.floor(min(values + [0.0]) / step) * step
    y_max = math.ceil(max(values + [0.0]) / step) * step
    if y_max == y_min:
        y_max = y_min + step
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    def x(month: int) -> float:
        return LEFT + (month - 1) * plot_width / max(1, months - 1)

    def y(value: float) -> float:
        return TOP + (y_max - value) * plot_height / (y_max - y_min)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'class="app-appraisal-chart">',
        f'<title id="{id_prefix}-title">Cumulative cash by month, by scenario</title>',
        f'<desc id="{id_prefix}-desc">{escape(_description(result))}</desc>',
    ]
    tick_count = round((y_max - y_min) / step)
    for index in range(tick_count + 1):
        value = y_min + index * step
        colour = TEXT_COLOUR if value == 0 else GRID_COLOUR
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{colour}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y(value) + 5:.1f}" text-anchor="end" fill="{TEXT_COLOUR}" '
            f"{FONT}>{escape(_axis_money(value))}</text>"
        )
    month_step = max(1, int(nice_step(months, 8)))
    for month in [1, *range(month_step, months + 1, month_step)]:
        parts.append(
            f'<line x1="{x(month):.1f}" x2="{x(month):.1f}" y1="{TOP + plot_height}" '
            f'y2="{TOP + plot_height + 6}" stroke="{TEXT_COLOUR}" stroke-width="1"/>'
            f'<text x="{x(month):.1f}" y="{TOP + plot_height + 22}" text-anchor="middle" '
            f'fill="{TEXT_COLOUR}" {FONT}>{month}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_width / 2:.1f}" y="{TOP + plot_height + 44}" '
        f'text-anchor="middle" fill="{TEXT_COLOUR}" {FONT}>Month</text>'
        f'<text x="16" y="{TOP + plot_height / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {TOP + plot_height / 2:.1f})" fill="{TEXT_COLOUR}" '
        f"{FONT}>Cumulative cash (£)</text>"
    )
    legend_y = HEIGHT - 20
    for index, scenario in enumerate(result.scenarios):
        style = LINE_STYLES[scenario.key]
        dash = f' stroke-dasharray="{style["dasharray"]}"' if style["dasharray"] else ""
        points = " ".join(
            f"{x(row.month):.1f},{y(float(row.cumulative_cash)):.1f}" for row in scenario.rows
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{style["stroke"]}" '
            f'stroke-width="3" stroke-linejoin="round"{dash}/>'
        )
        legend_x = 24 + index * 200
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 40}" y1="{legend_y - 5}" '
            f'y2="{legend_y - 5}" stroke="{style["stroke"]}" stroke-width="3"{dash}/>'
            f'<text x="{legend_x + 48}" y="{legend_y}" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(scenario.label)} ({escape(format_percent(scenario.outcome_rate))})</text>"
        )
    parts.append("</svg>")
    # Every interpolated string is escaped above; numbers are formatted by this module.
    return mark_safe("".join(parts))


def _description(result: AppraisalResult) -> str:
    sentences = [f"Months 1 to {result.months}."]
    for scenario in result.scenarios:
        style = LINE_STYLES[scenario.key]["description"]
        final = scenario.rows[-1].cumulative_cash
        if scenario.peak_funding_month is None:
            low_point = "never goes below zero"
        else:
            low_point = (
                f"is lowest at {format_money(-scenario.peak_funding_need)} in month "
                f"{scenario.peak_funding_month}"
            )
        sentences.append(
            f"{scenario.label} scenario ({style}): cumulative cash {low_point} and ends at "
            f"{format_money(final)}."
        )
    return " ".join(sentences)


def _axis_money(value: float) -> str:
    amount = money(Decimal(str(value)))
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.0f}"
