"""Each demo account's main job, in a browser, straight after `make run` (the dev settings and
the demo data as loaded, with the password and two-factor secret as `make run` prints them)."""

import time

from playwright.sync_api import expect

from tests.browser.pages import (
    AccountPage,
    ContactPage,
    ModerationQueuePage,
    OrganisationPage,
    ReviewPage,
    SearchPage,
    SectionPage,
    SignInPage,
    TaskListPage,
    TwoFactorPage,
)

NEW_SUBMISSION = "Salford Second Chances"
PROVIDER_ORGANISATION = "Irwell Women's Centre"


def printed_email(dev_site, text: str, seconds: float = 15) -> str:
    """The email the dev server printed (console backend) that contains `text`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log = dev_site.server_log()
        if text in log:
            return log[log.rindex(text) - 2000 : log.rindex(text) + 500]
        time.sleep(0.5)
    raise AssertionError(f"no email with {text!r} in the server's output")


def test_the_commissioner_messages_an_organisation(page, dev_site, demo_password):
    SignInPage(page).open().sign_in("commissioner@example.org", demo_password)
    account = AccountPage(page)
    expect(account.heading).to_have_text("Your account")
    expect(account.text("Verified", exact=True)).to_be_visible()

    search = SearchPage(page)
    search.go_to("Find organisations")
    search.search("women's centre Manchester")
    search.open_result(PROVIDER_ORGANISATION)
    OrganisationPage(page).send_a_message(PROVIDER_ORGANISATION)
    contact = ContactPage(page)
    expect(contact.heading).to_have_text(f"Message {PROVIDER_ORGANISATION}")
    contact.send(
        "Women's accommodation tender: a conversation",
        "Could we talk next week about capacity from April?",
    )

    expect(contact.text(f"Message sent to {PROVIDER_ORGANISATION}")).to_be_visible()
    email = printed_email(dev_site, "Women's accommodation tender: a conversation")
    assert "hello@irwellwomen.example.org" in email


def test_the_moderator_signs_in_with_two_factor_and_decides_a_submission(
    page, demo_password, moderator_totp
):
    SignInPage(page).open().sign_in("moderator@example.org", demo_password)
    two_factor = TwoFactorPage(page)
    expect(two_factor.heading).to_have_text("Enter your security code")
    two_factor.enter_code(moderator_totp.next_code())
    # A moderator's sign-in lands on the queue.
    queue = ModerationQueuePage(page)
    expect(queue.heading).to_have_text("Moderation")
    for kind in ["New submissions", "Changes to published entries", "Claims", "Reports from"]:
        expect(queue.kind(kind)).to_be_visible()
    queue.open_review(NEW_SUBMISSION)
    ReviewPage(page).decide("Approve")

    expect(queue.heading).to_have_text("Moderation")
    expect(queue.link(NEW_SUBMISSION)).to_have_count(0)
    profile = OrganisationPage(page).open(slug="salford-second-chances")
    expect(profile.heading).to_have_text(NEW_SUBMISSION)


def test_the_provider_edits_its_profile_and_sends_it_for_review(page, demo_password):
    SignInPage(page).open().sign_in("provider@example.org", demo_password)
    AccountPage(page).edit_profile(PROVIDER_ORGANISATION)
    tasks = TaskListPage(page)
    expect(tasks.heading).to_contain_text(PROVIDER_ORGANISATION)
    expect(tasks.text("Incomplete")).to_have_count(0)
    tasks.open_section("What you do")
    section = SectionPage(page)
    section.summary.fill(
        "A women-only centre in Manchester and Salford: key work, housing, health and family "
        "support for women on probation."
    )
    section.save_and_continue()

    expect(tasks.changes_waiting).to_contain_text("Summary")
    profile = OrganisationPage(page).open(slug="irwell-womens-centre")
    expect(profile.text("A women-only centre in Manchester and Salford")).to_have_count(0)
