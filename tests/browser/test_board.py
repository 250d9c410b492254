"""Opportunities, consortia, the offer appraisal and the compare table in a browser: each step
at 1280 and 375 pixels wide, with JavaScript and without."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import _new_page
from tests.browser.pages import (
    ComparePage,
    InvitePage,
    OfferAppraisalPage,
    OpportunitiesPage,
    OpportunityFormPage,
    OpportunityPage,
    Person,
    SignInPage,
)
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

SCREENS = [
    pytest.param((1280, True), id="1280-js"),
    pytest.param((1280, False), id="1280-nojs"),
    pytest.param((375, True), id="375-js"),
    pytest.param((375, False), id="375-nojs"),
]


@pytest.fixture(params=SCREENS)
def screen(request, browser, live_server):
    """Someone at a window of the parametrised width, with or without JavaScript."""
    width, js = request.param
    pages = _new_page(
        browser,
        request,
        base_url=live_server.url,
        viewport={"width": width, "height": 900},
        java_script_enabled=js,
    )
    yield Person(next(pages), javascript=js)
    next(pages, None)


def signed_in_admin(person, organisation=None):
    membership = MembershipFactory(**({"organisation": organisation} if organisation else {}))
    VerifiedEmailAddressFactory(user=membership.user, email=membership.user.email)
    signing_in = SignInPage(person).open()
    signing_in.sign_in(membership.user.email)
    expect(signing_in.page).not_to_have_url(re.compile("/accounts/login/"))
    return membership


def test_posting_an_opportunity_with_the_gov_uk_date_input(screen, transactional_db):
    region, pathway = RegionFactory(name="North West"), PathwayFactory(name="Accommodation")
    role = PartnershipRoleFactory(name="Subcontractor")
    signed_in_admin(screen)
    year = timezone.localdate().year + 1

    form = OpportunityFormPage(screen).open()
    assert "---------" not in form.form.inner_text()
    form.fill_in(
        title="Accommodation partner wanted",
        description="A resettlement contract.",
        ticked=[region.name, pathway.name, role.name, "£50,000 to £250,000"],
    )
    form.close_on("15", "January")
    form.publish()

    expect(form.error_summary).to_contain_text("The closing date must include a year")
    expect(form.closing("Year")).to_have_class(re.compile("govuk-input--error"))
    expect(form.closing("Day")).to_have_value("15")
    form.closing("Year").fill(str(year))
    form.publish()

    opportunity = OpportunityPage(screen)
    expect(opportunity.heading).to_have_text("Accommodation partner wanted")
    expect(opportunity.main).to_contain_text(f"15 January {year}")
    assert opportunity.sideways_overflow() == {}


def test_the_empty_board_suggests_removing_filters_only_when_filtered(screen, transactional_db):
    board = OpportunitiesPage(screen).open()
    expect(board.main).to_contain_text("There are no open opportunities at the moment")
    expect(board.main).not_to_contain_text("Try removing some filters")

    board.filter_by_words("housing")
    expect(board.main).to_contain_text("Try removing some filters")
    assert board.sideways_overflow() == {}


def test_inviting_an_organisation_searches_the_server(screen, transactional_db):
    consortium = ConsortiumFactory()
    OrganisationFactory(name="Haven Housing Trust", town="Bristol")
    OrganisationFactory(name="Harbour Mentoring", town="Hull")
    signed_in_admin(screen, consortium.lead_organisation)
    invite = InvitePage(screen).open(consortium=consortium.uuid)

    if screen.javascript:
        invite.type_name("haven")
        screen.press(invite.suggestion("Haven Housing Trust (Bristol)"))
        expect(invite.organisation).to_have_value("Haven Housing Trust (Bristol)")
        expect(invite.server_search).to_be_hidden()
    else:
        invite.search_the_server("haven")
        expect(invite.main).to_contain_text("1 organisation matches “haven”")
        expect(invite.matches).to_have_count(1)
        invite.select_match("Haven Housing Trust (Bristol)")
    invite.propose_role("Accommodation subcontractor")
    assert invite.sideways_overflow() == {}
    invite.send()

    expect(invite.main).to_contain_text("Haven Housing Trust invited")
    assert consortium.memberships.filter(organisation__name="Haven Housing Trust").exists()


def test_the_appraisal_leads_with_its_verdict_in_whole_pounds(screen, transactional_db):
    appraisal = OfferAppraisalPage(screen).open_appraised(OFFER_APPRAISAL_INPUTS)

    verdict = appraisal.verdict
    expect(verdict).to_contain_text(re.compile(r"^\s*On these assumptions the contract would"))
    expect(verdict).to_contain_text("against your best evidence of 30%")
    expect(verdict).to_contain_text(re.compile(r"You would need up to £[\d,]+ of working capital"))
    assert not re.search(r"£[\d,]+\.\d\d", verdict.inner_text())
    assert appraisal.sideways_overflow() == {}


def test_the_compare_table_fits_at_1280_and_stacks_on_a_phone(screen, transactional_db):
    membership = signed_in_admin(screen)
    shortlist = ShortlistFactory(owner=membership.user)
    names = ["Anchor Trust", "Beacon Mentoring Partnership", "Cedar Women's Centre"]
    for name in names:
        ShortlistItemFactory(shortlist=shortlist, organisation=OrganisationFactory(name=name))
    comparison = ComparePage(screen).open(pk=shortlist.pk)

    if screen.page.viewport_size["width"] >= 1280:
        region = comparison.side_by_side(3)
        expect(region).to_be_visible()
        right_edge = region.evaluate("element => element.getBoundingClientRect().right")
        for name in names:
            header = comparison.column_header(name)
            assert header.evaluate("e => e.getBoundingClientRect().right") <= right_edge + 1
        assert region.evaluate("element => element.scrollWidth <= element.clientWidth")
    else:
        expect(comparison.table).to_be_hidden()
        for name in names:
            expect(comparison.stacked(name)).to_be_visible()
    assert comparison.sideways_overflow() == {}
