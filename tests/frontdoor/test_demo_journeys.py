"""Each demo account's main job, in a browser, straight after `make run` (the dev settings and
the demo data as loaded, with the password and two-factor secret as `make run` prints them)."""

import re
import time

from playwright.sync_api import expect

NEW_SUBMISSION = "Salford Second Chances"
PROVIDER_ORGANISATION = "Irwell Women's Centre"


def sign_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def heading(page):
    return page.get_by_role("heading", level=1)


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
    sign_in(page, "commissioner@example.org", demo_password)
    expect(heading(page)).to_have_text("Your account")
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Find organisations"
    ).click()
    page.get_by_label("Name, service or keyword").fill("women's centre Manchester")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=PROVIDER_ORGANISATION, exact=True).first.click()
    page.get_by_role("link", name=f"Send {PROVIDER_ORGANISATION} a message").click()
    expect(heading(page)).to_have_text(f"Message {PROVIDER_ORGANISATION}")
    page.get_by_label("Subject").fill("Women's accommodation tender: a conversation")
    page.get_by_label("Message").fill("Could we talk next week about capacity from April?")
    page.get_by_role("button", name="Send message").click()

    expect(page.get_by_text(f"Message sent to {PROVIDER_ORGANISATION}")).to_be_visible()
    email = printed_email(dev_site, "Women's accommodation tender: a conversation")
    assert "hello@irwellwomen.example.org" in email


def test_the_moderator_signs_in_with_two_factor_and_decides_a_submission(
    page, demo_password, moderator_totp
):
    sign_in(page, "moderator@example.org", demo_password)
    expect(heading(page)).to_have_text("Enter your security code")
    page.get_by_label("Enter your security code").fill(moderator_totp.next_code())
    page.get_by_role("button", name="Continue").click()
    expect(heading(page)).to_have_text("Your account")

    page.get_by_role("link", name="Go to the moderation queue").click()
    for kind in ["New submissions", "Changes to published entries", "Claims", "Reports from"]:
        expect(page.get_by_role("link", name=re.compile(kind))).to_be_visible()
    page.get_by_role("link", name=NEW_SUBMISSION).click()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()

    expect(heading(page)).to_have_text("Moderation")
    expect(page.get_by_role("link", name=NEW_SUBMISSION)).to_have_count(0)
    page.goto("/organisations/salford-second-chances/")
    expect(heading(page)).to_have_text(NEW_SUBMISSION)


def test_the_provider_edits_its_profile_and_sends_it_for_review(page, demo_password):
    sign_in(page, "provider@example.org", demo_password)
    page.get_by_role("link", name=f"Edit profile of {PROVIDER_ORGANISATION}").click()
    expect(heading(page)).to_contain_text(PROVIDER_ORGANISATION)
    expect(page.get_by_text("Incomplete")).to_have_count(0)
    page.get_by_role("link", name="What you do", exact=True).click()
    page.get_by_label("Summary").fill(
        "A women-only centre in Manchester and Salford: key work, housing, health and family "
        "support for women on probation."
    )
    page.get_by_role("button", name="Save and continue").click()

    waiting = page.locator(".govuk-inset-text", has_text="Changes waiting for review")
    expect(waiting).to_contain_text("Summary")
    page.goto("/organisations/irwell-womens-centre/")
    expect(page.get_by_text("A women-only centre in Manchester and Salford")).to_have_count(0)
