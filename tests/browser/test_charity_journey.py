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
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    UserFactory,
    VerifiedEmailAddressFactory,
)

PASSWORD = "a-long-test-password"
SCREENS = [
    pytest.param((width, js), id=f"{width}px-{'js' if js else 'no-js'}")
    for width in (1280, 375)
    for js in (True, False)
]


@pytest.fixture(params=SCREENS)
def screen(request, transactional_db):
    """(page, JavaScript on?) at the parametrised width."""
    width, js = request.param
    page = request.getfixturevalue("page" if js else "page_without_js")
    page.set_viewport_size({"width": width, "height": 900})
    return page, js


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


def registration(name: str, organisation: Organisation, **kwargs) -> str:
    return reverse(f"registration:{name}", kwargs={"org": organisation.uuid, **kwargs})


def assert_accessible_and_no_sideways_scroll(page, js: bool) -> None:
    # axe-core is a script: in a page with JavaScript off its evaluation never returns. The
    # same pages are checked with JavaScript on by the other half of the parameters.
    if js:
        assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_sign_up_asks_who_you_work_for_only_of_commissioners(screen):
    page, js = screen
    page.goto(reverse("account_signup"))
    body_name = page.get_by_label("Name of the organisation you work for")
    if js:
        expect(body_name).to_be_hidden()
        page.get_by_label("I commission or buy services").check()
        expect(body_name).to_be_visible()
        page.get_by_label("I work for an organisation that delivers services").check()
        expect(body_name).to_be_hidden()
    else:
        expect(body_name).to_be_visible()
    assert_accessible_and_no_sideways_scroll(page, js)


def test_account_page_starts_a_charity_registering(screen):
    page, js = screen
    user = UserFactory(email="new@example.org")
    VerifiedEmailAddressFactory(user=user, email=user.email)
    sign_in(page, user.email, PASSWORD)
    expect(page.locator("h1")).to_have_text("Your account")
    start = page.get_by_role("button", name="Register an organisation")
    expect(start).to_be_in_viewport()
    assert_accessible_and_no_sideways_scroll(page, js)
    start.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("registration:start")) + "$"))


def test_a_refuge_is_listed_as_a_confidential_address(screen, charity):
    page, js = screen
    sign_in(page, "provider@example.org", PASSWORD)
    service = charity.services.get()
    page.goto(registration("location_add", charity, service=service.uuid))
    expect(page.get_by_text("a refuge, women's housing or approved premises")).to_be_visible()
    address = page.get_by_label("Address (optional)")
    expect(address).to_be_visible()  # beneath "Publish the address", chosen at first
    page.get_by_label("Location name").fill("Hope House")
    page.get_by_label("Keep the address confidential").check()
    if js:
        expect(address).to_be_hidden()
    page.get_by_label("Postcode").fill("LS7 1AB")
    assert_accessible_and_no_sideways_scroll(page, js)
    page.get_by_role("button", name="Save location").click()

    expect(page.get_by_role("term").filter(has_text="Hope House")).to_be_visible()
    expect(page.get_by_text("only the town and LS7 are published")).to_be_visible()
    location = service.locations.get()
    assert (location.postcode, location.address, location.confidential) == ("LS7", "", True)


def test_justice_data_lab_figures_appear_for_that_kind_only(screen, charity):
    page, js = screen
    sign_in(page, "provider@example.org", PASSWORD)
    page.goto(registration("evidence_add", charity))
    cohort = page.get_by_label("Cohort size")
    if js:
        expect(cohort).to_be_hidden()
        page.get_by_label("Justice Data Lab report").check()
        expect(cohort).to_be_visible()
        page.get_by_label("Case study").check()
        expect(cohort).to_be_hidden()
    else:
        expect(cohort).to_be_visible()
    # Every level of the Nesta standards is explained beside it.
    for level in range(1, 6):
        expect(page.get_by_label(f"Level {level}")).to_have_attribute(
            "aria-describedby", f"id_nesta_level_{level}_hint"
        )
    expect(page.get_by_text("using a control or comparison group")).to_be_visible()
    assert_accessible_and_no_sideways_scroll(page, js)


def test_the_summary_counts_its_characters(screen, charity):
    page, js = screen
    sign_in(page, "provider@example.org", PASSWORD)
    page.goto(registration("step", charity, step="what-you-do"))
    summary = page.get_by_label("Summary")
    summary.fill("x" * 290)
    assert len(summary.input_value()) == 290  # nothing silently cut off
    if js:
        expect(page.get_by_text("You have 10 characters too many")).to_be_visible()
    else:
        expect(page.get_by_text("You can enter up to 280 characters")).to_be_visible()
    page.get_by_label("Description").fill("Refuge places and support")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Summary must be 280 characters or fewer"
    )
    assert len(page.get_by_label("Summary").input_value()) == 290
    assert_accessible_and_no_sideways_scroll(page, js)


def test_check_your_answers_warns_of_a_service_without_a_delivery_location(screen, charity):
    page, js = screen
    sign_in(page, "provider@example.org", PASSWORD)
    page.goto(registration("check", charity))
    warning = page.locator(".govuk-warning-text").filter(has_text="Refuge places")
    expect(warning).to_contain_text("has no delivery location")
    assert_accessible_and_no_sideways_scroll(page, js)
    warning.get_by_role("link", name="Add a delivery location").click()
    expect(page.locator("h1")).to_have_text("Add a delivery location")
