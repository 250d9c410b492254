"""Registering an organisation in a browser: the whole journey without JavaScript (axe-core
checks of the flow's pages, and their error states, are in test_accessibility.py)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from directory.organisations.models import Organisation
from tests.browser.pages import (
    CheckAnswersPage,
    EvidencePage,
    LocationPage,
    NewOrganisationPage,
    SectionPage,
    ServicesPage,
    SignInPage,
    StartPage,
    TaskListPage,
)
from tests.factories import (
    UserFactory,
    VerifiedEmailAddressFactory,
    pdf_document,
)

PDF_BYTES = pdf_document()


@pytest.fixture
def provider(transactional_db):
    call_command("load_taxonomies", verbosity=0)
    user = UserFactory(email="provider@example.org")
    VerifiedEmailAddressFactory(user=user, email=user.email)
    return user


def test_register_an_organisation_without_javascript(page_without_js, provider):
    page = page_without_js
    SignInPage(page).open().sign_in(provider.email)
    StartPage(page).open().start_now()
    NewOrganisationPage(page).name_it("Anchor Women's Project", charity_number="1190001")
    tasks = TaskListPage(page)
    expect(tasks.heading).to_have_text("Anchor Women's Project")

    tasks.open_section("About the organisation")
    section = SectionPage(page)
    section.legal_form("Community interest company (CIC)", year_founded="2012")
    section.company_number("09876543")
    section.save_and_continue()
    section.contact(
        email="hello@anchor.example.org",
        address="1 Quay Street",
        town="Manchester",
        postcode="not a postcode",
    )
    expect(section.error_summary).to_be_visible()
    assert section.address_line_1.input_value() == "1 Quay Street"
    section.postcode.fill("M1 1AE")
    section.save_and_continue()

    tasks.open_section("What you do")
    section.what_you_do(
        "Housing and support for women leaving prison",
        "We find homes and stay alongside women for a year.",
    )

    tasks.open_section("Services")
    services = ServicesPage(page)
    services.add_service(
        name="Women's housing support",
        description="Finding and keeping a home",
        pathway="Accommodation",
        region="North West",
        accepting=True,
    )
    services.add_location("Women's housing support")
    location = LocationPage(page)
    location.fill_in("The Anchor Hub", postcode="M1 1AE")
    location.save()
    expect(services.location("The Anchor Hub")).to_be_visible()
    services.save_and_continue()

    tasks.open_section("Size and capacity")
    section.size(income="£10,000 to £100,000", staff="4", volunteers="20", people="120")

    tasks.open_section("Evidence of impact")
    evidence = EvidencePage(page)
    evidence.add_evidence()
    evidence.describe(
        kind="Outcome monitoring",
        title="Outcomes 2024",
        year="2024",
        findings="Nine in ten kept their home",
        level=2,
    )
    evidence.upload_report("outcomes.pdf", PDF_BYTES)
    evidence.save()
    expect(evidence.report_link).to_be_visible()
    evidence.save_and_continue()

    tasks.open_section("Partnership interest")
    section.partnership("Subcontractor")

    tasks.check_answers()
    check = CheckAnswersPage(page)
    expect(check.text("hello@anchor.example.org")).to_be_visible()
    check.submit_for_review()
    expect(check.heading).to_have_text("Profile submitted for review")
    organisation = Organisation.objects.get(name="Anchor Women's Project")
    assert organisation.status == Organisation.Status.SUBMITTED
    assert organisation.services.get().locations.get().latitude is not None
