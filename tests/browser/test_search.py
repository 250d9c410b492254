"""The organisation search in a browser: with JavaScript it updates in place; without, the
"Apply filters" button does the same through the URL."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from directory.organisations.models import Region
from directory.search.search_index import refresh_search_documents
from tests.browser.pages import Person, SearchPage
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
    search = SearchPage(page).open()
    expect(search.apply_filters_button).to_be_hidden()
    search.check_filter("Region", "Wales (1 organisation)")
    page.wait_for_url("**region=wales**")
    expect(search.result_count).to_have_text("1 organisation")
    expect(search.status).to_have_text("1 organisation found")
    expect(search.link("Cardiff Compass")).to_be_visible()
    assert search.link("London Lantern").count() == 0
    assert page.evaluate("document.activeElement.id") == "id_region_2"


def test_filters_work_without_javascript(page_without_js, two_regions):
    search = SearchPage(Person(page_without_js, javascript=False)).open()
    search.filter_by("Region", "London (1 organisation)")
    assert "region=london" in page_without_js.url
    expect(search.link("London Lantern")).to_be_visible()
    assert search.link("Cardiff Compass").count() == 0
    search.remove_filter("Region", "London")
    expect(search.link("Cardiff Compass")).to_be_visible()
