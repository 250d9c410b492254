"""Opportunities, consortia, the offer appraisal and the compare table in a browser: each step
at 1280 and 375 pixels wide, with JavaScript and without."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, sign_in
from tests.factories import (
    OFFER_APPRAISAL_INPUTS,
    ConsortiumFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    RegionFactory,
    ShortlistFactory,
    ShortlistItemFactory,
    VerifiedEmailAddressFactory,
)

PASSWORD = "a-long-test-password"
SCREENS = [
    pytest.param((1280, True), id="1280-js"),
    pytest.param((1280, False), id="1280-nojs"),
    pytest.param((375, True), id="375-js"),
    pytest.param((375, False), id="375-nojs"),
]


@pytest.fixture(params=SCREENS)
def screen(request, browser, live_server):
    """A page at the parametrised width, with or without JavaScript; `screen.js` says which."""
    width, js = request.param
    pages = _new_page(
        browser,
        request,
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        java_script_enabled=js,
    )
    page = next(pages)
    page.js = js
    yield page
    next(pages, None)


def signed_in_admin(page, organisation=None):
    membership = MembershipFactory(**({"organisation": organisation} if organisation else {}))
    VerifiedEmailAddressFactory(user=membership.user, email=membership.user.email)
    sign_in(page, membership.user.email, PASSWORD)
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    return membership


def assert_no_sideways_scroll(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def test_posting_an_opportunity_with_the_gov_uk_date_input(screen, transactional_db):
    page = screen
    region, pathway = RegionFactory(name="North West"), PathwayFactory(name="Accommodation")
    role = PartnershipRoleFactory(name="Subcontractor")
    signed_in_admin(page)
    year = timezone.localdate().year + 1

    page.goto(reverse("opportunities:create"))
    assert "---------" not in page.locator("form").inner_text()
    page.get_by_label("Title").fill("Accommodation partner wanted")
    page.get_by_label("Describe the opportunity").fill("A resettlement contract.")
    page.get_by_label(region.name).check()
    page.get_by_label(pathway.name).check()
    page.get_by_label(role.name).check()
    page.get_by_label("£50,000 to £250,000").check()
    closing = page.get_by_role("group", name="Closing date for responses")
    closing.get_by_label("Day").fill("15")
    closing.get_by_label("Month").fill("January")
    page.get_by_role("button", name="Publish opportunity").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The closing date must include a year")
    expect(closing.get_by_label("Year")).to_have_class(re.compile("govuk-input--error"))
    expect(closing.get_by_label("Day")).to_have_value("15")
    closing.get_by_label("Year").fill(str(year))
    page.get_by_role("button", name="Publish opportunity").click()

    expect(page.locator("h1")).to_have_text("Accommodation partner wanted")
    expect(page.locator("main")).to_contain_text(f"15 January {year}")
    assert_no_sideways_scroll(page)


def test_the_empty_board_suggests_removing_filters_only_when_filtered(screen, transactional_db):
    page = screen
    page.goto(reverse("opportunities:list"))
    expect(page.locator("main")).to_contain_text("There are no open opportunities at the moment")
    expect(page.locator("main")).not_to_contain_text("Try removing some filters")

    page.get_by_label("Search").fill("housing")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("main")).to_contain_text("Try removing some filters")
    assert_no_sideways_scroll(page)


def test_inviting_an_organisation_searches_the_server(screen, transactional_db):
    page = screen
    consortium = ConsortiumFactory()
    OrganisationFactory(name="Haven Housing Trust", town="Bristol")
    OrganisationFactory(name="Harbour Mentoring", town="Hull")
    signed_in_admin(page, consortium.lead_organisation)
    page.goto(reverse("partnerships:consortium_invite", kwargs={"consortium": consortium.uuid}))

    if page.js:
        organisation = page.get_by_label("Organisation to invite")
        organisation.fill("haven")
        page.get_by_role("option", name="Haven Housing Trust (Bristol)").click()
        expect(organisation).to_have_value("Haven Housing Trust (Bristol)")
        expect(page.get_by_label("Search for the organisation")).to_be_hidden()
    else:
        page.get_by_label("Search for the organisation").fill("haven")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("main")).to_contain_text("1 organisation matches “haven”")
        expect(page.get_by_role("radio")).to_have_count(1)
        page.get_by_label("Haven Housing Trust (Bristol)").check()
    page.get_by_label("Proposed role").fill("Accommodation subcontractor")
    assert_no_sideways_scroll(page)
    page.get_by_role("button", name="Send invitation").click()

    expect(page.locator("main")).to_contain_text("Haven Housing Trust invited")
    assert consortium.memberships.filter(organisation__name="Haven Housing Trust").exists()


def test_the_appraisal_leads_with_its_verdict_in_whole_pounds(screen, transactional_db):
    page = screen
    page.goto(reverse("consortia:offer_appraisal") + "?" + "&".join(
        f"{name}={value}" for name, value in OFFER_APPRAISAL_INPUTS.items()
    ))  # fmt: skip

    verdict = page.locator(".govuk-inset-text")
    expect(verdict).to_contain_text(re.compile(r"^\s*On these assumptions the contract would"))
    expect(verdict).to_contain_text("against your best evidence of 30%")
    expect(verdict).to_contain_text(re.compile(r"You would need up to £[\d,]+ of working capital"))
    assert not re.search(r"£[\d,]+\.\d\d", verdict.inner_text())
    assert_no_sideways_scroll(page)


def test_the_compare_table_fits_at_1280_and_stacks_on_a_phone(screen, transactional_db):
    page = screen
    membership = signed_in_admin(page)
    shortlist = ShortlistFactory(owner=membership.user)
    names = ["Anchor Trust", "Beacon Mentoring Partnership", "Cedar Women's Centre"]
    for name in names:
        ShortlistItemFactory(shortlist=shortlist, organisation=OrganisationFactory(name=name))
    page.goto(reverse("shortlists:compare", kwargs={"pk": shortlist.pk}))

    if page.viewport_size["width"] >= 1280:
        region = page.get_by_role("region", name="3 organisations side by side")
        expect(region).to_be_visible()
        right_edge = region.evaluate("element => element.getBoundingClientRect().right")
        for name in names:
            header = region.get_by_role("columnheader", name=name)
            assert header.evaluate("e => e.getBoundingClientRect().right") <= right_edge + 1
        assert region.evaluate("element => element.scrollWidth <= element.clientWidth")
    else:
        expect(page.locator(".app-compare")).to_be_hidden()
        for name in names:
            expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()
    assert_no_sideways_scroll(page)
