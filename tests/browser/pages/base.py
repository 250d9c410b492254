"""What every page of the site has: the menu, one h1, the GOV.UK error summary and banners."""

from typing import Self

from django.urls import reverse
from playwright.sync_api import Locator, Page

from tests.browser.pages.people import Person

# The outermost elements wider than the window, when the page is wider than it.
SIDEWAYS_OVERFLOW_JS = """() => {
    const width = window.innerWidth;
    const overflow = document.documentElement.scrollWidth - width;
    if (overflow <= 0) return {};
    const wide = [...document.body.querySelectorAll('*')]
        .filter((el) => el.getBoundingClientRect().right > width + 1);
    const culprits = wide.filter((el) => !wide.includes(el.parentElement)).slice(0, 5)
        .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    return {overflow, culprits};
}"""


class SitePage:
    """A page of the site: its address (`url_name`), what is on it, and what people do there.

    Built on a Playwright page (acted on by pointer, JavaScript taken as on) or on a `Person`,
    who acts their way and says whether JavaScript is on."""

    url_name = ""

    def __init__(self, visitor: Page | Person):
        self.person = visitor if isinstance(visitor, Person) else Person(visitor)
        self.page = self.person.page

    @property
    def javascript(self) -> bool:
        return self.person.javascript

    def url(self, **kwargs) -> str:
        return reverse(self.url_name, kwargs=kwargs or None)

    def open(self, query: str = "", **kwargs) -> Self:
        """Go to the page's address; `kwargs` are its URL pattern's arguments."""
        self.page.goto(self.url(**kwargs) + query)
        return self

    @property
    def heading(self) -> Locator:
        return self.page.locator("h1")

    @property
    def main(self) -> Locator:
        return self.page.locator("main")

    @property
    def menu(self) -> Locator:
        return self.page.get_by_role("navigation", name="Menu")

    @property
    def error_summary(self) -> Locator:
        return self.page.locator(".govuk-error-summary")

    @property
    def banner(self) -> Locator:
        return self.page.locator(".govuk-notification-banner")

    def text(self, text: str, *, exact: bool = False) -> Locator:
        return self.page.get_by_text(text, exact=exact)

    def link(self, name, *, exact: bool = False) -> Locator:
        return self.page.get_by_role("link", name=name, exact=exact)

    def chosen_option(self, label: str) -> Locator:
        """The option chosen in the select box labelled `label`."""
        return self.page.get_by_label(label).locator("option:checked")

    def go_to(self, name: str) -> None:
        """Follow a link of the menu at the top of every page."""
        self.person.follow(self.menu.get_by_role("link", name=name, exact=True))

    def follow_link(self, name, *, exact: bool = False) -> None:
        self.person.follow(self.link(name, exact=exact))

    def sideways_overflow(self) -> dict:
        """How far the page is wider than the window, and the outermost elements that are."""
        return self.page.evaluate(SIDEWAYS_OVERFLOW_JS)
