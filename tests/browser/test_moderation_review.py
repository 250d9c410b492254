"""Issue 16's journey: a moderator reviews a new submission, seeing every field that will be
published, and opens its PDF; asks for a change; the charity makes it and says so in a message;
the moderator sees what changed and the messages both ways, approves, and the public profile
shows it. A moderator signing in for the first time sets up two-factor authentication and goes
on to the queue."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import MODERATORS_GROUP
from directory.organisations.models import Organisation
from tests.accounts.helpers import activate_totp
from tests.browser.conftest import _new_page, axe_violations
from tests.browser.pages import (
    AccountPage,
    CheckAnswersPage,
    ModerationQueuePage,
    OrganisationPage,
    ReauthenticatePage,
    RecoveryCodesPage,
    ReviewPage,
    SectionPage,
    SetUpAuthenticatorPage,
    SignInPage,
    TaskListPage,
    TwoFactorPage,
    totp_code,
)
from tests.factories import verified_user
from tests.moderation.moderation_helpers import PDF_BYTES, full_submission

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


def moderator_signs_in(page: Page, moderator) -> None:
    secret = activate_totp(moderator)
    SignInPage(page).open().sign_in(moderator.email)
    two_factor = TwoFactorPage(page)
    expect(two_factor.hint).to_be_visible()
    two_factor.enter_code(totp_code(secret))


def open_review(page: Page, waiting: int) -> ReviewPage:
    queue = ModerationQueuePage(page)
    queue.open_from_menu(waiting)
    queue.open_review(NAME)
    review = ReviewPage(page)
    expect(review.heading).to_have_text(f"Review {NAME}")
    return review


def decide(review: ReviewPage, decision: str, message: str = "") -> None:
    review.decide(decision, message)
    expect(review.text(f"Decision recorded for {NAME}")).to_be_visible()


def test_a_moderator_reviews_asks_for_a_change_compares_and_approves(windows, submission):
    organisation, charity, moderator = submission
    service = organisation.services.get()
    page = windows()
    moderator_signs_in(page, moderator)
    review = open_review(page, waiting=1)

    # Everything that will be published, as the public profile lays it out.
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
        expect(review.preview.get_by_text(text, exact=False).first).to_be_visible()
    # And what only moderators see: the registers, the sender, the PDF.
    expect(review.register_link("1187654")).to_have_attribute(
        "href",
        "https://register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/1187654",
    )
    expect(review.text("email domain harbour-light.example.org")).to_be_visible()
    pdf = page.request.get(review.pdf_link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body() == PDF_BYTES
    assert axe_violations(page) == []

    decide(review, "Request changes", "Name the prison you work in, not only the city.")
    expect(ModerationQueuePage(page).empty).to_be_visible()

    # The charity makes the change and sends it again.
    charity_page = windows()
    SignInPage(charity_page).open().sign_in(charity.email)
    AccountPage(charity_page).open_organisation(NAME)
    tasks = TaskListPage(charity_page)
    expect(tasks.text("Name the prison you work in")).to_be_visible()
    tasks.open_section("What you do")
    section = SectionPage(charity_page)
    section.summary.fill("Mentoring for men leaving HMP Altcourse")
    section.save_and_continue()
    tasks.check_answers()
    check = CheckAnswersPage(charity_page)
    expect(check.text("Name the prison you work in")).to_be_visible()
    check.write_to_the_moderators("We now name HMP Altcourse in the summary.")
    expect(check.text("You have 1,959 characters remaining").first).to_be_visible()
    check.submit_for_review()
    expect(check.heading).to_have_text("Profile submitted for review")

    # The moderator sees what changed since and the earlier messages, and approves.
    page.reload()
    review = open_review(page, waiting=1)
    summary = review.changed_field("Summary")
    expect(summary).to_contain_text("Mentoring for men leaving HMP Liverpool")
    expect(summary).to_contain_text("Mentoring for men leaving HMP Altcourse")
    expect(review.thread).to_contain_text("Changes requested by Morgan Mod")
    expect(review.thread).to_contain_text("Name the prison you work in, not only the city.")
    expect(review.thread).to_contain_text("Sent for review again by Kim Harbour")
    expect(review.thread).to_contain_text("We now name HMP Altcourse in the summary.")
    decide(review, "Approve")

    visitor = windows()
    profile = OrganisationPage(visitor).open(slug=organisation.slug)
    expect(profile.text("Mentoring for men leaving HMP Altcourse")).to_be_visible()
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PUBLISHED


def test_a_moderators_first_sign_in_sets_up_two_factor_then_goes_to_the_queue(windows, submission):
    _, _, moderator = submission
    page = windows()
    SignInPage(page).open().sign_in(moderator.email)
    password_again = ReauthenticatePage(page)
    expect(password_again.heading).to_have_text("Enter your password")
    password_again.confirm()
    set_up = SetUpAuthenticatorPage(page)
    expect(set_up.heading).to_have_text("Set up an authenticator app")
    expect(set_up.hint).to_be_visible()
    set_up.turn_on(totp_code(set_up.secret()))
    codes = RecoveryCodesPage(page)
    expect(codes.heading).to_have_text("Your recovery codes")
    expect(codes.text("Save your recovery codes somewhere safe")).to_be_visible()
    expect(codes.text("old codes no longer work")).to_have_count(0)
    codes.continue_to_the_queue()
    queue = ModerationQueuePage(page)
    expect(queue.heading).to_have_text("Moderation")
    expect(queue.link(NAME, exact=True)).to_be_visible()
