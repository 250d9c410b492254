"""Issue 16's journey: a moderator reviews a new submission, seeing every field that will be
published, and opens its PDF; asks for a change; the charity makes it; the moderator sees what
changed and the earlier messages, approves, and the public profile shows it. A moderator
signing in for the first time sets up two-factor authentication and goes on to the queue."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import MODERATORS_GROUP
from directory.organisations.models import Organisation
from tests.accounts.helpers import activate_totp
from tests.browser.conftest import _new_page, axe_violations
from tests.factories import verified_user
from tests.moderation.moderation_helpers import PDF_BYTES, full_submission

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's password
NAME = "Harbour Light Trust"


@pytest.fixture
def windows(request, browser, live_server, settings):
    """A fresh browser window for each person."""
    settings.SITE_URL = live_server.url
    opened = []

    def open_window() -> Page:
        pages = _new_page(browser, request, window=f"-{len(opened)}", base_url=live_server.url)
        opened.append(pages)
        return next(pages)

    yield open_window
    for pages in opened:
        next(pages, None)


@pytest.fixture
def submission(transactional_db):
    call_command("load_taxonomies", verbosity=0)
    organisation, charity = full_submission(name=NAME)
    moderator = verified_user(email="morgan@moderators.example.org", full_name="Morgan Mod")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return organisation, charity, moderator


def totp_code(secret: str) -> str:
    """A code from a fresh 30-second window, so it is still valid when it arrives."""
    left = 30 - time.time() % 30
    if left < 3:
        time.sleep(left)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def moderator_signs_in(page: Page, moderator) -> None:
    secret = activate_totp(moderator)
    sign_in(page, moderator.email)
    hint = page.get_by_text("The 6-digit code your authenticator app shows now")
    expect(hint).to_be_visible()
    page.get_by_label("Enter your security code").fill(totp_code(secret))
    page.get_by_role("button", name="Continue").click()


def open_review(page: Page, waiting: int) -> None:
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name=f"Moderation ({waiting} waiting)").click()
    page.get_by_role("link", name=NAME, exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Review {NAME}")


def decide(page: Page, decision: str, message: str = "") -> None:
    page.get_by_label(decision, exact=True).check()
    if message:
        page.get_by_label("Message to the organisation").fill(message)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text(f"Decision recorded for {NAME}")).to_be_visible()


def test_a_moderator_reviews_asks_for_a_change_compares_and_approves(windows, submission):
    organisation, charity, moderator = submission
    service = organisation.services.get()
    page = windows()
    moderator_signs_in(page, moderator)
    open_review(page, waiting=1)

    # Everything that will be published, as the public profile lays it out.
    preview = page.get_by_role("region", name="As it will be published")
    for text in [
        organisation.summary,
        organisation.description,
        organisation.phone,
        service.name,
        service.eligibility,
        service.spare_capacity,
        "£250,000",
        "Dock Road hub, 12 Dock Road, L3 4AA",
        service.client_groups.get().name,
        service.settings.get().name,
        "North West",
        "Independent evaluation 2024",
    ]:
        expect(preview.get_by_text(text, exact=False).first).to_be_visible()
    # And what only moderators see: the registers, the sender, the PDF.
    expect(page.get_by_role("link", name="1187654 on the register").first).to_have_attribute(
        "href",
        "https://register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/1187654",
    )
    expect(page.get_by_text("email domain harbour-light.example.org")).to_be_visible()
    pdf_link = page.locator("#evidence-checks a", has_text="Open the PDF")
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body() == PDF_BYTES
    assert axe_violations(page) == []

    decide(page, "Request changes", "Name the prison you work in, not only the city.")
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()

    # The charity makes the change and sends it again.
    charity_page = windows()
    sign_in(charity_page, charity.email)
    charity_page.get_by_role("link", name=NAME, exact=True).first.click()
    expect(charity_page.get_by_text("Name the prison you work in")).to_be_visible()
    charity_page.get_by_role("link", name="What you do", exact=True).click()
    charity_page.get_by_label("Summary").fill("Mentoring for men leaving HMP Altcourse")
    charity_page.get_by_role("button", name="Save and continue").click()
    charity_page.get_by_role("link", name="Check your answers and submit for review").click()
    charity_page.get_by_role("button", name="Submit for review").click()
    expect(charity_page.locator("h1")).to_have_text("Profile submitted for review")

    # The moderator sees what changed since and the earlier messages, and approves.
    page.reload()
    open_review(page, waiting=1)
    changes = page.get_by_role("table", name="Field-by-field changes since it was sent back")
    summary = changes.get_by_role("row", name=re.compile("^Summary"))
    expect(summary).to_contain_text("Mentoring for men leaving HMP Liverpool")
    expect(summary).to_contain_text("Mentoring for men leaving HMP Altcourse")
    thread = page.locator(".app-thread")
    expect(thread).to_contain_text("Changes requested by Morgan Mod")
    expect(thread).to_contain_text("Name the prison you work in, not only the city.")
    expect(thread).to_contain_text("Sent for review again by Kim Harbour")
    decide(page, "Approve")

    visitor = windows()
    visitor.goto(organisation.get_absolute_url())
    expect(visitor.get_by_text("Mentoring for men leaving HMP Altcourse")).to_be_visible()
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PUBLISHED


def test_a_moderators_first_sign_in_sets_up_two_factor_then_goes_to_the_queue(windows, submission):
    _, _, moderator = submission
    page = windows()
    sign_in(page, moderator.email)
    expect(page.locator("h1")).to_have_text("Enter your password")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("Set up an authenticator app")
    expect(page.get_by_text("The 6-digit code the app shows for this account")).to_be_visible()
    secret = page.locator("code.app-secret").text_content().strip()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    expect(page.get_by_text("Save your recovery codes somewhere safe")).to_be_visible()
    expect(page.get_by_text("old codes no longer work")).to_have_count(0)
    page.get_by_role("link", name="Continue to the moderation queue").click()
    expect(page.locator("h1")).to_have_text("Moderation")
    expect(page.get_by_role("link", name=NAME, exact=True)).to_be_visible()
