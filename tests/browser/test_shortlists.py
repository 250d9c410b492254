"""A commissioner choosing, in a real browser at 1280 and 375 pixels wide, with and without
JavaScript: shortlisting in place (and its undo), a first shortlist named after the search,
recording the search, sorting by distance from a postcode, the filters on small screens and
sharing a shortlist (axe-core checks of the shortlist pages are in test_accessibility.py)."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from directory.organisations.models import ClientGroup, Region
from directory.search.search_index import refresh_search_documents
from directory.shortlists.models import SearchRecord, Shortlist
from tests.browser.conftest import _new_page, axe_violations, sign_in
from tests.factories import (
    CommissionerProfileFactory,
    DeliveryLocationFactory,
    OrganisationFactory,
    ServiceFactory,
    ShortlistFactory,
    verified_user,
)

PASSWORD = "a-long-test-password"
SEARCH = reverse("directory:organisation_list")
MANCHESTER, LEEDS = (53.4794, -2.2453), (53.8008, -1.5491)


@pytest.fixture(
    params=[(1280, True), (1280, False), (375, True), (375, False)],
    ids=["1280-js", "1280-no-js", "375-js", "375-no-js"],
)
def window(request, browser, live_server):
    """A page at one of the two widths, with or without JavaScript."""
    width, javascript = request.param
    pages = _new_page(
        browser,
        request,
        base_url=live_server.url,
        java_script_enabled=javascript,
        viewport={"width": width, "height": 900},
    )
    page = next(pages)
    page.javascript, page.narrow = javascript, width < 641
    yield page
    next(pages, None)


@pytest.fixture
def market(transactional_db):
    """A commissioner without a shortlist, and women's services near Manchester and Leeds."""
    call_command("load_taxonomies", verbosity=0)
    user = verified_user(email="sam@probation.example.gov.uk", full_name="Sam Cole")
    CommissionerProfileFactory(
        user=user, verification_status="verified", verified_at=timezone.now()
    )
    women = ClientGroup.objects.get(slug="women")
    for name, slug, place in [
        ("Harbour Women's Centre", "harbour", MANCHESTER),
        ("Aire Women's Housing", "aire", LEEDS),
    ]:
        service = ServiceFactory(
            organisation=OrganisationFactory(name=name, slug=slug),
            client_groups=[women],
            regions=[Region.objects.get(slug="north-west")],
        )
        DeliveryLocationFactory(service=service, latitude=place[0], longitude=place[1])
    refresh_search_documents()
    return user


def add_button(page, name: str):
    # GOV.UK's visually hidden text is padded with spaces: "Add to shortlist : name".
    return page.get_by_role("button", name=re.compile(f"^Add to shortlist\\W+{name}"))


def test_shortlisting_in_place_with_undo(window, market):
    page = window
    sign_in(page, market.email, PASSWORD)
    page.goto(SEARCH + "?client_group=women")
    result = page.locator("#result-harbour")
    add_button(page, "Harbour").click()

    # The first add makes a shortlist named after the search.
    shortlist = "Women"
    if page.javascript:
        added = result.locator(".app-shortlist-added")
        expect(added).to_have_text(re.compile(f"^Added to {shortlist} ✓ – Undo"))
        expect(page.locator(".app-shortlist-status")).to_have_text(
            f"Harbour Women's Centre added to “{shortlist}”"
        )
        expect(add_button(page, "Harbour")).to_be_hidden()
        expect(result.get_by_role("button", name=re.compile("^Undo"))).to_be_focused()
        assert page.url.endswith("?client_group=women")
        # The chooser now offers the new shortlist, so the next add joins it.
        expect(page.get_by_label("“Add to shortlist” adds to")).to_have_value(
            str(Shortlist.objects.get(owner=market).pk)
        )
    else:
        assert page.url.endswith("?client_group=women#result-harbour")
        banner = result.locator(".govuk-notification-banner")
        expect(banner).to_contain_text(f"Harbour Women's Centre added to “{shortlist}” ✓")
        expect(banner.get_by_role("link", name="rename it")).to_be_visible()
    assert Shortlist.objects.get(owner=market).items.count() == 1

    result.get_by_role("button", name=re.compile("^Undo")).click()
    if page.javascript:
        expect(add_button(page, "Harbour")).to_be_focused()
        expect(page.locator(".app-shortlist-status")).to_have_text(
            f"Harbour Women's Centre removed from “{shortlist}”"
        )
    else:
        assert page.url.endswith("#result-harbour")
        expect(result).to_contain_text(f"Harbour Women's Centre removed from “{shortlist}”")
    expect(add_button(page, "Harbour")).to_be_visible()
    assert not Shortlist.objects.get(owner=market).items.exists()


