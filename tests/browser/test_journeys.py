"""The journeys of issue 9, clicked through as people use the site.

1. A charity creates an account, confirms its email address, registers over two visits,
   invites a colleague and submits its profile.
2. A moderator signs in with two-factor authentication and asks for a change; the charity
   makes it; the moderator approves and the entry appears in search.
3. A commissioner searches with words, filters and a postcode, shortlists three results,
   saves the search, compares the three and downloads the shortlist as CSV.
4. An organisation posts an opportunity, another responds, the first accepts and they form
   a consortium.
5. A visitor appraises a subcontract offer, then reports a problem with an entry.

Each runs with JavaScript on and off. Journeys 1 and 3 run again by keyboard alone (Tab,
Enter and Space, and typing into fields): every element Tab reaches must show a focus
indicator, and focus must land on the error summary after a failed submit.

People act through `Person` (pointer) or `KeyboardPerson`; the journeys are written once.
Links in emails are read from Django's test outbox and opened like a mail reader would.
"""

import csv
import re
import time
from contextlib import nullcontext
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Download, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from accounts.models import MODERATORS_GROUP, Membership
from consortia.models import ConsortiumMembership, ExpressionOfInterest
from directory.moderation.models import ProblemReport
from directory.organisations.models import Organisation, Pathway, Region
from directory.registration import services
from directory.search.models import SavedSearch
from directory.search.search_index import refresh_search_documents
from tests.accounts.helpers import activate_totp
from tests.browser.conftest import _new_page
from tests.factories import (
    CommissionerProfileFactory,
    DeliveryLocationFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    ShortlistFactory,
    pdf_document,
    verified_user,
)

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's password
PDF_BYTES = pdf_document()

# Evaluated in the page after each Tab: the focused element, and whether it looks different
# focused from unfocused (outline, shadow, colours, border, underline; a radio's or
# checkbox's indicator is drawn on its label). A transparent outline (kept by GOV.UK Frontend
# for Windows high contrast mode) is not an indicator by itself.
FOCUS_STATE_JS = """() => {
  const element = document.activeElement
  if (!element || element === document.body || element === document.documentElement) return null
  const parts = [element, ...(element.labels || [])]
  const look = () => parts.flatMap(part => [null, '::before', '::after'].map(pseudo => {
    const style = getComputedStyle(part, pseudo)
    const outline = style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0 ||
      style.outlineColor === 'rgba(0, 0, 0, 0)'
      ? 'none' : `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`
    return [outline, style.boxShadow, style.backgroundColor, style.color,
      style.textDecorationLine, style.borderColor, style.borderWidth].join(' ')
  })).join(' | ')
  const focused = look()
  // GOV.UK Frontend drops the tabindex it gave the error summary once it loses focus.
  const tabindex = element.getAttribute('tabindex')
  element.blur()
  const unfocused = look()
  if (tabindex !== null) element.setAttribute('tabindex', tabindex)
  element.focus({ preventScroll: true })
  const box = element.getBoundingClientRect()
  const text = (element.getAttribute('aria-label') || element.innerText || element.value ||
    element.name || '').trim().replace(/\\s+/g, ' ').slice(0, 60)
  return {
    target: element.hasAttribute('data-journey-target'),
    skipLink: element.classList.contains('govuk-skip-link'),
    indicated: focused !== unfocused && box.width > 0 && box.height > 0,
    element: `<${element.tagName.toLowerCase()}${element.id ? ' #' + element.id : ''}> ${text}`,
  }
}"""


class Person:
    """Someone at a browser window who points and clicks. Journeys ask a person to follow a
    link or button, fill in, check, choose, upload and download; subclasses change how."""

    def __init__(self, page: Page, *, javascript: bool):
        self.page = page
        self.javascript = javascript

    def follow(self, target: Locator) -> None:
        """Activate a link or button that loads another page."""
        self.press(target, navigates=True)

    def press(self, target: Locator, *, navigates: bool = False) -> None:
        self._reach(target)
        with self.page.expect_navigation() if navigates else nullcontext():
            self._activate(target)

    def download(self, link: Locator) -> Download:
        self._reach(link)
        with self.page.expect_download() as download:
            self._activate(link)
        return download.value

    def _reach(self, target: Locator) -> None:
        """Get to the target, ready to activate it (a pointer is there at once)."""

    def _activate(self, target: Locator) -> None:
        target.click()

    def fill(self, field: Locator, text: str) -> None:
        field.fill(text)

    def check(self, box: Locator) -> None:
        box.check()

    def choose(self, select: Locator, label: str) -> None:
        select.select_option(label=label)

    def upload(self, field: Locator, name: str, content: bytes) -> None:
        field.set_input_files({"name": name, "mimeType": "application/pdf", "buffer": content})

    def submit_with_errors(self, button: Locator) -> None:
        """Submit a form that must come back with errors: the GOV.UK error summary shows and,
        where its script runs, takes the focus, visibly."""
        self.follow(button)
        summary = self.page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        if self.javascript:
            expect(summary).to_be_focused()
            focus = self.page.evaluate(FOCUS_STATE_JS)
            assert focus["indicated"], (
                f"the focused error summary shows no focus indicator: {focus}"
            )


