"""The offer appraisal tool in a browser, without JavaScript (axe-core checks of its pages are
in test_accessibility.py)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import (
    OFFER_APPRAISAL_INPUTS,
    MembershipFactory,
    VerifiedEmailAddressFactory,
)

PASSWORD = "a-long-test-password"


@pytest.fixture
def member(transactional_db):
    # Email verified, so allauth lets the member sign in.
    user = MembershipFactory(user__email="member@example.org").user
    VerifiedEmailAddressFactory(user=user, email=user.email)
    return user


def test_appraise_and_save_without_javascript(page_without_js, member):
    page = page_without_js
    sign_in(page, member.email, PASSWORD)
    page.goto(reverse("consortia:offer_appraisal"))
    for name, value in OFFER_APPRAISAL_INPUTS.items():
        if name != "results_paid_after_end":
            page.locator(f"#id_{name}").fill(value)
    page.get_by_role("button", name="Appraise the offer").click()
    expect(page.get_by_role("heading", name="Results", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Cumulative cash by month, by scenario")).to_be_visible()
    page.get_by_label("Name this appraisal").fill("Keyboard offer")
    page.get_by_role("button", name="Save appraisal").click()
    expect(page.locator("h1")).to_have_text("Keyboard offer")
