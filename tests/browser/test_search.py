"""The organisation search in a browser: with JavaScript it updates in place; without, the
"Apply filters" button does the same through the URL."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from directory.organisations.models import Region
from directory.search.search_index import refresh_search_documents
from tests.factories import OrganisationFactory, ServiceFactory


@pytest.fixture
def two_regions(transactional_db):
    call_command("load_taxonomies", verbosity=0)
    for name, region in [("London Lantern", "london"), ("Cardiff Compass", "wales")]:
        ServiceFactory(
            organisation=OrganisationFactory(name=name), regions=[Region.objects.get(slug=region)]
        )
    refresh_search_documents()


def test_filters_update_results_in_place(page, two_regions):
    page.goto(reverse("directory:organisation_list"))
    expect(page.get_by_role("button", name="Apply filters").first).to_be_hidden()
    page.locator("summary", has_text="Region").click()
    page.get_by_label("Wales (1 organisation)").check()
    page.wait_for_url("**region=wales**")
    expect(page.locator("#result-count")).to_have_text("1 organisation")
    expect(page.locator("#search-status")).to_have_text("1 organisation found")
    expect(page.get_by_role("link", name="Cardiff Compass")).to_be_visible()
    assert page.get_by_role("link", name="London Lantern").count() == 0
    assert page.evaluate("document.activeElement.id") == "id_region_2"


def test_filters_work_without_javascript(page_without_js, two_regions):
    page = page_without_js
    page.goto(reverse("directory:organisation_list"))
    page.locator("summary", has_text="Region").click()
    page.get_by_label("London (1 organisation)").check()
    page.get_by_role("button", name="Apply filters").first.click()
    assert "region=london" in page.url
    expect(page.get_by_role("link", name="London Lantern")).to_be_visible()
    assert page.get_by_role("link", name="Cardiff Compass").count() == 0
    page.get_by_role("link", name="Remove filter: Region, London").click()
    expect(page.get_by_role("link", name="Cardiff Compass")).to_be_visible()