def test_recording_the_search_defaults_to_the_shortlist_worked_on(window, market):
    page = window
    ShortlistFactory(owner=market, name="Another list")
    sign_in(page, market.email, PASSWORD)
    page.goto(SEARCH + "?client_group=women")
    page.get_by_label("“Add to shortlist” adds to").select_option(label="A new shortlist")
    add_button(page, "Aire").click()
    if page.javascript:
        expect(page.locator("#result-aire .app-shortlist-added")).to_be_visible()
        page.reload()  # "Record this search" lists the shortlists the page was made with
    expect(page.get_by_label("Shortlist", exact=True)).to_have_value(
        str(Shortlist.objects.get(name="Women").pk)
    )
    page.get_by_role("button", name="Record this search").click()
    page.wait_for_url(re.compile(r"/shortlists/\d+/$"))
    record = SearchRecord.objects.get()
    expect(page.locator(".app-search-records")).to_contain_text(
        f"Women: 2 organisations on {record.recorded_at:%-d %B %Y}"
    )
    expect(page.get_by_text("Note: None")).to_have_count(0)


def test_a_postcode_sorts_by_distance(window, market):
    page = window
    page.goto(SEARCH)
    if page.narrow and page.javascript:
        page.get_by_role("button", name="Filter results (0 selected)").click()
    page.get_by_label("Postcode").fill("LS7 3AB")
    page.get_by_label("Within").select_option(label="50 miles")
    page.get_by_role("button", name="Search near this postcode").click()
    page.wait_for_url(re.compile("postcode=LS7"))
    titles = page.locator(".app-result__title")
    expect(titles).to_have_text(["Aire Women's Housing", "Harbour Women's Centre"])
    lines = page.locator(".app-result .app-secondary-text")
    expect(lines.first).to_contain_text(re.compile(r"\d+\.\d miles away"))
    expect(lines.nth(1)).to_contain_text(re.compile(r"\d+\.\d miles away"))
    expect(page.get_by_label("Sort by")).to_have_value("")  # the default: nearest first
    expect(page.locator("#id_sort option:checked")).to_have_text("Distance")


TAB_STOPS_JS = """() => {
  const e = document.activeElement
  return [e.matches('.app-result__title a'), !!e.closest('#search-filters')]
}"""


def tab_stops_from_filters_to_results(page) -> int:
    """Tab presses from the first filter control to the first result's link."""
    page.locator("body").focus()
    first_filter = None
    for stop in range(1, 200):
        page.keyboard.press("Tab")
        is_result, in_filters = page.evaluate(TAB_STOPS_JS)
        if in_filters and first_filter is None:
            first_filter = stop
        if is_result:
            return stop - first_filter
    raise AssertionError("Tab never reached the first result")


def test_results_come_first_on_small_screens(window, market):
    page = window
    page.goto(SEARCH + "?client_group=women")
    toggle = page.get_by_role("button", name=re.compile("^Filter results"))
    region = page.get_by_label(re.compile(r"^North West \("))
    if page.narrow and page.javascript:
        expect(toggle).to_have_text("Filter results (1 selected)")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_label("Postcode")).to_be_hidden()
        assert tab_stops_from_filters_to_results(page) <= 9
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.locator("summary", has_text="Region").click()
        region.check()
        page.wait_for_url(re.compile("region=north-west"))
        expect(toggle).to_have_text("Filter results (2 selected)")
        expect(region).to_be_visible()  # the filters stay open while results change
    else:
        expect(toggle).to_be_hidden()
        expect(page.get_by_label("Postcode")).to_be_visible()
        # Groups with nothing chosen are closed: before, 81 stops led to the first result.
        assert tab_stops_from_filters_to_results(page) <= 33
    skip = page.get_by_role("link", name="Skip to results")
    if page.narrow:
        expect(skip).to_be_visible()
        skip.click()
        expect(page.locator("#search-results")).to_be_focused()
    if page.javascript:  # axe-core runs as a script in the page
        assert axe_violations(page) == []


def test_sharing_a_shortlist_emails_the_colleague(window, market):
    page = window
    shortlist = ShortlistFactory(owner=market, name="Women's housing")
    sign_in(page, market.email, PASSWORD)
    page.goto(shortlist.get_absolute_url())
    page.get_by_label("Email address of a colleague").fill("kim@council.example.gov.uk")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Shared with kim@council.example.gov.uk"
    )
    [email] = [message for message in mail.outbox if "kim@" in message.to[0]]
    assert email.subject == "Sam Cole shared the shortlist “Women's housing” with you"
    assert shortlist.get_absolute_url() in email.body
