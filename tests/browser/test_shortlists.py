"""The "Add to shortlist" journey in a real browser, with and without JavaScript (axe-core
checks of the shortlist pages are in test_accessibility.py)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.search.search_index import refresh_search_documents
from tests.browser.conftest import sign_in
from tests.factories import (
    CommissionerProfileFactory,
    OrganisationFactory,
    ServiceFactory,
    ShortlistFactory,
    verified_user,
)

PASSWORD = "a-long-test-password"


@pytest.fixture
def setting(transactional_db):
    user = verified_user(email="sam@probation.example.gov.uk", full_name="Sam Commissioner")
    CommissionerProfileFactory(
        user=user, verification_status="verified", verified_at=timezone.now()
    )
    harbour = OrganisationFactory(name="Harbour Women's Centre", slug="harbour")
    ServiceFactory(organisation=harbour, name="Women's housing support")
    refresh_search_documents()
    ShortlistFactory(owner=user, name="North West accommodation")
    ShortlistFactory(owner=user, name="Second list")
    return {"user": user}


def test_add_to_shortlist_without_javascript(page_without_js, setting):
    page = page_without_js
    sign_in(page, setting["user"].email, PASSWORD)
    page.goto(reverse("directory:organisation_list"))
    page.get_by_label("“Add to shortlist” adds to").select_option(label="Second list")
    page.get_by_role("button", name=re.compile("Add to shortlist.*Harbour")).click()
    assert "Harbour Women's Centre added to “Second list”" in page.content()
    assert page.url.endswith(reverse("directory:organisation_list"))


def test_add_to_shortlist_with_javascript_stays_on_the_page(page, setting):
    sign_in(page, setting["user"].email, PASSWORD)
    page.goto(reverse("directory:organisation_list") + "?q=harbour")
    page.get_by_label("“Add to shortlist” adds to").select_option(label="Second list")
    page.get_by_role("button", name=re.compile("Add to shortlist.*Harbour")).click()
    page.get_by_role("status").filter(has_text="added to").wait_for()
    assert page.url.endswith("?q=harbour")
    assert setting["user"].shortlists.get(name="Second list").items.count() == 1
