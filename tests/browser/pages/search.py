"""The public directory: the home page's search, the search with its filters and results, an
organisation's profile, reporting a problem with it and sending it a message."""

import re

from playwright.sync_api import Locator, expect

from tests.browser.pages.base import SitePage


class HomePage(SitePage):
    url_name = "home"

    def search(self, words: str) -> None:
        self.person.fill(self.page.get_by_label("Search the directory"), words)
        self.person.follow(self.page.get_by_role("button", name="Search"))

    def create_an_account(self) -> None:
        self.follow_link("Create an account")


class SearchPage(SitePage):
    """Find organisations: with JavaScript the results follow each filter in place; without,
    "Apply filters" sends them."""

    url_name = "directory:organisation_list"

    @property
    def postcode(self) -> Locator:
        return self.page.get_by_label("Postcode")

    @property
    def result_count(self) -> Locator:
        return self.page.locator("#result-count")

    @property
    def status(self) -> Locator:
        """The live region that tells screen readers how many were found."""
        return self.page.locator("#search-status")

    @property
    def result_titles(self) -> Locator:
        return self.page.locator(".app-result__title")

    @property
    def result_lines(self) -> Locator:
        """Each result's line of secondary text (the distance, where a postcode is given)."""
        return self.page.locator(".app-result .app-secondary-text")

    @property
    def results(self) -> Locator:
        return self.page.locator("#search-results")

    @property
    def apply_filters_button(self) -> Locator:
        return self.page.get_by_role("button", name="Apply filters").first

    @property
    def filters_toggle(self) -> Locator:
        """The button that shows the filters on a small screen."""
        return self.page.get_by_role("button", name=re.compile("^Filter results"))

    @property
    def skip_to_results(self) -> Locator:
        return self.link("Skip to results")

    @property
    def sort(self) -> Locator:
        return self.page.get_by_label("Sort by")

    @property
    def shortlist_chooser(self) -> Locator:
        return self.page.get_by_label("“Add to shortlist” adds to")

    @property
    def record_shortlist(self) -> Locator:
        """The shortlist that "Record this search" records the search in."""
        return self.page.get_by_label("Shortlist", exact=True)

    @property
    def shortlist_status(self) -> Locator:
        """The live region that tells screen readers what was added or removed in place."""
        return self.page.locator(".app-shortlist-status")

    def result(self, slug: str) -> Locator:
        return self.page.locator(f"#result-{slug}")

    def added_note(self, slug: str) -> Locator:
        """ "Added to ... – Undo", shown in place of the button (with JavaScript)."""
        return self.result(slug).locator(".app-shortlist-added")

    def added_banner(self, slug: str) -> Locator:
        """What was added or removed, above the result (without JavaScript)."""
        return self.result(slug).locator(".govuk-notification-banner")

    def filter_option(self, label) -> Locator:
        return self.page.get_by_label(label)

    def search(self, words: str, postcode: str = "") -> None:
        self.person.fill(self.page.get_by_label("Name, service or keyword"), words)
        if postcode:
            self.person.fill(self.postcode, postcode)
        self.person.follow(self.page.get_by_role("button", name="Search", exact=True))

    def search_near(self, postcode: str, within: str) -> None:
        self.person.fill(self.postcode, postcode)
        self.person.choose(self.page.get_by_label("Within"), within)
        self.person.follow(self.page.get_by_role("button", name="Search near this postcode"))

    def open_filter_group(self, name: str) -> None:
        """Filter groups with nothing chosen in them start closed: open one by its heading."""
        self.person.press(self.page.locator("summary.app-facet__summary", has_text=name).first)

    def check_filter(self, group: str, label) -> None:
        """Open a filter group and tick one of its options (the results do not change yet
        without JavaScript: see `apply_filters`)."""
        self.open_filter_group(group)
        self.person.check(self.filter_option(label))

    def apply_filters(self) -> None:
        """With JavaScript, wait for the results to follow; without, send the filters."""
        if self.javascript:
            expect(self.page.locator("#main-content")).not_to_have_attribute("aria-busy", "true")
        else:
            self.person.follow(self.apply_filters_button)

    def filter_by(self, group: str, label) -> None:
        self.check_filter(group, label)
        self.apply_filters()

    def remove_filter(self, group: str, label: str) -> None:
        self.follow_link(f"Remove filter: {group}, {label}")

    def show_filters(self) -> None:
        self.person.press(self.filters_toggle)

    def add_to_shortlist_button(self, name: str) -> Locator:
        # GOV.UK's visually hidden text is padded with spaces: "Add to shortlist : name".
        return self.page.get_by_role("button", name=re.compile(f"^Add to shortlist\\W+{name}"))

    def add_to_shortlist(self, name: str) -> None:
        """With JavaScript the result is added in place; without, the page comes back."""
        self.person.press(self.add_to_shortlist_button(name), navigates=not self.javascript)

    def undo_button(self, slug: str) -> Locator:
        return self.result(slug).get_by_role("button", name=re.compile("^Undo"))

    def undo(self, slug: str) -> None:
        self.person.press(self.undo_button(slug), navigates=not self.javascript)

    def choose_shortlist(self, label: str) -> None:
        self.person.choose(self.shortlist_chooser, label)

    def record_this_search(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Record this search"))

    def save_this_search(self) -> None:
        self.follow_link("Save this search")

    def open_result(self, name: str) -> None:
        self.person.follow(self.link(name, exact=True).first)


class OrganisationPage(SitePage):
    """An organisation's public profile."""

    url_name = "directory:organisation_detail"

    def report_a_problem(self) -> None:
        self.follow_link("Report a problem with this entry")

    def send_a_message(self, name: str) -> None:
        self.follow_link(f"Send {name} a message")


class ReportProblemPage(SitePage):
    url_name = "directory:report_problem"

    def report(self, description: str) -> None:
        self.person.fill(self.page.get_by_label("What is wrong with this entry?"), description)
        self.person.follow(self.page.get_by_role("button", name="Send report"))


class ContactPage(SitePage):
    """A message to an organisation, from a commissioner."""

    url_name = "contact_organisation"

    def send(self, subject: str, message: str) -> None:
        self.person.fill(self.page.get_by_label("Subject"), subject)
        self.person.fill(self.page.get_by_label("Message"), message)
        self.person.follow(self.page.get_by_role("button", name="Send message"))
