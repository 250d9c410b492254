"""axe-core and no-JavaScript checks for /insights/, /data/ and the moderators' import page."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from directory.models import Pathway, Region
from tests.browser.conftest import axe_violations
from tests.factories import EvidenceItemFactory, OrganisationFactory, ServiceFactory, moderator_user


@pytest.fixture
def market(transactional_db, settings, tmp_path):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "imports"
    call_command("load_taxonomies", verbosity=0)
    regions, pathways = list(Region.objects.all()), list(Pathway.objects.all())
    for n in range(12):
        organisation = OrganisationFactory(name=f"Harbour Trust {n}")
        ServiceFactory(
            organisation=organisation,
            pathways=pathways[: 1 + n % 4],
            regions=regions[n % 5 : n % 5 + 3],
            accepting_referrals=n % 2 == 0,
        )
        EvidenceItemFactory(organisation=organisation, nesta_level=1 + n % 5)
    call_command("export_open_data", stdout=io.StringIO())


def signed_in_as_moderator(page, live_server):
    client = Client()
    client.force_login(moderator_user())
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("insights"),
        reverse("insights") + "?client_group=women&setting=in-custody",
        reverse("open_data"),
    ],
)
def test_public_pages_have_no_axe_violations(page, market, url):
    page.goto(url)

    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_import_pages_have_no_axe_violations(page, live_server, market, tmp_path):
    signed_in_as_moderator(page, live_server)
    page.goto(reverse("import_upload"))
    assert axe_violations(page) == []

    # An error beside the field, then a dry-run report with rejected rows.
    page.get_by_role("button", name="Check the file").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert axe_violations(page) == []
    csv = tmp_path / "list.csv"
    csv.write_text("name,postcode\nAnchor House,LS1 1AA\nBad Trust,XX1\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Check the file").click()
    assert "This is a dry run" in page.content()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Import the valid rows").click()
    assert page.locator("h1").inner_text() == "Import of list.csv finished"
    assert axe_violations(page) == []


def test_coverage_cells_lead_to_the_search_without_javascript(page_without_js, market):
    page_without_js.goto(reverse("insights"))
    cell = page_without_js.locator(".app-coverage__cell a").first
    count = int(cell.inner_text().split()[0])

    cell.click()

    assert page_without_js.locator("h1").inner_text() == "Find organisations"
    assert f"{count} organisation" in page_without_js.content()
