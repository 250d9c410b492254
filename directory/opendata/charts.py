"""Server-rendered horizontal bar charts as SVG (for /insights/).

Presentation attributes only (no style attributes, no script), so the charts pass a strict
Content-Security-Policy; every chart is drawn from figures the page also shows as a table.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_WIDTH = 260
VALUE_WIDTH = 70
BAR_HEIGHT = 28
GAP = 10
TOP = 8
TEXT_COLOUR = "#0b0c0c"
# GOV.UK blue: 5.2:1 against white, so bars are distinguishable from the background.
BAR_COLOUR = "#1d70b8"
FONT = 'font-family="Arial, Helvetica, sans-serif" font-size="16"'


def bar_chart(*, title: str, rows: list[tuple[str, int]], id_prefix: str) -> SafeString:
    """One labelled bar per (label, count), longest bar = largest count."""
    highest = max((count for _, count in rows), default=0) or 1
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = TOP * 2 + len(rows) * (BAR_HEIGHT + GAP)
    description = "; ".join(f"{label}: {count}" for label, count in rows) or "No data"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" class="app-bar-chart">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
    ]
    for index, (label, count) in enumerate(rows):
        y = TOP + index * (BAR_HEIGHT + GAP)
        bar = plot_width * count / highest
        text_y = y + BAR_HEIGHT / 2 + 6
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y:.1f}" text-anchor="end" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(_shorten(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + bar + 6:.1f}" y="{text_y:.1f}" fill="{TEXT_COLOUR}" '
            f"{FONT}>{count:,}</text>"
        )
    parts.append("</svg>")
    # Every interpolated string is escaped above; numbers are formatted here.
    return mark_safe("".join(parts))


def _shorten(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
