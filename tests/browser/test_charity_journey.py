"""A charity registering, as issue 20 found it: each step changed for it, on a desktop (1280
pixels) and a phone (375), with JavaScript and without. Reveals hide their questions only with
JavaScript; without it every question shows beneath its answer."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Membership
from directory.organisations.models import Organisation, Region
from tests.browser.conftest import axe_violations
from tests.browser.pages import (
    AccountPage,
    CheckAnswersPage,
    EvidencePage,
    LocationPage,
    Person,
    SectionPage,
    ServicesPage,
    SignInPage,
    SignUpPage,
    SitePage,
)
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
    VerifiedEmailAddressFactory,
)

SCREENS = [
    pytest.param((width, js), id=f"{width}px-{'js' if js else 'no-js'}")
    for width in (1280, 375)
    for js in (True, False)
]


@pytest.fixture(params=SCREENS)
def screen(request, transactional_db):
    """Someone at a window of the parametrised width, with or without JavaScript."""
    width, js = request.param
    page = request.getfixturevalue("page" if js else "page_without_js")
    page.set_viewport_size({"width": width, "height": 900})
    return Person(page, javascript=js)


@pytest.fixture
def charity(transactional_db):
    """A charity's admin with a draft organisation: one service without a delivery location."""
    call_command("load_taxonomies", verbosity=0)
    user = UserFactory(email="provider@example.org")
    VerifiedEmailAddressFactory(user=user, email=user.email)
    organisation = OrganisationFactory(
        name="Safe Haven Women's Trust", status=Organisation.Status.DRAFT, published_at=None
    )
    MembershipFactory(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    ServiceFactory(
        organisation=organisation,
        name="Refuge places",
        regions=[Region.objects.get(slug="yorkshire-and-the-humber")],
    )
    return organisation


def assert_accessible_and_no_sideways_scroll(page: SitePage, js: bool) -> None:
    # axe-core is a script: in a page with JavaScript off its evaluation never returns. The
    # same pages are checked with JavaScript on by the other half of the parameters.
    if js:
        assert axe_violations(page.page) == []
    assert page.sideways_overflow() == {}


def test_sign_up_asks_who_you_work_for_only_of_commissioners(screen):
    js = screen.javascript
    sign_up = SignUpPage(screen).open()
    if js:
        expect(sign_up.employer).to_be_hidden()
        sign_up.choose_commissioner()
        expect(sign_up.employer).to_be_visible()
        sign_up.choose_provider()
        expect(sign_up.employer).to_be_hidden()
    else:
        expect(sign_up.employer).to_be_visible()
    assert_accessible_and_no_sideways_scroll(sign_up, js)


def test_account_page_starts_a_charity_registering(screen):
    js = screen.javascript
    user = UserFactory(email="new@example.org")
    VerifiedEmailAddressFactory(user=user, email=user.email)
    SignInPage(screen).open().sign_in(user.email)
    account = AccountPage(screen)
    expect(account.heading).to_have_text("Your account")
    expect(account.register_button).to_be_in_viewport()
    assert_accessible_and_no_sideways_scroll(account, js)
    account.register_an_organisation()
    expect(screen.page).to_have_url(re.compile(re.escape(reverse("registration:start")) + "$"))


def test_a_refuge_is_listed_as_a_confidential_address(screen, charity):
    js = screen.javascript
    SignInPage(screen).open().sign_in("provider@example.org")
    service = charity.services.get()
    location = LocationPage(screen).open(org=charity.uuid, service=service.uuid)
    expect(location.confidential_hint).to_be_visible()
    expect(location.address).to_be_visible()  # beneath "Publish the address", chosen at first
    location.fill_in("Hope House", postcode="LS7 1AB")
    location.keep_confidential()
    if js:
        expect(location.address).to_be_hidden()
    assert_accessible_and_no_sideways_scroll(location, js)
    location.save()

    services = ServicesPage(screen)
    expect(services.location("Hope House")).to_be_visible()
    expect(services.text("only the town and LS7 are published")).to_be_visible()
    saved = service.locations.get()
    assert (saved.postcode, saved.address, saved.confidential) == ("LS7", "", True)


def test_justice_data_lab_figures_appear_for_that_kind_only(screen, charity):
    js = screen.javascript
    SignInPage(screen).open().sign_in("provider@example.org")
    evidence = EvidencePage(screen).open(org=charity.uuid)
    if js:
        expect(evidence.cohort_size).to_be_hidden()
        evidence.choose_kind("Justice Data Lab report")
        expect(evidence.cohort_size).to_be_visible()
        evidence.choose_kind("Case study")
        expect(evidence.cohort_size).to_be_hidden()
    else:
        expect(evidence.cohort_size).to_be_visible()
    # Every level of the Nesta standards is explained beside it.
    for level in range(1, 6):
        expect(evidence.nesta_level(level)).to_have_attribute(
            "aria-describedby", f"id_nesta_level_{level}_hint"
        )
    expect(evidence.text("using a control or comparison group")).to_be_visible()
    assert_accessible_and_no_sideways_scroll(evidence, js)


def test_the_summary_counts_its_characters(screen, charity):
    js = screen.javascript
    SignInPage(screen).open().sign_in("provider@example.org")
    section = SectionPage(screen).open(org=charity.uuid, step="what-you-do")
    section.summary.fill("x" * 290)
    assert len(section.summary.input_value()) == 290  # nothing silently cut off
    if js:
        expect(section.text("You have 10 characters too many")).to_be_visible()
    else:
        expect(section.text("You can enter up to 280 characters")).to_be_visible()
    section.description.fill("Refuge places and support")
    section.save_and_continue()
    expect(section.error_summary).to_contain_text("Summary must be 280 characters or fewer")
    assert len(section.summary.input_value()) == 290
    assert_accessible_and_no_sideways_scroll(section, js)


def test_check_your_answers_warns_of_a_service_without_a_delivery_location(screen, charity):
    js = screen.javascript
    SignInPage(screen).open().sign_in("provider@example.org")
    check = CheckAnswersPage(screen).open(org=charity.uuid)
    warning = check.warning("Refuge places")
    expect(warning).to_contain_text("has no delivery location")
    assert_accessible_and_no_sideways_scroll(check, js)
    check.add_missing_location("Refuge places")
    expect(check.heading).to_have_text("Add a delivery location")
