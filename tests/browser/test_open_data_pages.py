"""Market coverage (/insights/) without JavaScript (axe-core checks of it, /data/ and the
import pages are in test_accessibility.py)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from directory.organisations.models import Pathway, Region
from tests.browser.pages import MarketCoveragePage, Person, SearchPage
from tests.factories import OrganisationFactory, ServiceFactory


@pytest.fixture
def market(transactional_db):
    call_command("load_taxonomies", verbosity=0)
    regions, pathways = list(Region.objects.all()), list(Pathway.objects.all())
    for n in range(12):
        ServiceFactory(
            organisation=OrganisationFactory(name=f"Harbour Trust {n}"),
            pathways=pathways[: 1 + n % 4],
            regions=regions[n % 5 : n % 5 + 3],
            accepting_referrals=n % 2 == 0,
        )


def test_coverage_cells_lead_to_the_search_without_javascript(page_without_js, market):
    person = Person(page_without_js, javascript=False)
    coverage = MarketCoveragePage(person).open()
    cell = coverage.cell_links.first
    count = int(cell.inner_text().split()[0])

    person.follow(cell)

    expect(SearchPage(person).heading).to_have_text("Find organisations")
    assert f"{count} organisation" in page_without_js.content()
