"""Moderation: the queue, and the review of an organisation with its decision."""

import re

from playwright.sync_api import Locator

from tests.browser.pages.base import SitePage


class ModerationQueuePage(SitePage):
    url_name = "moderation:queue"

    @property
    def empty(self) -> Locator:
        return self.text("Nothing is waiting.")

    def kind(self, name: str) -> Locator:
        """The link to one kind of thing waiting (new submissions, claims...)."""
        return self.link(re.compile(name))

    def open_from_menu(self, waiting: int) -> None:
        self.go_to(f"Moderation ({waiting} waiting)")

    def open_review(self, name: str) -> None:
        self.person.follow(self.link(name, exact=True))


class ReviewPage(SitePage):
    """An organisation as it will be published, what only moderators see, and the decision."""

    url_name = "moderation:organisation"

    @property
    def preview(self) -> Locator:
        return self.page.get_by_role("region", name="As it will be published")

    @property
    def pdf_link(self) -> Locator:
        return self.page.locator("#evidence-checks a", has_text="Open the PDF")

    @property
    def changes(self) -> Locator:
        return self.page.get_by_role("table", name="Field-by-field changes since it was sent back")

    @property
    def thread(self) -> Locator:
        """The messages between moderators and the organisation."""
        return self.page.locator(".app-thread")

    def register_link(self, number: str) -> Locator:
        return self.link(f"{number} on the register").first

    def changed_field(self, name: str) -> Locator:
        return self.changes.get_by_role("row", name=re.compile(f"^{name}"))

    def decide(self, decision: str, message: str = "") -> None:
        self.person.check(self.page.get_by_label(decision, exact=True))
        if message:
            self.person.fill(self.page.get_by_label("Message to the organisation"), message)
        self.person.follow(self.page.get_by_role("button", name="Record decision"))
