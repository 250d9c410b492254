"""Registering an organisation in a browser: the whole journey without JavaScript (axe-core
checks of the flow's pages, and their error states, are in test_accessibility.py)."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from directory.organisations.models import Organisation
from tests.browser.conftest import sign_in
from tests.factories import (
    UserFactory,
    VerifiedEmailAddressFactory,
    pdf_document,
)

PASSWORD = "a-long-test-password"
PDF_BYTES = pdf_document()


@pytest.fixture
def provider(transactional_db):
    call_command("load_taxonomies", verbosity=0)
    user = UserFactory(email="provider@example.org")
    VerifiedEmailAddressFactory(user=user, email=user.email)
    return user


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue").click()


def test_register_an_organisation_without_javascript(page_without_js, provider):
    page = page_without_js
    sign_in(page, provider.email, PASSWORD)
    page.goto(reverse("registration:start"))
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("Organisation name").fill("Anchor Women's Project")
    page.get_by_label("Charity number (England and Wales)").fill("1190001")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Anchor Women's Project")

    page.get_by_role("link", name="About the organisation").click()
    page.get_by_label("Community interest company (CIC)").check()
    page.get_by_label("Year founded").fill("2012")
    save_and_continue(page)
    page.get_by_label("Company number").fill("09876543")
    save_and_continue(page)
    page.get_by_label("Public contact email address").fill("hello@anchor.example.org")
    page.get_by_label("Address line 1").fill("1 Quay Street")
    page.get_by_label("Town or city").fill("Manchester")
    page.get_by_label("Postcode").fill("not a postcode")
    save_and_continue(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.get_by_label("Address line 1").input_value() == "1 Quay Street"
    page.get_by_label("Postcode").fill("M1 1AE")
    save_and_continue(page)

    page.get_by_role("link", name="What you do").click()
    page.get_by_label("Summary").fill("Housing and support for women leaving prison")
    page.get_by_label("Description").fill("We find homes and stay alongside women for a year.")
    save_and_continue(page)

    page.get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Add a service").click()
    page.get_by_label("Service name").fill("Women's housing support")
    page.get_by_label("What the service does").fill("Finding and keeping a home")
    page.get_by_label("Accommodation").check()
    page.get_by_label("North West").check()
    page.get_by_role("group", name="Is the service accepting referrals?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save service").click()
    page.get_by_role("link", name="Add a delivery location for Women's housing support").click()
    page.get_by_label("Location name").fill("The Anchor Hub")
    page.get_by_label("Postcode").fill("M1 1AE")
    page.get_by_role("button", name="Save location").click()
    expect(page.get_by_role("term").filter(has_text="The Anchor Hub")).to_be_visible()
    save_and_continue(page)

    page.get_by_role("link", name="Size and capacity").click()
    page.get_by_label("£10,000 to £100,000").check()
    page.get_by_label("Number of paid staff").fill("4")
    page.get_by_label("Number of volunteers").fill("20")
    page.get_by_label("People supported a year").fill("120")
    page.get_by_role("group", name="lived experience").get_by_label("Yes").check()
    save_and_continue(page)

    page.get_by_role("link", name="Evidence of impact").click()
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("Outcome monitoring").check()
    page.get_by_label("Title").fill("Outcomes 2024")
    page.get_by_label("Year", exact=True).fill("2024")
    page.get_by_label("Summary of the findings").fill("Nine in ten kept their home")
    page.get_by_label("Level 2").check()
    page.get_by_label("Upload a report (optional)").set_input_files(
        {"name": "outcomes.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_role("link", name="View the report (PDF)")).to_be_visible()
    save_and_continue(page)

    page.get_by_role("link", name="Partnership interest", exact=True).click()
    page.get_by_role("group", name="partnerships or consortia").get_by_label("Yes").check()
    page.get_by_label("Subcontractor").check()
    save_and_continue(page)

    page.get_by_role("link", name="Check your answers and submit for review").click()
    expect(page.get_by_text("hello@anchor.example.org")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1")).to_have_text("Profile submitted for review")
    organisation = Organisation.objects.get(name="Anchor Women's Project")
    assert organisation.status == Organisation.Status.SUBMITTED
    assert organisation.services.get().locations.get().latitude is not None
