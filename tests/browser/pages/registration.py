"""Registering an organisation: starting, naming it (with what the charity register says),
its task list, each section's questions, services and their delivery locations, evidence,
and checking the answers before sending them for review."""

from playwright.sync_api import Locator

from tests.browser.pages.base import SitePage

CHARITY_NUMBER = "Charity number (England and Wales)"


class RegistrationPage(SitePage):
    """A page of the registration: its URL patterns take the organisation as `org`."""

    def save_and_continue(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Save and continue"))

    def yes_to(self, question: str) -> None:
        """Answer "Yes" to the yes-or-no question whose legend contains `question`."""
        self.person.check(self.page.get_by_role("group", name=question).get_by_label("Yes"))


class StartPage(RegistrationPage):
    url_name = "registration:start"

    def start_now(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Start now"))


class NewOrganisationPage(RegistrationPage):
    """The organisation's name and charity number, then (where the register has the number)
    the register's details to confirm."""

    url_name = "registration:new"

    @property
    def name(self) -> Locator:
        return self.page.get_by_label("Organisation name")

    def field(self, label: str) -> Locator:
        return self.page.get_by_label(label)

    def name_it(self, name: str, charity_number: str) -> None:
        self.person.fill(self.name, name)
        self.person.fill(self.page.get_by_label(CHARITY_NUMBER), charity_number)
        self.person.follow(self.page.get_by_role("button", name="Continue"))

    def confirm_register_details(self, name: str) -> None:
        self.person.fill(self.name, name)
        self.person.follow(self.page.get_by_role("button", name="Confirm and continue"))


class TaskListPage(RegistrationPage):
    url_name = "registration:task_list"

    @property
    def changes_waiting(self) -> Locator:
        """The note of what was changed and waits for a moderator."""
        return self.page.locator(".govuk-inset-text", has_text="Changes waiting for review")

    def progress(self, done: int) -> Locator:
        return self.text(f"You have completed {done} of 7 sections")

    def open_section(self, name: str) -> None:
        self.follow_link(name, exact=True)

    def check_answers(self) -> None:
        self.follow_link("Check your answers and submit for review")


class SectionPage(RegistrationPage):
    """The questions of a section, a step at a time ("About the organisation" has three)."""

    url_name = "registration:step"

    @property
    def charity_number(self) -> Locator:
        return self.page.get_by_label(CHARITY_NUMBER)

    @property
    def address_line_1(self) -> Locator:
        return self.page.get_by_label("Address line 1")

    @property
    def postcode(self) -> Locator:
        return self.page.get_by_label("Postcode")

    @property
    def summary(self) -> Locator:
        return self.page.get_by_label("Summary")

    @property
    def description(self) -> Locator:
        return self.page.get_by_label("Description")

    def legal_form(self, legal_form: str, year_founded: str) -> None:
        self.person.check(self.page.get_by_label(legal_form))
        self.person.fill(self.page.get_by_label("Year founded"), year_founded)
        self.save_and_continue()

    def company_number(self, number: str) -> None:
        self.person.fill(self.page.get_by_label("Company number"), number)

    def contact(self, *, email: str, address: str, town: str, postcode: str) -> None:
        """Fill in the contact details and save them (to come back with errors or not)."""
        self.person.fill(self.page.get_by_label("Public contact email address"), email)
        self.person.fill(self.address_line_1, address)
        self.person.fill(self.page.get_by_label("Town or city"), town)
        self.person.fill(self.postcode, postcode)
        self.save_and_continue()

    def what_you_do(self, summary: str, description: str) -> None:
        self.person.fill(self.summary, summary)
        self.person.fill(self.description, description)
        self.save_and_continue()

    def size(self, *, income: str, staff: str, volunteers: str, people: str) -> None:
        """The size and capacity, with people of lived experience among the staff."""
        self.person.check(self.page.get_by_label(income))
        self.person.fill(self.page.get_by_label("Number of paid staff"), staff)
        self.person.fill(self.page.get_by_label("Number of volunteers"), volunteers)
        self.person.fill(self.page.get_by_label("People supported a year"), people)
        self.yes_to("lived experience")
        self.save_and_continue()

    def quality_marks(self, mark: str) -> None:
        self.person.check(self.page.get_by_label(mark))
        self.save_and_continue()

    def partnership(self, role: str) -> None:
        """Interested in partnerships or consortia, in the role given."""
        self.yes_to("partnerships or consortia")
        self.person.check(self.page.get_by_label(role))
        self.save_and_continue()


class ServicesPage(RegistrationPage):
    """The services, and a service's form."""

    url_name = "registration:services"

    def add_service(
        self, *, name: str, description: str, pathway: str, region: str, accepting: bool
    ) -> None:
        self.follow_link("Add a service")
        self.person.fill(self.page.get_by_label("Service name"), name)
        self.person.fill(self.page.get_by_label("What the service does"), description)
        self.person.check(self.page.get_by_label(pathway))
        self.person.check(self.page.get_by_label(region))
        referrals = self.page.get_by_role("group", name="Is the service accepting referrals?")
        self.person.check(referrals.get_by_label("Yes" if accepting else "No"))
        self.person.follow(self.page.get_by_role("button", name="Save service"))

    def add_location(self, service: str) -> None:
        self.follow_link(f"Add a delivery location for {service}")

    def location(self, name: str) -> Locator:
        return self.page.get_by_role("term").filter(has_text=name)


class LocationPage(RegistrationPage):
    """A service's delivery location: a refuge's address may be kept confidential."""

    url_name = "registration:location_add"

    @property
    def confidential_hint(self) -> Locator:
        return self.text("a refuge, women's housing or approved premises")

    @property
    def address(self) -> Locator:
        """Asked when the address is published, the answer chosen at first."""
        return self.page.get_by_label("Address (optional)")

    def fill_in(self, name: str, postcode: str) -> None:
        self.person.fill(self.page.get_by_label("Location name"), name)
        self.person.fill(self.page.get_by_label("Postcode"), postcode)

    def keep_confidential(self) -> None:
        self.person.check(self.page.get_by_label("Keep the address confidential"))

    def save(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Save location"))


class EvidencePage(RegistrationPage):
    """Evidence of impact, and an item's form: its kind, findings, Nesta level and report."""

    url_name = "registration:evidence_add"

    @property
    def cohort_size(self) -> Locator:
        """Asked of a Justice Data Lab report only."""
        return self.page.get_by_label("Cohort size")

    @property
    def report_link(self) -> Locator:
        return self.link("View the report (PDF)")

    def nesta_level(self, level: int) -> Locator:
        return self.page.get_by_label(f"Level {level}")

    def choose_kind(self, kind: str) -> None:
        self.person.check(self.page.get_by_label(kind))

    def add_evidence(self) -> None:
        self.follow_link("Add evidence")

    def describe(self, *, kind: str, title: str, year: str, findings: str, level: int) -> None:
        self.choose_kind(kind)
        self.person.fill(self.page.get_by_label("Title"), title)
        self.person.fill(self.page.get_by_label("Year", exact=True), year)
        self.person.fill(self.page.get_by_label("Summary of the findings"), findings)
        self.person.check(self.nesta_level(level))

    def upload_report(self, name: str, content: bytes) -> None:
        self.person.upload(self.page.get_by_label("Upload a report (optional)"), name, content)

    def justice_data_lab_figures(self, *, cohort: str, supported: str, comparison: str) -> None:
        """The cohort, both reoffending rates, and that the difference is significant."""
        self.person.fill(self.cohort_size, cohort)
        self.person.fill(self.page.get_by_label("of the people supported (%)"), supported)
        self.person.fill(self.page.get_by_label("of the comparison group (%)"), comparison)
        self.yes_to("statistically significant")

    def save(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Save evidence"))


class CheckAnswersPage(RegistrationPage):
    url_name = "registration:check"

    def warning(self, about: str) -> Locator:
        return self.page.locator(".govuk-warning-text").filter(has_text=about)

    def add_missing_location(self, service: str) -> None:
        """Follow the warning about a service without a delivery location to add one."""
        link = self.warning(service).get_by_role("link", name="Add a delivery location")
        self.person.follow(link)

    @property
    def message_to_the_moderators(self) -> Locator:
        return self.page.get_by_label("Message to the moderators (optional)")

    def write_to_the_moderators(self, message: str) -> None:
        self.person.fill(self.message_to_the_moderators, message)

    def submit_for_review(self) -> None:
        self.person.follow(self.page.get_by_role("button", name="Submit for review"))
