"""The `{% titled_by_heading %}` tag: every page's <title> starts with its h1.

base.html wraps the whole document in it. GOV.UK's rule is that the title repeats the page's
heading, then the service's name, "Error: " first when a form came back with errors. Writing
the heading twice in 80-odd templates let them drift apart ("Send a message" over "Message
Organisation A"); here the rendered h1 decides, once, for every page:

- "Error: " when the page shows an error summary;
- the template's own title where it starts with the h1 (it may add context after an en
  dash: "Check your answers – Organisation A"), otherwise the h1's text;
- " – " and the service's name.
"""

import re

from django import template
from django.conf import settings
from django.utils.html import strip_tags

register = template.Library()

SEPARATOR = " – "  # an en dash, as GOV.UK writes titles
ERROR_PREFIX = "Error: "
HEADING = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL | re.IGNORECASE)
TITLE = re.compile(r"(<title>)(.*?)(</title>)", re.DOTALL)
ERROR_SUMMARY = re.compile(r'class="[^"]*\bgovuk-error-summary\b')


def one_line(html: str) -> str:
    """Text of an HTML fragment, its whitespace collapsed (entities stay escaped)."""
    return " ".join(strip_tags(html).split())


def page_title(*, own: str, heading: str | None, has_errors: bool) -> str:
    """The text of <title>, from the template's own title and the rendered h1."""
    own = one_line(own).removeprefix(ERROR_PREFIX)
    if heading is not None and not own.startswith(heading):
        own = heading
    prefix = ERROR_PREFIX if has_errors else ""
    return f"{prefix}{own}{SEPARATOR}{settings.SERVICE_NAME}"


class TitledByHeadingNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        document = self.nodelist.render(context)
        heading, own = HEADING.search(document), TITLE.search(document)
        title = page_title(
            own=own[2] if own else "",
            heading=one_line(heading[1]) if heading else None,
            has_errors=ERROR_SUMMARY.search(document) is not None,
        )
        return TITLE.sub(lambda m: f"{m[1]}{title}{m[3]}", document, count=1)


@register.tag
def titled_by_heading(parser, token):
    """{% titled_by_heading %}<html>…</html>{% endtitled_by_heading %}"""
    nodelist = parser.parse(("endtitled_by_heading",))
    parser.delete_first_token()
    return TitledByHeadingNode(nodelist)
