"""Every page's <title> starts with its h1 ({% titled_by_heading %} in base.html).

tests/browser/test_accessibility.py checks it on every page of the axe-core list."""

import re

import pytest
from django.template import engines

PAGE = """{% extends "base.html" %}
{% block title %}OWN{% endblock %}
{% block content %}HEADING
  {% if errors %}<div class="govuk-error-summary"></div>{% endif %}
{% endblock %}"""


def title_of(*, own: str, heading: str, errors: bool = False) -> str:
    source = PAGE.replace("OWN", own).replace("HEADING", heading)
    html = engines["django"].from_string(source).render({"errors": errors})
    return re.findall(r"<title>(.*?)</title>", html, re.DOTALL)[0]


def test_a_title_that_differs_from_the_heading_gives_way_to_it():
    assert (
        title_of(
            own="Send a message", heading='<h1 class="govuk-heading-l">Message Anchor House</h1>'
        )
        == "Message Anchor House – Rehabilitation Partners Directory"
    )


def test_a_title_that_starts_with_the_heading_keeps_what_it_adds():
    assert (
        title_of(own="History of changes – Anchor House", heading="<h1>History of changes</h1>")
        == "History of changes – Anchor House – Rehabilitation Partners Directory"
    )


def test_the_heading_is_its_text_on_one_line():
    heading = (
        '<h1 class="govuk-heading-l">\n  Delete <span class="app-x">“Leeds”</span>\n  list?</h1>'
    )
    assert title_of(own="", heading=heading) == (
        "Delete “Leeds” list? – Rehabilitation Partners Directory"
    )


@pytest.mark.parametrize("own", ["Report a problem", "Error: Report a problem"])
def test_error_comes_first_when_the_page_shows_an_error_summary(own):
    title = title_of(own=own, heading="<h1>Report a problem</h1>", errors=True)
    assert title == "Error: Report a problem – Rehabilitation Partners Directory"


def test_no_error_without_an_error_summary():
    title = title_of(own="Error: Join Anchor House", heading="<h1>Join Anchor House</h1>")
    assert title == "Join Anchor House – Rehabilitation Partners Directory"


def test_a_page_without_a_heading_keeps_its_own_title():
    assert title_of(own="Printable list", heading="") == (
        "Printable list – Rehabilitation Partners Directory"
    )


@pytest.mark.django_db
def test_the_home_page_is_titled_by_its_heading(client):
    html = client.get("/").content.decode()
    heading = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)[0].strip()
    assert f"<title>{heading} – Rehabilitation Partners Directory</title>" in html
