"""Every page of the site as `make run` serves it answers without a server error, with styles,
signed out and as each demo account (whose sign-in must work as `make run` prints it)."""

import re

import pytest
import requests

from tests.frontdoor.crawl import Crawler, patterns_without_arguments, sign_in
from tests.frontdoor.site import MAKE_RUN_COMMANDS, ROOT

# Pages of each demo account's job that the crawl must reach and find working (200): the
# demo data gives each account something to do at once.
ACCOUNT_PAGES = {
    "provider@example.org": [
        r"/register/[\w-]+/section/what-you-do/",
        r"/register/[\w-]+/evidence/[\w-]+/document/",  # the evidence PDF
        r"/consortia/[\w-]+/invite/",  # it leads the demo consortium
    ],
    "commissioner@example.org": [
        r"/organisations/[\w-]+/contact/",
        r"/shortlists/\d+/",
        r"/saved-searches/\d+/edit/",
        r"/opportunities/[\w-]+/responses/\d+/",
    ],
    "moderator@example.org": [
        r"/moderation/",
        r"/moderation/organisations/[\w-]+/",
        r"/moderation/claims/\d+/",
        r"/moderation/reports/\d+/",
    ],
}


def crawl(dev_site, session, visitor: str):
    result = Crawler(dev_site.url, session, visitor).crawl(["/", *patterns_without_arguments()])
    assert not result.problems, (
        result.report() + "\n\nServer log:\n" + dev_site.server_log()[-5000:]
    )
    return result


def test_signed_out_every_page_answers_with_styles(dev_site):
    result = crawl(dev_site, requests.Session(), "a visitor who is signed out")

    assert result.pages["/"] == 200
    assert result.pages["/organisations/"] == 200
    # The crawl went beyond the pages listed: it followed links to profiles.
    assert any(re.fullmatch(r"/organisations/[\w-]+/", path) for path in result.pages)


@pytest.mark.parametrize("email", ACCOUNT_PAGES)
def test_each_demo_account_signs_in_and_every_page_answers_with_styles(
    dev_site, demo_password, request, email
):
    totp = request.getfixturevalue("moderator_totp") if email.startswith("moderator") else None
    session = sign_in(dev_site.url, email, demo_password, totp=totp)

    result = crawl(dev_site, session, email)

    working = [path for path, status in result.pages.items() if status == 200]
    for pattern in ["/account/", *ACCOUNT_PAGES[email]]:
        assert any(re.fullmatch(pattern, path) for path in working), f"no working {pattern}"


def test_the_crawl_runs_make_run_s_commands():
    """The site under test is set up by the same commands as `make run` (Makefile)."""
    makefile = (ROOT / "Makefile").read_text()
    recipes = {
        target: re.findall(r"\$\(MANAGE\) (\w+)([^\n]*)", body)
        for target, body in re.findall(
            r"^(run|setup|demo):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M
        )
    }
    in_order = [
        [name, *args.split("||")[0].split()]
        for target in ("setup", "demo", "run")
        for name, args in recipes[target]
        if name != "runserver"
    ]
    assert in_order == MAKE_RUN_COMMANDS


def test_make_run_prints_the_logins_the_two_factor_secret_and_where_emails_go(dev_site):
    printed = dev_site.setup_output

    for email in ACCOUNT_PAGES:
        assert email in printed
    assert len(re.findall(r"^\s+first: \w", printed, re.M)) == len(ACCOUNT_PAGES)
    assert re.search(r"otpauth://totp/moderator%40example\.org\?secret=[A-Z2-7]+", printed)
    assert "Emails (sign-up confirmations" in printed and "printed in this terminal" in printed
    assert "working set (queue, partnerships...): " in printed and "not loaded" not in printed
    # Libraries' start-up chatter (pikepdf logs its logging bridge at INFO) stays out of it.
    assert "logger bridge" not in printed