class KeyboardPerson(Person):
    """Someone who uses only the keyboard: Tab to move, Enter or Space to act, and typing
    into fields. Every element Tab stops on must show where the focus is."""

    MAX_TABS = 300

    def focus(self, target: Locator) -> None:
        """Tab (from wherever the focus is) until the target has the focus, using the skip
        link on the way to a target in the main content."""
        in_main = target.evaluate(
            "element => { element.setAttribute('data-journey-target', '');"
            " return !!element.closest('main') }"
        )
        passed = []
        for _ in range(self.MAX_TABS):
            self.page.keyboard.press("Tab")
            focus = self.page.evaluate(FOCUS_STATE_JS)
            if focus is None:  # past the last element, in the browser's own controls
                continue
            assert focus["indicated"], f"no visible focus on {focus['element']} ({self.page.url})"
            if focus["target"]:
                target.evaluate("element => element.removeAttribute('data-journey-target')")
                return
            passed.append(focus["element"])
            if in_main and focus["skipLink"]:
                self.page.keyboard.press("Enter")
                # GOV.UK Frontend moves the focus to <main> (and shows none: it is no control).
                expect(self.page.locator("main")).to_be_focused()
        raise AssertionError(f"Tab never reached {target} on {self.page.url}; passed {passed}")

    def _reach(self, target: Locator) -> None:
        # Outside the wait for the next page: the skip link is a navigation within the page.
        self.focus(target)

    def _activate(self, target: Locator) -> None:
        self.page.keyboard.press("Enter")

    def fill(self, field: Locator, text: str) -> None:
        # Tabbing into a text input selects what is in it, so typing replaces it.
        self.focus(field)
        self.page.keyboard.type(text)
        expect(field).to_have_value(text)

    def check(self, box: Locator) -> None:
        self.focus(box)
        if not box.is_checked():
            self.page.keyboard.press("Space")
        expect(box).to_be_checked()

    UPLOAD_ATTEMPTS = 3

    def upload(self, field: Locator, name: str, content: bytes) -> None:
        self.focus(field)
        # Headless Chromium now and then drops the keypress that opens the file chooser
        # (a chooser that comes opens in well under a second), so a lost one is pressed again.
        for attempt in range(1, self.UPLOAD_ATTEMPTS + 1):
            try:
                with self.page.expect_file_chooser(timeout=4000) as chooser:
                    self.page.keyboard.press("Space")
                break
            except PlaywrightTimeoutError:
                expect(field).to_be_focused()
                if attempt == self.UPLOAD_ATTEMPTS:
                    raise
        chooser.value.set_files({"name": name, "mimeType": "application/pdf", "buffer": content})


def _windows(request, browser, live_server, settings, *, javascript: bool, person=Person):
    """Opens a browser window (a fresh context) for each person in the journey; each saves
    its own screenshot and HTML if the test fails."""
    settings.SITE_URL = live_server.url  # so the links in emails lead to the live server
    opened = []

    def open_window(who: str) -> Person:
        pages = _new_page(
            browser,
            request,
            window=f"-{who}",
            base_url=live_server.url,
            java_script_enabled=javascript,
        )
        opened.append(pages)
        return person(next(pages), javascript=javascript)

    yield open_window
    for pages in opened:
        next(pages, None)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def open_window(request, browser, live_server, settings):
    yield from _windows(request, browser, live_server, settings, javascript=request.param)


@pytest.fixture
def open_keyboard_window(request, browser, live_server, settings):
    yield from _windows(
        request, browser, live_server, settings, javascript=True, person=KeyboardPerson
    )


