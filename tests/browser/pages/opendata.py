"""The open data pages: market coverage (/insights/), and the API guide and reference."""

from playwright.sync_api import Locator

from tests.browser.pages.base import SitePage


class MarketCoveragePage(SitePage):
    url_name = "insights"

    @property
    def cell_links(self) -> Locator:
        """The coverage table's cells that count organisations, each a link to the search."""
        return self.page.locator(".app-coverage__cell a")


class ApiGuidePage(SitePage):
    url_name = "api_docs"


class ApiReferencePage(SitePage):
    """The JSON API's interactive reference (the site serves its scripts itself)."""

    url_name = "api_reference"

    def operation(self, path: str) -> Locator:
        return self.text(path)
