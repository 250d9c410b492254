"""axe-core on every page type. Add new pages to PAGES: one place, one test."""

import pytest
from django.urls import reverse

from directory.search_index import refresh_search_documents
from tests.browser.conftest import axe_violations
from tests.factories import (
    DeliveryLocationFactory,
    JusticeDataLabEvidenceFactory,
    OrganisationFactory,
    ServiceFactory,
)


@pytest.fixture
def published_organisation(transactional_db):
    organisation = OrganisationFactory(name="Harbour Women's Centre", slug="harbour-womens-centre")
    service = ServiceFactory(organisation=organisation, name="Women's housing support")
    DeliveryLocationFactory(service=service)
    JusticeDataLabEvidenceFactory(organisation=organisation, verified_by_moderator=True)
    refresh_search_documents(organisation_ids=[organisation.pk])
    return organisation


PAGES = [
    ("home", lambda: reverse("home")),
    ("organisation list", lambda: reverse("directory:organisation_list")),
    ("organisation list, no results", lambda: reverse("directory:organisation_list") + "?q=zzzzzz"),
    (
        "organisation profile",
        lambda: reverse("directory:organisation_detail", args=["harbour-womens-centre"]),
    ),
    ("accessibility statement", lambda: reverse("accessibility")),
    ("privacy notice", lambda: reverse("privacy")),
    ("cookies", lambda: reverse("cookies")),
    ("page not found", lambda: "/no-such-page/"),
    ("sign in", lambda: reverse("account_login")),
    ("create an account", lambda: reverse("account_signup")),
]


@pytest.mark.parametrize("label,url", PAGES, ids=[label for label, _ in PAGES])
def test_page_has_no_axe_violations(page, published_organisation, label, url):
    page.goto(url())
    assert page.locator("h1").count() == 1, f"{label} must have exactly one h1"
    assert axe_violations(page) == []


def test_pages_work_without_javascript(page_without_js, published_organisation):
    page_without_js.goto(reverse("home"))
    page_without_js.get_by_label("Search the directory").fill("Harbour")
    page_without_js.get_by_role("button", name="Search").click()
    page_without_js.get_by_role("link", name="Harbour Women's Centre").click()
    assert page_without_js.locator("h1").inner_text() == "Harbour Women's Centre"


def test_skip_link_is_first_and_visible_on_focus(page, published_organisation):
    page.goto(reverse("home"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    assert page.evaluate("document.activeElement.getBoundingClientRect().height") > 0