@pytest.fixture
def taxonomies(transactional_db):
    call_command("load_taxonomies", verbosity=0)


# --- Helpers shared by the journeys ---


def email_to(to: str) -> mail.EmailMessage:
    """The latest email sent to the address."""
    return next(message for message in reversed(mail.outbox) if to in message.to)


def link_in_email(to: str, path_part: str) -> str:
    """The link containing `path_part` in the latest email to `to` that has one."""
    for message in reversed(mail.outbox):
        if to in message.to:
            for url in re.findall(r"https?://\S+", message.body):
                if path_part in url:
                    return url
    raise AssertionError(f"No email to {to} with a link to {path_part}")


def go_to(person: Person, name: str) -> None:
    """Follow a link of the menu at the top of every page."""
    menu = person.page.get_by_role("navigation", name="Menu")
    person.follow(menu.get_by_role("link", name=name, exact=True))


def sign_in(person: Person, email: str) -> None:
    page = person.page
    go_to(person, "Sign in")
    person.fill(page.get_by_label("Email address"), email)
    person.fill(page.get_by_label("Password", exact=True), PASSWORD)
    person.follow(page.get_by_role("button", name="Sign in"))


def sign_out(person: Person) -> None:
    page = person.page
    go_to(person, "Sign out")
    person.follow(page.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("navigation", name="Menu")).to_contain_text("Sign in")


def save_and_continue(person: Person) -> None:
    person.follow(person.page.get_by_role("button", name="Save and continue"))


def open_section(person: Person, name: str) -> None:
    person.follow(person.page.get_by_role("link", name=name, exact=True))


def heading(page: Page) -> Locator:
    return page.locator("h1")


# --- 1. A charity registers ---

CHARITY_EMAIL = "amara@anchor.example.org"
COLLEAGUE_EMAIL = "jo@anchor.example.org"
CHARITY = "Anchor Women's Project"


