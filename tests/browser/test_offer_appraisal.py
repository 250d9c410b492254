"""The offer appraisal tool in a browser: axe-core clean, and usable without JavaScript.

The axe checks load each page's HTML, rendered by Django's test client, into the browser with
the built stylesheet, so they need no live server.
"""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.browser.conftest import axe_violations, sign_in
from tests.factories import (
    OFFER_APPRAISAL_INPUTS,
    MembershipFactory,
    OfferAppraisalFactory,
    VerifiedEmailAddressFactory,
)

PASSWORD = "a-long-test-password"
STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "dist" / "css" / "main.css"


@pytest.fixture
def blank_page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def assert_axe_clean(page, client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    page.set_content(response.content.decode())
    page.add_style_tag(path=str(STYLESHEET))
    assert page.locator("h1").count() == 1, url
    assert axe_violations(page) == [], url


@pytest.fixture
def member(transactional_db):
    # Email verified, so allauth lets the member sign in.
    user = MembershipFactory(user__email="member@example.org").user
    VerifiedEmailAddressFactory(user=user, email=user.email)
    first = OfferAppraisalFactory(owner=user, name="First offer")
    second = OfferAppraisalFactory(owner=user, name="Second offer")
    return user, first, second


def test_tool_pages_have_no_axe_violations(blank_page, client, db):
    tool = reverse("consortia:offer_appraisal")
    errors = {**OFFER_APPRAISAL_INPUTS, "results_percent": "10", "contract_months": "0"}
    for url in [
        tool,
        f"{tool}?{urlencode(OFFER_APPRAISAL_INPUTS)}",
        f"{tool}?{urlencode(errors)}",
    ]:
        assert_axe_clean(blank_page, client, url)


def test_saved_pages_have_no_axe_violations(blank_page, client, member):
    user, first, second = member
    client.force_login(user)
    for url in [
        reverse("consortia:offer_appraisal") + "?" + urlencode(OFFER_APPRAISAL_INPUTS),
        reverse("consortia:offer_appraisal_list"),
        reverse("consortia:offer_appraisal_compare") + f"?appraisals={first.pk}",
        reverse("consortia:offer_appraisal_compare")
        + f"?appraisals={first.pk}&appraisals={second.pk}",
        reverse("consortia:offer_appraisal_detail", args=[first.pk]),
        reverse("consortia:offer_appraisal_rename", args=[first.pk]),
        reverse("consortia:offer_appraisal_delete", args=[first.pk]),
    ]:
        assert_axe_clean(blank_page, client, url)


def test_appraise_and_save_without_javascript(page_without_js, member):
    user, _, _ = member
    page = page_without_js
    sign_in(page, user.email, PASSWORD)
    page.goto(reverse("consortia:offer_appraisal"))
    for name, value in OFFER_APPRAISAL_INPUTS.items():
        if name != "results_paid_after_end":
            page.locator(f"#id_{name}").fill(value)
    page.get_by_role("button", name="Appraise the offer").click()
    assert page.get_by_role("heading", name="Results", exact=True).is_visible()
    assert page.get_by_role("img", name="Cumulative cash by month, by scenario").is_visible()
    page.get_by_label("Name this appraisal").fill("Keyboard offer")
    page.get_by_role("button", name="Save appraisal").click()
    assert page.locator("h1").inner_text() == "Keyboard offer"
