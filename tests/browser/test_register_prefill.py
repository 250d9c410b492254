"""Register-assisted registration in a browser: a charity's number finds its register entry
(loaded with import_register), whose details are filled in to confirm; axe-core checks the page."""

from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from directory.organisations.models import Organisation
from tests.browser.conftest import axe_violations, sign_in
from tests.browser.test_registration_journey import PASSWORD, provider  # noqa: F401
from tests.moderation.test_import_register import CCEW_TXT


def test_a_charity_number_fills_in_what_the_register_says(page, provider):  # noqa: F811
    call_command("import_register", "ccew", str(CCEW_TXT), verbosity=0)
    sign_in(page, provider.email, PASSWORD)
    page.goto(reverse("registration:new"))
    page.get_by_label("Organisation name").fill("Bridge Mentoring")
    page.get_by_label("Charity number (England and Wales)").fill("1123456")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Check the details from the register")
    assert page.get_by_label("Organisation name").input_value() == "THE BRIDGE MENTORING TRUST"
    assert page.get_by_label("Address line 1").input_value() == "12 Canal Street"
    assert page.get_by_label("Town or city").input_value() == "Manchester"
    assert page.get_by_label("Postcode").input_value() == "M1 3HE"
    legal_form = page.get_by_label("Legal form")
    assert legal_form.locator("option:checked").inner_text().startswith("Charitable incorporated")
    income = page.get_by_label("Annual income")
    expect(income.locator("option:checked")).to_have_text("£10,000 to £100,000")
    assert axe_violations(page) == []

    page.get_by_label("Organisation name").fill("The Bridge Mentoring Trust")
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.locator("h1")).to_have_text("The Bridge Mentoring Trust")
    organisation = Organisation.objects.get(charity_number_ew="1123456")
    assert (organisation.postcode, organisation.town) == ("M1 3HE", "Manchester")
    assert organisation.legal_form.slug == "cio"
    assert organisation.income_band.slug == "10k-100k"