def create_account(person: Person) -> None:
    """Sign up from the home page, first forgetting to confirm the password."""
    page = person.page
    page.goto("/")
    person.follow(page.get_by_role("link", name="Create an account"))
    person.fill(page.get_by_label("Full name"), "Amara Okafor")
    person.fill(page.get_by_label("Email address"), CHARITY_EMAIL)
    person.fill(page.get_by_label("Create a password"), "anchor-women-2026")
    person.check(page.get_by_label("I work for an organisation that delivers services"))
    person.submit_with_errors(page.get_by_role("button", name="Create account"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Confirm your password")
    expect(page.get_by_label("Full name")).to_have_value("Amara Okafor")
    # Passwords are never sent back to the browser: both are typed again.
    person.fill(page.get_by_label("Create a password"), PASSWORD)
    person.fill(page.get_by_label("Confirm your password"), PASSWORD)
    person.follow(page.get_by_role("button", name="Create account"))
    expect(heading(page)).to_have_text("Check your email")


def confirm_email(person: Person) -> None:
    page = person.page
    page.goto(link_in_email(CHARITY_EMAIL, "/accounts/confirm-email/"))
    person.follow(page.get_by_role("button", name="Confirm"))
    expect(heading(page)).to_have_text("Your account")


def first_visit(person: Person) -> None:
    """Start the registration; complete the organisation's details, what it does, and its
    services."""
    page = person.page
    person.follow(page.get_by_role("button", name="Register an organisation"))
    person.follow(page.get_by_role("button", name="Start now"))
    person.fill(page.get_by_label("Organisation name"), CHARITY)
    person.fill(page.get_by_label("Charity number (England and Wales)"), "1190001")
    person.follow(page.get_by_role("button", name="Continue"))
    expect(heading(page)).to_have_text(CHARITY)

    open_section(person, "About the organisation")
    person.check(page.get_by_label("Registered charity (unincorporated or trust)"))
    person.fill(page.get_by_label("Year founded"), "2012")
    save_and_continue(person)
    expect(page.get_by_label("Charity number (England and Wales)")).to_have_value("1190001")
    save_and_continue(person)
    person.fill(page.get_by_label("Public contact email address"), "hello@anchor.example.org")
    person.fill(page.get_by_label("Address line 1"), "1 Quay Street")
    person.fill(page.get_by_label("Town or city"), "Manchester")
    person.fill(page.get_by_label("Postcode"), "M1 1AE")
    save_and_continue(person)

    open_section(person, "What you do")
    person.fill(page.get_by_label("Summary"), "Housing and support for women leaving prison")
    person.fill(page.get_by_label("Description"), "We find homes and stay alongside women.")
    save_and_continue(person)

    open_section(person, "Services")
    person.follow(page.get_by_role("link", name="Add a service"))
    person.fill(page.get_by_label("Service name"), "Women's housing support")
    person.fill(page.get_by_label("What the service does"), "Finding and keeping a home")
    person.check(page.get_by_label("Accommodation"))
    person.check(page.get_by_label("North West"))
    referrals = page.get_by_role("group", name="Is the service accepting referrals?")
    person.check(referrals.get_by_label("Yes"))
    person.follow(page.get_by_role("button", name="Save service"))
    person.follow(page.get_by_role("link", name="Add a delivery location for Women's housing"))
    person.fill(page.get_by_label("Location name"), "The Anchor Hub")
    person.fill(page.get_by_label("Postcode"), "M1 1AE")
    person.follow(page.get_by_role("button", name="Save location"))
    save_and_continue(person)
    expect(page.get_by_text("You have completed 3 of 7 sections")).to_be_visible()


def second_visit(person: Person) -> None:
    """Back from the account page: size, evidence, quality marks and partnerships."""
    page = person.page
    person.follow(page.get_by_role("link", name=CHARITY, exact=True))
    expect(page.get_by_text("You have completed 3 of 7 sections")).to_be_visible()

    open_section(person, "Size and capacity")
    person.check(page.get_by_label("Under £10,000"))
    person.fill(page.get_by_label("Number of paid staff"), "4")
    person.fill(page.get_by_label("Number of volunteers"), "20")
    person.fill(page.get_by_label("People supported a year"), "120")
    person.check(page.get_by_role("group", name="lived experience").get_by_label("Yes"))
    save_and_continue(person)

    open_section(person, "Evidence of impact")
    person.follow(page.get_by_role("link", name="Add evidence"))
    person.check(page.get_by_label("Justice Data Lab report"))
    person.fill(page.get_by_label("Title"), "Justice Data Lab 2024")
    person.fill(page.get_by_label("Year", exact=True), "2024")
    person.fill(page.get_by_label("Summary of the findings"), "Fewer women reoffended")
    person.check(page.get_by_label("Level 1"))
    person.upload(page.get_by_label("Upload a report (optional)"), "jdl.pdf", PDF_BYTES)
    person.fill(page.get_by_label("Cohort size"), "84")
    person.fill(page.get_by_label("of the people supported (%)"), "22")
    person.fill(page.get_by_label("of the comparison group (%)"), "31")
    significant = page.get_by_role("group", name="statistically significant")
    person.check(significant.get_by_label("Yes"))
    person.follow(page.get_by_role("button", name="Save evidence"))
    expect(page.get_by_role("link", name="View the report (PDF)")).to_be_visible()
    save_and_continue(person)

    open_section(person, "Quality marks")
    person.check(page.get_by_label("Trusted Charity"))
    save_and_continue(person)

    open_section(person, "Partnership interest")
    person.check(page.get_by_role("group", name="partnerships or consortia").get_by_label("Yes"))
    person.check(page.get_by_label("Subcontractor"))
    save_and_continue(person)
    expect(page.get_by_text("You have completed 7 of 7 sections")).to_be_visible()


def invite_colleague(person: Person) -> None:
    page = person.page
    go_to(person, "Your account")
    person.follow(page.get_by_role("link", name=f"Manage members of {CHARITY}"))
    person.follow(page.get_by_role("link", name="Invite someone"))
    person.fill(page.get_by_label("Their email address"), COLLEAGUE_EMAIL)
    person.check(page.get_by_label("Editor: can edit the organisation's profile"))
    person.follow(page.get_by_role("button", name="Send invitation"))
    expect(page.get_by_role("cell", name=COLLEAGUE_EMAIL, exact=True)).to_be_visible()
    assert "/account/invitations/" in link_in_email(COLLEAGUE_EMAIL, "/account/invitations/")


def submit_for_review(person: Person) -> None:
    page = person.page
    go_to(person, "Your account")
    person.follow(page.get_by_role("link", name=CHARITY, exact=True))
    person.follow(page.get_by_role("link", name="Check your answers and submit for review"))
    expect(page.get_by_text("hello@anchor.example.org")).to_be_visible()
    person.follow(page.get_by_role("button", name="Submit for review"))
    expect(heading(page)).to_have_text("Profile submitted for review")


def register_a_charity(person: Person) -> None:
    create_account(person)
    confirm_email(person)
    first_visit(person)
    sign_out(person)
    sign_in(person, CHARITY_EMAIL)
    second_visit(person)
    invite_colleague(person)
    submit_for_review(person)

    organisation = Organisation.objects.get(name=CHARITY)
    assert organisation.status == Organisation.Status.SUBMITTED
    assert set(organisation.completed_sections) == set(services.SECTIONS)
    assert organisation.memberships.get().user.full_name == "Amara Okafor"
    assert organisation.evidence_items.get().document
    assert organisation.services.get().locations.get().latitude is not None


def test_a_charity_registers(open_window, taxonomies):
    register_a_charity(open_window("charity"))


def test_a_charity_registers_by_keyboard(open_keyboard_window, taxonomies):
    register_a_charity(open_keyboard_window("charity"))


# --- 2. A moderator asks for a change, then approves ---


@pytest.fixture
def submission(taxonomies):
    """A charity's submitted profile, and a moderator with an authenticator app."""
    charity = verified_user(email="kim@harbour.example.org", full_name="Kim Harbour")
    organisation = OrganisationFactory(
        name="Harbour Light Trust",
        slug="harbour-light-trust",
        status=Organisation.Status.SUBMITTED,
        completed_sections=list(services.SECTIONS),
        summary="Mentoring for men leaving HMP Liverpool",
        published_at=None,
        last_verified_at=None,
    )
    MembershipFactory(user=charity, organisation=organisation, role=Membership.Role.ADMIN)
    ServiceFactory(
        organisation=organisation,
        pathways=[Pathway.objects.get(slug="education-skills-and-work")],
        regions=[Region.objects.get(slug="north-west")],
    )
    moderator = verified_user(email="morgan@moderators.example.org", full_name="Morgan Mod")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return {"charity": charity, "moderator": moderator, "secret": activate_totp(moderator)}


def current_totp_code(secret: str) -> str:
    """The authenticator app's code, from a fresh 30-second window so it is still valid when
    it arrives (no earlier or later window is accepted)."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def moderator_decides(person: Person, decision: str, message: str = "") -> None:
    page = person.page
    go_to(person, "Your account")
    person.follow(page.get_by_role("link", name="Go to the moderation queue"))
    person.follow(page.get_by_role("link", name="Harbour Light Trust"))
    person.check(page.get_by_label(decision, exact=True))
    if message:
        person.fill(page.get_by_label("Message to the organisation"), message)
    person.follow(page.get_by_role("button", name="Record decision"))


def test_a_moderator_requests_a_change_then_approves(open_window, submission):
    moderator = open_window("moderator")
    page = moderator.page
    page.goto("/")
    sign_in(moderator, submission["moderator"].email)
    expect(heading(page)).to_have_text("Enter your security code")
    moderator.fill(
        page.get_by_label("Enter your security code"), current_totp_code(submission["secret"])
    )
    moderator.follow(page.get_by_role("button", name="Continue"))
    expect(heading(page)).to_have_text("Your account")
    moderator_decides(
        moderator, "Request changes", "Say which prison you work in, not only the city."
    )
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    organisation = Organisation.objects.get(slug="harbour-light-trust")
    assert organisation.status == Organisation.Status.CHANGES_REQUESTED

    charity = open_window("charity")
    page = charity.page
    email = submission["charity"].email
    assert "Say which prison you work in" in email_to(email).body
    page.goto(link_in_email(email, "/register/"))
    charity.fill(page.get_by_label("Email address"), email)
    charity.fill(page.get_by_label("Password", exact=True), PASSWORD)
    charity.follow(page.get_by_role("button", name="Sign in"))
    expect(heading(page)).to_have_text("Harbour Light Trust")
    open_section(charity, "What you do")
    charity.fill(page.get_by_label("Summary"), "Mentoring for men leaving HMP Altcourse")
    save_and_continue(charity)
    charity.follow(page.get_by_role("link", name="Check your answers and submit for review"))
    charity.follow(page.get_by_role("button", name="Submit for review"))
    expect(heading(page)).to_have_text("Profile submitted for review")

    moderator_decides(moderator, "Approve")
    expect(moderator.page.get_by_text("Nothing is waiting.")).to_be_visible()
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PUBLISHED

    visitor = open_window("visitor")
    page = visitor.page
    page.goto("/")
    visitor.fill(page.get_by_label("Search the directory"), "Altcourse")
    visitor.follow(page.get_by_role("button", name="Search"))
    visitor.follow(page.get_by_role("link", name="Harbour Light Trust"))
    expect(page.get_by_text("Mentoring for men leaving HMP Altcourse")).to_be_visible()


# --- 3. A commissioner searches, shortlists, compares and exports ---

SHORTLISTED = ["Bolton Bridge Mentors", "Northern Lights Mentoring", "Salford Steps"]


@pytest.fixture
def market(taxonomies):
    """Three mentoring services near Manchester in the North West for work, and four that
    each miss one of: the words, the postcode, the region, the pathway."""
    commissioner = verified_user(email="sam@probation.example.gov.uk", full_name="Sam Cole")
    CommissionerProfileFactory(
        user=commissioner, verification_status="verified", verified_at=timezone.now()
    )
    ShortlistFactory(owner=commissioner, name="Greater Manchester mentoring")
    manchester, london = (53.4794, -2.2453), (51.5010, -0.1416)
    work, housing = "education-skills-and-work", "accommodation"
    for name, service, pathway, region, place in [
        (SHORTLISTED[0], "Mentoring into work", work, "north-west", manchester),
        (SHORTLISTED[1], "Peer mentoring", work, "north-west", manchester),
        (SHORTLISTED[2], "Mentoring at 18", work, "north-west", manchester),
        ("Quay Kitchen", "Catering jobs", work, "north-west", manchester),
        ("Thames Mentors", "Mentoring into work", work, "london", london),
        ("Stockport Steps", "Mentoring into work", work, "greater-manchester", manchester),
        ("Mancunian Homes", "Mentoring in a tenancy", housing, "north-west", manchester),
    ]:
        words = f"{service} for people leaving prison"
        organisation = OrganisationFactory(
            name=name, slug=name.lower().replace(" ", "-"), summary=words, description=words
        )
        offered = ServiceFactory(
            organisation=organisation,
            name=service,
            description=words,
            pathways=[Pathway.objects.get(slug=pathway)],
            regions=[Region.objects.get(slug=region)],
        )
        DeliveryLocationFactory(service=offered, latitude=place[0], longitude=place[1])
    refresh_search_documents()
    return commissioner


def apply_filters(person: Person) -> None:
    """With JavaScript the results follow each filter; without, "Apply filters" sends them."""
    if person.javascript:
        expect(person.page.locator("#main-content")).not_to_have_attribute("aria-busy", "true")
    else:
        person.follow(person.page.get_by_role("button", name="Apply filters").first)


def open_filter_group(person: Person, name: str) -> None:
    """Filter groups with nothing chosen in them start closed: open one by its heading."""
    person.press(person.page.locator("summary.app-facet__summary", has_text=name).first)


def search_the_market(person: Person) -> None:
    page = person.page
    go_to(person, "Find organisations")
    person.fill(page.get_by_label("Name, service or keyword"), "mentoring")
    person.fill(page.get_by_label("Postcode"), "M1 1AE")
    person.follow(page.get_by_role("button", name="Search", exact=True))
    count = page.locator("#result-count")
    expect(count).to_have_text("5 organisations")
    open_filter_group(person, "Region")
    person.check(page.get_by_label(re.compile(r"^North West \(")))
    apply_filters(person)
    expect(count).to_have_text("4 organisations")
    open_filter_group(person, "Pathway")
    person.check(page.get_by_label(re.compile(r"^Education, skills and work \(")))
    apply_filters(person)
    expect(count).to_have_text("3 organisations")
    assert sorted(page.locator(".app-result__title").all_inner_texts()) == SHORTLISTED


def shortlist_results(person: Person) -> None:
    page = person.page
    for name in SHORTLISTED:
        person.press(
            # GOV.UK's visually hidden text is padded with spaces: "Add to shortlist : name".
            page.get_by_role("button", name=re.compile(f"^Add to shortlist\\W+{name}$")),
            navigates=not person.javascript,
        )
        message = f"{name} added to “Greater Manchester mentoring”"
        expect(page.get_by_text(message)).to_be_visible()


def save_the_search(person: Person) -> None:
    page = person.page
    person.follow(page.get_by_role("link", name="Save this search"))
    person.submit_with_errors(page.get_by_role("button", name="Save search"))
    person.fill(page.get_by_label("Name"), "Mentoring near Manchester")
    person.follow(page.get_by_role("button", name="Save search"))
    expect(page.get_by_role("link", name="Mentoring near Manchester", exact=True)).to_be_visible()


def compare_and_export(person: Person) -> None:
    page = person.page
    person.follow(page.get_by_role("link", name="Your shortlists"))
    person.follow(page.get_by_role("link", name="Greater Manchester mentoring"))
    for name in SHORTLISTED:
        person.check(page.get_by_label(f"Compare {name}"))
    person.follow(page.get_by_role("button", name="Compare selected organisations"))
    columns = page.locator(".app-compare__table thead th")
    expect(columns).to_have_text(SHORTLISTED)
    person.follow(page.get_by_role("link", name="Back to the shortlist"))
    download = person.download(page.get_by_role("link", name="Download as CSV"))
    with open(download.path(), encoding="utf-8-sig", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["Name"] for row in rows] == SHORTLISTED
    assert {row["Town"] for row in rows} == {"Manchester"}


def commission(person: Person, commissioner) -> None:
    person.page.goto("/")
    sign_in(person, commissioner.email)
    search_the_market(person)
    shortlist_results(person)
    save_the_search(person)
    compare_and_export(person)

    saved = SavedSearch.objects.get(owner=commissioner)
    for part in ["q=mentoring", "postcode=M1", "region=north-west", "pathway=education"]:
        assert part in saved.query_string


def test_a_commissioner_shortlists_compares_and_exports(open_window, market):
    commission(open_window("commissioner"), market)


def test_a_commissioner_shortlists_compares_and_exports_by_keyboard(open_keyboard_window, market):
    commission(open_keyboard_window("commissioner"), market)


# --- 4. An opportunity leads to a consortium ---


@pytest.fixture
def two_organisations(taxonomies):
    poster = verified_user(email="lee@anchor.example.org", full_name="Lee Anchor")
    responder = verified_user(email="ravi@gate.example.org", full_name="Ravi Gate")
    anchor = OrganisationFactory(name="Anchor Housing", slug="anchor-housing")
    gate = OrganisationFactory(name="Gate Mentors", slug="gate-mentors")
    MembershipFactory(user=poster, organisation=anchor, role=Membership.Role.ADMIN)
    MembershipFactory(user=responder, organisation=gate, role=Membership.Role.ADMIN)
    ServiceFactory(organisation=gate, name="Through the gate mentoring")
    return {"poster": poster, "responder": responder}


def invite_organisation(person: Person, name: str) -> None:
    """With JavaScript, pick the name from the autocomplete's suggestions (by keyboard, as
    anyone can); without, search on the server and select the match."""
    page = person.page
    if person.javascript:
        person.fill(page.get_by_label("Organisation to invite"), name)
        expect(page.get_by_role("option", name=re.compile(f"^{name}"))).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(page.get_by_label("Organisation to invite")).to_have_value(re.compile(f"^{name}"))
    else:
        person.fill(page.get_by_label("Search for the organisation"), name)
        person.follow(page.get_by_role("button", name="Search"))
        person.check(page.get_by_label(name))


def test_an_opportunity_becomes_a_consortium(open_window, two_organisations):
    poster = open_window("poster")
    page = poster.page
    page.goto("/")
    sign_in(poster, two_organisations["poster"].email)
    go_to(poster, "Opportunities")
    poster.follow(page.get_by_role("link", name="Post an opportunity"))
    poster.fill(page.get_by_label("Title"), "Mentors for a Manchester housing contract")
    poster.fill(page.get_by_label("Describe the opportunity"), "We need mentoring partners.")
    poster.check(page.get_by_label("North West"))
    poster.check(page.get_by_label("Accommodation"))
    poster.check(page.get_by_label("Subcontractor"))
    poster.check(page.get_by_label("£50,000 to £250,000"))
    closes = timezone.localdate() + timedelta(days=30)
    closing = page.get_by_role("group", name="Closing date for responses")
    poster.fill(closing.get_by_label("Day"), str(closes.day))
    poster.fill(closing.get_by_label("Month"), f"{closes:%B}")
    poster.fill(closing.get_by_label("Year"), str(closes.year))
    poster.follow(page.get_by_role("button", name="Publish opportunity"))
    expect(page.get_by_text("Opportunity published")).to_be_visible()

    responder = open_window("responder")
    page = responder.page
    page.goto("/")
    sign_in(responder, two_organisations["responder"].email)
    go_to(responder, "Opportunities")
    responder.follow(page.get_by_role("link", name="Mentors for a Manchester housing contract"))
    responder.fill(page.get_by_label("Your message"), "We mentor 200 people a year.")
    responder.check(page.get_by_label("Through the gate mentoring (Gate Mentors)"))
    responder.follow(page.get_by_role("button", name="Send expression of interest"))
    expect(page.get_by_text("Your expression of interest was sent")).to_be_visible()

    page = poster.page
    page.goto(link_in_email(two_organisations["poster"].email, "/responses/"))
    poster.follow(page.get_by_role("link", name="Review the response from Gate Mentors"))
    poster.check(page.get_by_label("Accepted"))
    poster.fill(page.get_by_label("Message to the organisation (optional)"), "Welcome aboard")
    poster.follow(page.get_by_role("button", name="Save and tell the organisation"))
    expect(page.get_by_role("cell", name="Accepted")).to_be_visible()
    assert ExpressionOfInterest.objects.get().status == ExpressionOfInterest.Status.ACCEPTED

    go_to(poster, "Your account")
    poster.follow(page.get_by_role("link", name="Consortia"))
    poster.follow(page.get_by_role("link", name="Start a consortium"))
    poster.fill(page.get_by_label("Name of the consortium"), "Manchester Homes and Mentors")
    poster.fill(page.get_by_label("What is it for?"), "Housing with a mentor for every tenant")
    poster.check(page.get_by_label("North West"))
    poster.check(page.get_by_label("Accommodation"))
    poster.check(page.get_by_label("Forming"))
    poster.check(page.get_by_label("Public"))
    poster.follow(page.get_by_role("button", name="Start the consortium"))
    poster.follow(page.get_by_role("link", name="Invite an organisation"))
    invite_organisation(poster, "Gate Mentors")
    poster.fill(page.get_by_label("Proposed role"), "Mentoring subcontractor")
    poster.follow(page.get_by_role("button", name="Send invitation"))
    expect(page.get_by_text("Gate Mentors, as Mentoring subcontractor")).to_be_visible()

    page = responder.page
    page.goto(link_in_email(two_organisations["responder"].email, "/consortia/"))
    responder.follow(page.get_by_role("button", name="Accept for Gate Mentors"))
    members = page.get_by_role("table", name="Members and their roles")
    expect(members.get_by_role("link", name="Gate Mentors", exact=True)).to_be_visible()
    expect(members.get_by_role("link", name="Anchor Housing", exact=True)).to_be_visible()
    assert ConsortiumMembership.objects.filter(status="accepted").count() == 2


# --- 5. A visitor appraises an offer and reports a problem ---

APPRAISAL = {
    "Contract length, in months": "12",
    "Expected referrals per month": "5",
    "Price per person, in pounds": "2000",
    "Share paid as fee for service": "40",
    "Share paid on results": "50",
    "Delay from the start of support to the results payment, in months": "6",
    "Low outcome rate": "20",
    "Expected outcome rate": "35",
    "High outcome rate": "50",
    "Fixed costs per month, in pounds (optional)": "4000",
}


@pytest.fixture
def listed(transactional_db):
    return OrganisationFactory(name="Second Chances Trust", slug="second-chances-trust")


def test_a_visitor_appraises_an_offer_and_reports_a_problem(open_window, listed):
    visitor = open_window("visitor")
    page = visitor.page
    page.goto("/tools/offer-appraisal/")
    for label, value in APPRAISAL.items():
        visitor.fill(page.get_by_label(label, exact=True), value)
    visitor.submit_with_errors(page.get_by_role("button", name="Appraise the offer"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("must add up to 100%")
    visitor.fill(page.get_by_label("Share paid on results", exact=True), "60")
    visitor.follow(page.get_by_role("button", name="Appraise the offer"))
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Cumulative cash by month, by scenario")).to_be_visible()

    go_to(visitor, "Find organisations")
    visitor.follow(page.get_by_role("link", name="Second Chances Trust"))
    visitor.follow(page.get_by_role("link", name="Report a problem with this entry"))
    visitor.fill(page.get_by_label("What is wrong with this entry?"), "The phone number is old")
    visitor.follow(page.get_by_role("button", name="Send report"))
    expect(heading(page)).to_have_text("Report sent")
    assert ProblemReport.objects.get().description == "The phone number is old"
