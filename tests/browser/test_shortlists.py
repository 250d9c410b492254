"""Shortlists, saved searches and messages in a real browser: axe-core on every page, the
"Add to shortlist" journey with and without JavaScript."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from directory.models import ShortlistShare
from directory.search_index import refresh_search_documents
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import (
    CommissionerProfileFactory,
    JusticeDataLabEvidenceFactory,
    MembershipFactory,
    OrganisationFactory,
    SavedSearchFactory,
    ServiceFactory,
    ShortlistFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    UserFactory,
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
    JusticeDataLabEvidenceFactory(organisation=harbour)
    gate = OrganisationFactory(name="Gate Mentors", slug="gate-mentors")
    ServiceFactory(organisation=gate, name="Through the gate mentoring")
    MembershipFactory(organisation=gate, user=user, role=Membership.Role.ADMIN)
    refresh_search_documents()
    shortlist = ShortlistFactory(owner=user, name="North West accommodation")
    item = ShortlistItemFactory(shortlist=shortlist, organisation=harbour, note="Call in May")
    ShortlistItemFactory(shortlist=shortlist, organisation=gate)
    ShortlistFactory(owner=user, name="Second list")
    ShortlistShareFactory(
        shortlist=shortlist,
        user=UserFactory(full_name="Kim Colleague"),
        role=ShortlistShare.Role.EDITOR,
    )
    saved = SavedSearchFactory(owner=user, name="Wales", query_string="region=wales")
    return {"user": user, "shortlist": shortlist, "item": item, "saved": saved}


def _pages(setting):
    pk = setting["shortlist"].pk
    return [
        reverse("shortlists:list"),
        reverse("shortlists:create"),
        reverse("shortlists:detail", kwargs={"pk": pk}),
        reverse("shortlists:edit", kwargs={"pk": pk}),
        reverse("shortlists:delete", kwargs={"pk": pk}),
        reverse("shortlists:compare", kwargs={"pk": pk}),
        reverse("shortlists:print", kwargs={"pk": pk}),
        reverse("shortlists:item_note", kwargs={"pk": pk, "item": setting["item"].pk}),
        reverse("shortlists:contact", kwargs={"pk": pk}),
        reverse("shortlists:add") + "?organisation=harbour",
        reverse("saved_searches:list"),
        reverse("saved_searches:create") + "?region=wales",
        reverse("saved_searches:edit", kwargs={"pk": setting["saved"].pk}),
        reverse("saved_searches:delete", kwargs={"pk": setting["saved"].pk}),
        reverse("contact_organisation", kwargs={"slug": "harbour"}),
        reverse("contact_preferences", kwargs={"slug": "gate-mentors"}),
        reverse("directory:organisation_list"),
        reverse("directory:organisation_detail", kwargs={"slug": "harbour"}),
    ]


def test_shortlist_pages_have_no_axe_violations(page, setting):
    sign_in(page, setting["user"].email, PASSWORD)
    failures = {}
    for url in _pages(setting):
        page.goto(url)
        if page.locator("h1").count() != 1:
            failures[url] = "not exactly one h1"
        elif violations := axe_violations(page):
            failures[url] = violations
    assert failures == {}


def test_errors_are_accessible(page, setting):
    sign_in(page, setting["user"].email, PASSWORD)
    page.goto(reverse("shortlists:detail", kwargs={"pk": setting["shortlist"].pk}))
    page.get_by_label("Email address of a colleague").fill("nobody@example.org")
    page.get_by_role("button", name="Share", exact=True).click()
    assert page.get_by_text("There is no account with that email address").count() == 2
    assert axe_violations(page) == []


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
