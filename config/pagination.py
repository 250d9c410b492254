"""The `page_links` filter: which page numbers a GOV.UK pagination block shows.

templates/includes/pagination.html links to the first and last pages and the current page with
one either side, and puts an ellipsis for each gap of more than one page. Working that out in
the template meant testing every page number: 12,500 of them for the unfiltered directory.
"""

from django import template
from django.core.paginator import Page

register = template.Library()


@register.filter
def page_links(page: Page) -> list[int | None]:
    """The page numbers to link to in order, with None where an ellipsis stands for a gap."""
    paginator = page.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]
