"""The offer appraisal tool in a browser, without JavaScript (axe-core checks of its pages are
in test_accessibility.py)."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import OfferAppraisalPage, Person, SignInPage
from tests.factories import (
    OFFER_APPRAISAL_INPUTS,
    MembershipFactory,
    VerifiedEmailAddressFactory,
)


@pytest.fixture
def member(transactional_db):
    # Email verified, so allauth lets the member sign in.
    user = MembershipFactory(user__email="member@example.org").user
    VerifiedEmailAddressFactory(user=user, email=user.email)
    return user


def test_appraise_and_save_without_javascript(page_without_js, member):
    person = Person(page_without_js, javascript=False)
    SignInPage(person).open().sign_in(member.email)
    appraisal = OfferAppraisalPage(person).open()
    appraisal.fill_in_by_name(
        {
            name: value
            for name, value in OFFER_APPRAISAL_INPUTS.items()
            if name != "results_paid_after_end"
        }
    )
    appraisal.appraise()
    expect(appraisal.results_heading).to_be_visible()
    expect(appraisal.cash_chart).to_be_visible()
    appraisal.save("Keyboard offer")
    expect(appraisal.heading).to_have_text("Keyboard offer")
