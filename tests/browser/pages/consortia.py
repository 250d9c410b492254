"""Partnerships: the opportunities board, posting and responding to an opportunity and
deciding on a response, consortia and their invitations, and the offer appraisal tool."""

import re
from datetime import date
from urllib.parse import urlencode

from playwright.sync_api import Locator, expect

from tests.browser.pages.base import SitePage


class OpportunitiesPage(SitePage):
    url_name = "opportunities:list"

    def filter_by_words(self, words: str) -> None:
        self.person.fill(self.page.get_by_label("Search"), words)
        self.person.follow(self.page.get_by_role("button", name="Apply filters"))

    def post_an_opportunity(self) -> None:
        self.follow_link("Post an opportunity")

    def open_opportunity(self, title: str) -> None:
        self.follow_link(title)


class OpportunityFormPage(SitePage):
    """Posting an opportunity, with GOV.UK's date input for its closing date."""

    url_name = "opportunities:create"

    @property
    def form(self) -> Locator:
        return self.page.locator("form")

    @property
    def closing_date(self) -> Locator:
        return self.page.get_by_role("group", name="Closing date for responses")

    def closing(self, part: str) -> Locator:
        """ "Day", "Month" or "Year" of the closing date."""
        return self.closing_date.get_by_label(part)

    def fill_in(self, *, title: str, description: str, ticked: list[str]) -> None:
        """The title and description, and the boxes (regions, pathways, roles, value)."""
        self.person.fill(self.page.get_by_label("Title"), title)
        self.person.fill(self.page.get_by_label("Describe the opportunity"), description)
        for label in ticked:
            self.person.check(self.page.get_by_label(label))

    def close_on(self, day: str, month: str, year: str = "") -> None:
        self.person.fill(self.closing("Day"), day)
        self.person.fill(self.closing("Month"), month)
        if year:
            self.person.fill(self.closing("Year"), year)

    def close_on_date(self, closes: date) -> None:
        self.close_on(str(closes.day), f"{closes:%B}", str(closes.year))

    def publish(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Publish opportunity"))


class OpportunityPage(SitePage):
    url_name = "opportunities:detail"

    def express_interest(self, message: str, service: str) -> None:
        self.person.fill(self.page.get_by_label("Your message"), message)
        self.person.check(self.page.get_by_label(service))
        button = self.page.get_by_role("button", name="Send expression of interest")
        self.person.follow(button)


class ResponsesPage(SitePage):
    """The responses to an opportunity, and the decision on one."""

    url_name = "opportunities:responses"

    def status(self, status: str) -> Locator:
        return self.page.get_by_role("cell", name=status)

    def decide(self, organisation: str, decision: str, message: str) -> None:
        self.follow_link(f"Review the response from {organisation}")
        self.person.check(self.page.get_by_label(decision))
        label = "Message to the organisation (optional)"
        self.person.fill(self.page.get_by_label(label), message)
        button = self.page.get_by_role("button", name="Save and tell the organisation")
        self.person.follow(button)


class ConsortiaPage(SitePage):
    """Your consortia, and the form that starts one."""

    url_name = "partnerships:consortium_list"

    def start(self, *, name: str, purpose: str, ticked: list[str]) -> None:
        """Start a consortium; `ticked` are its regions, pathways, stage and visibility."""
        self.follow_link("Start a consortium")
        self.person.fill(self.page.get_by_label("Name of the consortium"), name)
        self.person.fill(self.page.get_by_label("What is it for?"), purpose)
        for label in ticked:
            self.person.check(self.page.get_by_label(label))
        self.person.follow(self.page.get_by_role("button", name="Start the consortium"))


class ConsortiumPage(SitePage):
    url_name = "partnerships:consortium_detail"

    @property
    def members(self) -> Locator:
        return self.page.get_by_role("table", name="Members and their roles")

    def member(self, name: str) -> Locator:
        return self.members.get_by_role("link", name=name, exact=True)

    def invite_an_organisation(self) -> None:
        self.follow_link("Invite an organisation")

    def accept_for(self, organisation: str) -> None:
        self.person.follow(self.page.get_by_role("button", name=f"Accept for {organisation}"))


class InvitePage(SitePage):
    """Inviting an organisation into a consortium: with JavaScript an autocomplete suggests
    names as you type; without, the server searches and you select the match."""

    url_name = "partnerships:consortium_invite"

    @property
    def organisation(self) -> Locator:
        return self.page.get_by_label("Organisation to invite")

    @property
    def server_search(self) -> Locator:
        return self.page.get_by_label("Search for the organisation")

    @property
    def matches(self) -> Locator:
        return self.page.get_by_role("radio")

    def suggestion(self, name) -> Locator:
        return self.page.get_by_role("option", name=name)

    def type_name(self, words: str) -> None:
        self.person.fill(self.organisation, words)

    def search_the_server(self, words: str) -> None:
        self.person.fill(self.server_search, words)
        self.person.follow(self.page.get_by_role("button", name="Search"))

    def select_match(self, name: str) -> None:
        self.person.check(self.page.get_by_label(name))

    def choose_organisation(self, name: str) -> None:
        """Find the organisation and take it: with JavaScript, by the arrow keys and Enter
        from the autocomplete's suggestions (as anyone can), without, from the server's."""
        if self.javascript:
            self.type_name(name)
            expect(self.suggestion(re.compile(f"^{name}"))).to_be_visible()
            self.page.keyboard.press("ArrowDown")
            self.page.keyboard.press("Enter")
            expect(self.organisation).to_have_value(re.compile(f"^{name}"))
        else:
            self.search_the_server(name)
            self.select_match(name)

    def propose_role(self, role: str) -> None:
        self.person.fill(self.page.get_by_label("Proposed role"), role)

    def send(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Send invitation"))


class OfferAppraisalPage(SitePage):
    """The offer appraisal: the offer's figures in, the verdict, cash by month and tables out."""

    url_name = "consortia:offer_appraisal"

    @property
    def results_heading(self) -> Locator:
        return self.page.get_by_role("heading", name="Results", exact=True)

    @property
    def cash_chart(self) -> Locator:
        return self.page.get_by_role("img", name="Cumulative cash by month, by scenario")

    @property
    def verdict(self) -> Locator:
        return self.page.locator(".govuk-inset-text")

    @property
    def table_regions(self) -> Locator:
        """The regions the wide tables scroll in."""
        return self.page.locator(".app-table-scroll")

    def open_appraised(self, inputs: dict) -> "OfferAppraisalPage":
        """The appraisal of the figures given (as its form's field names and values)."""
        return self.open(query="?" + urlencode(inputs))

    def fill_in_by_label(self, figures: dict) -> None:
        for label, value in figures.items():
            self.person.fill(self.page.get_by_label(label, exact=True), value)

    def fill_in_by_name(self, inputs: dict) -> None:
        for name, value in inputs.items():
            self.person.fill(self.page.locator(f"#id_{name}"), value)

    @property
    def appraise_button(self) -> Locator:
        return self.page.get_by_role("button", name="Appraise the offer")

    def appraise(self) -> None:
        self.person.follow(self.appraise_button)

    def save(self, name: str) -> None:
        self.person.fill(self.page.get_by_label("Name this appraisal"), name)
        self.person.follow(self.page.get_by_role("button", name="Save appraisal"))
