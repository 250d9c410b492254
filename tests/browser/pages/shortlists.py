"""Shortlists: a shortlist with its recorded searches and sharing, comparing its
organisations, downloading it, and saving a search."""

from playwright.sync_api import Download, Locator

from tests.browser.pages.base import SitePage


class ShortlistPage(SitePage):
    url_name = "shortlists:detail"

    @property
    def search_records(self) -> Locator:
        return self.page.locator(".app-search-records")

    def compare(self, names: list[str]) -> None:
        for name in names:
            self.person.check(self.page.get_by_label(f"Compare {name}"))
        button = self.page.get_by_role("button", name="Compare selected organisations")
        self.person.follow(button)

    def download_csv(self) -> Download:
        return self.person.download(self.link("Download as CSV"))

    def share(self, email: str) -> None:
        self.person.fill(self.page.get_by_label("Email address of a colleague"), email)
        self.person.follow(self.page.get_by_role("button", name="Share", exact=True))


class ComparePage(SitePage):
    """Shortlisted organisations side by side; on a phone, one after another."""

    url_name = "shortlists:compare"

    @property
    def column_headers(self) -> Locator:
        return self.page.locator(".app-compare__table thead th")

    @property
    def table(self) -> Locator:
        """The scrolling region that holds the table."""
        return self.page.locator(".app-compare")

    def side_by_side(self, count: int) -> Locator:
        """The same region, found by its name as a screen reader announces it."""
        return self.page.get_by_role("region", name=f"{count} organisations side by side")

    def column_header(self, name: str) -> Locator:
        return self.table.get_by_role("columnheader", name=name)

    def stacked(self, name: str) -> Locator:
        return self.page.get_by_role("heading", name=name, level=2)

    def back_to_the_shortlist(self) -> None:
        self.follow_link("Back to the shortlist")


class SaveSearchPage(SitePage):
    url_name = "saved_searches:create"

    @property
    def save_button(self) -> Locator:
        return self.page.get_by_role("button", name="Save search")

    def save(self, name: str) -> None:
        self.person.fill(self.page.get_by_label("Name"), name)
        self.person.follow(self.save_button)
