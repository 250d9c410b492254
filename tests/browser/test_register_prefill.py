"""Register-assisted registration in a browser: a charity's number finds its register entry
(loaded with import_register), whose details are filled in to confirm; axe-core checks the page."""

from django.core.management import call_command
from playwright.sync_api import expect

from directory.organisations.models import Organisation
from tests.browser.conftest import axe_violations
from tests.browser.pages import NewOrganisationPage, SignInPage, TaskListPage
from tests.browser.test_registration_journey import provider  # noqa: F401
from tests.moderation.test_import_register import CCEW_TXT


def test_a_charity_number_fills_in_what_the_register_says(page, provider):  # noqa: F811
    call_command("import_register", "ccew", str(CCEW_TXT), verbosity=0)
    SignInPage(page).open().sign_in(provider.email)
    naming = NewOrganisationPage(page).open()
    naming.name_it("Bridge Mentoring", charity_number="1123456")

    expect(naming.heading).to_have_text("Check the details from the register")
    assert naming.name.input_value() == "THE BRIDGE MENTORING TRUST"
    assert naming.field("Address line 1").input_value() == "12 Canal Street"
    assert naming.field("Town or city").input_value() == "Manchester"
    assert naming.field("Postcode").input_value() == "M1 3HE"
    legal_form = naming.chosen_option("Legal form")
    assert legal_form.inner_text().startswith("Charitable incorporated")
    expect(naming.chosen_option("Annual income")).to_have_text("£10,000 to £100,000")
    assert axe_violations(page) == []

    naming.confirm_register_details("The Bridge Mentoring Trust")

    expect(TaskListPage(page).heading).to_have_text("The Bridge Mentoring Trust")
    organisation = Organisation.objects.get(charity_number_ew="1123456")
    assert (organisation.postcode, organisation.town) == ("M1 3HE", "Manchester")
    assert organisation.legal_form.slug == "cio"
    assert organisation.income_band.slug == "10k-100k"
