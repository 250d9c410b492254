"""The `{% table %}` block tag: a GOV.UK table in its scrolling region, its rows the tag's body.

Nineteen tables repeated the same frame (a focusable region named by the caption, the caption,
a head row of column headings, the body's open and close tags) around their own rows. Here the
frame is written once, in includes/table.html:

    {% table "Saved searches" "Name" "Alerts" actions="Actions" caption_size="m" %}
      {% for search in saved_searches %}<tr class="govuk-table__row">…</tr>{% endfor %}
    {% endtable %}

Positional arguments: the caption, then each column heading. Keywords: `actions`, a last
heading only screen readers hear; `caption_size` ("s" or "m"), a visible caption (otherwise it
is visually hidden); `table_class` and `table_id` for the <table> element.
"""

import re

from django import template
from django.template.base import FilterExpression, NodeList, token_kwargs
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()

OPTION = re.compile(r"^\w+=")
KEYWORDS = {"actions", "caption_size", "table_class", "table_id"}


class TableNode(template.Node):
    def __init__(
        self,
        caption: FilterExpression,
        headings: list[FilterExpression],
        options: dict[str, FilterExpression],
        rows: NodeList,
    ):
        self.caption = caption
        self.headings = headings
        self.options = options
        self.rows = rows

    def render(self, context) -> str:
        frame = {name: value.resolve(context) for name, value in self.options.items()}
        frame["caption"] = self.caption.resolve(context)
        frame["headings"] = [heading.resolve(context) for heading in self.headings]
        # The rows are rendered here, in the page's context, so already escaped.
        frame["rows"] = mark_safe(self.rows.render(context))
        return render_to_string("includes/table.html", frame)


@register.tag
def table(parser, token) -> TableNode:
    """`{% table caption heading… [keyword=value…] %}rows{% endtable %}`."""
    bits = token.split_contents()[1:]
    positional = [bit for bit in bits if not OPTION.match(bit)]
    if not positional:
        raise template.TemplateSyntaxError("{% table %} needs a caption")
    options = token_kwargs([bit for bit in bits if OPTION.match(bit)], parser)
    unknown = set(options) - KEYWORDS
    if unknown:
        raise template.TemplateSyntaxError(f"{{% table %}} does not take {sorted(unknown)}")
    rows = parser.parse(("endtable",))
    parser.delete_first_token()
    caption, *headings = (parser.compile_filter(bit) for bit in positional)
    return TableNode(caption, headings, options, rows)
