"""The pagination block: first, last, current and neighbours, an ellipsis for longer gaps."""

import re

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string


def _items(pages: int, current: int) -> list[str]:
    page = Paginator(range(pages * 10), 10).page(current)
    html = render_to_string("includes/pagination.html", {"page_obj": page})
    return [
        "…" if "ellipsis" in item else ("[%s]" if "aria-current" in item else "%s") % number
        for item, number in re.findall(
            r'(<li class="[^"]*"[^>]*>\s*(?:<a[^>]*>\s*(\d+)|&ctdot;))', html
        )
    ]


@pytest.mark.parametrize(
    ("pages", "current", "shown"),
    [
        (1, 1, []),
        (2, 1, ["[1]", "2"]),
        (4, 3, ["1", "2", "[3]", "4"]),
        (7, 4, ["1", "2", "3", "[4]", "5", "6", "7"]),
        (9, 1, ["[1]", "2", "…", "9"]),
        (9, 5, ["1", "…", "4", "[5]", "6", "…", "9"]),
        (9, 9, ["1", "…", "8", "[9]"]),
        (12_500, 500, ["1", "…", "499", "[500]", "501", "…", "12500"]),
    ],
)
def test_pagination_links_the_ends_and_the_neighbours(pages, current, shown):
    assert _items(pages, current) == shown


def test_links_keep_the_other_parameters_and_say_which_page():
    page = Paginator(range(30), 10).page(2)
    html = render_to_string(
        "includes/pagination.html", {"page_obj": page, "query_string_without_page": "q=housing"}
    )
    assert 'href="?q=housing&amp;page=1" rel="prev"' in html
    assert 'href="?q=housing&amp;page=3" rel="next"' in html
    assert 'aria-label="Page 2" aria-current="page"' in html
