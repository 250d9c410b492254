"""GOV.UK components whose frame is written once and whose body is the page's own markup.

    {% table "Saved searches" "Name" "Alerts" actions="Actions" caption_size="m" %}
      {% for search in saved_searches %}<tr class="govuk-table__row">…</tr>{% endfor %}
    {% endtable %}

`{% table %}` (includes/table.html): a table in its scrolling region, named by its caption.
Positional arguments: the caption, then each column heading. Keywords: `actions`, a last
heading only screen readers hear; `caption_size` ("s" or "m"), a visible caption (otherwise it
is visually hidden); `table_class` and `table_id` for the <table> element. Nineteen tables
repeated this frame around their rows.

`{% summary_card title heading="h3" change=… change_url=… %}rows{% endsummary_card %}`
(registration/includes/summary_card.html): a service or an item of evidence on the owner's
pages, with a "waiting for review" tag for `change` ("new", "changed"), a "Verified by a
moderator" tag for `verified`, and Change and Remove links for `change_url` and `remove_url`.

`{{ when|govuk_time }}` and `{{ when|govuk_datetime }}` (or `govuk_datetime:"j M Y"`): times as
GOV.UK's style writes them, "3:37pm", "9am", "midday", "midnight": Django's "g:ia" gives
"3:37a.m." and "H:i" a 24-hour clock.

`{% row_button action label="Remove" %} what it removes{% endrow_button %}`
(includes/row_button.html): a form of one secondary button in a table row, its body the words
only screen readers hear after the label; `novalidate=True` adds that attribute to the form.
"""

import re
from functools import partial

from django import template
from django.template.base import FilterExpression, NodeList, token_kwargs
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()

OPTION = re.compile(r"^\w+=")


class FrameNode(template.Node):
    """Renders a template with the tag's arguments, and the tag's rendered body as `body`."""

    def __init__(
        self,
        template_name: str,
        names: tuple[str, str | None],
        arguments: list[FilterExpression],
        options: dict[str, FilterExpression],
        body: NodeList,
    ):
        self.template_name = template_name
        self.first, self.rest = names
        self.arguments = arguments
        self.options = options
        self.body = body

    def render(self, context) -> str:
        frame = {name: value.resolve(context) for name, value in self.options.items()}
        first, *rest = (argument.resolve(context) for argument in self.arguments)
        frame[self.first] = first
        if self.rest:
            frame[self.rest] = rest
        # The body is rendered here, in the page's context, so already escaped.
        frame["body"] = mark_safe(self.body.render(context))
        frame["csrf_token"] = context.get("csrf_token")
        return render_to_string(self.template_name, frame)


def frame_tag(
    parser, token, *, template_name: str, names: tuple[str, str | None], keywords: set[str]
) -> FrameNode:
    """Parses `{% tag first [rest…] [keyword=value…] %}body{% endtag %}`."""
    tag, *bits = token.split_contents()
    arguments = [parser.compile_filter(bit) for bit in bits if not OPTION.match(bit)]
    if not arguments or (len(arguments) > 1 and not names[1]):
        raise template.TemplateSyntaxError(f"{{% {tag} %}} takes one {names[0]} first")
    options = token_kwargs([bit for bit in bits if OPTION.match(bit)], parser)
    unknown = set(options) - keywords
    if unknown:
        raise template.TemplateSyntaxError(f"{{% {tag} %}} does not take {sorted(unknown)}")
    body = parser.parse((f"end{tag}",))
    parser.delete_first_token()
    return FrameNode(template_name, names, arguments, options, body)


# Each tag: the template it fills, the names of its first and further positional arguments,
# and the keywords it takes.
FRAMES = {
    "table": (
        "includes/table.html",
        ("caption", "headings"),
        {"actions", "caption_size", "table_class", "table_id"},
    ),
    "summary_card": (
        "registration/includes/summary_card.html",
        ("title", None),
        {"heading", "change", "verified", "change_url", "remove_url"},
    ),
    "row_button": ("includes/row_button.html", ("action", None), {"label", "novalidate"}),
}
for tag_name, (template_name, names, keywords) in FRAMES.items():
    register.tag(
        tag_name,
        partial(frame_tag, template_name=template_name, names=names, keywords=keywords),
    )


@register.filter(expects_localtime=True)
def govuk_time(value) -> str:
    """A time of day as GOV.UK writes it: 3:37pm, 9am, midday, midnight."""
    if not value:
        return ""
    if (value.hour, value.minute) in {(12, 0), (0, 0)}:
        return "midday" if value.hour == 12 else "midnight"
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{value.hour % 12 or 12}{minutes}{'am' if value.hour < 12 else 'pm'}"


@register.filter(expects_localtime=True)
def govuk_datetime(value, date_format: str = "j F Y") -> str:
    """A date and a time of day: 5 December 2026, 3:37pm."""
    if not value:
        return ""
    return f"{date_filter(value, date_format)}, {govuk_time(value)}"
