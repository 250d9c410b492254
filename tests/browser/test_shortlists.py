"""A commissioner choosing, in a real browser at 1280 and 375 pixels wide, with and without
JavaScript: shortlisting in place (and its undo), a first shortlist named after the search,
recording the search, sorting by distance from a postcode, the filters on small screens and
sharing a shortlist (axe-core checks of the shortlist pages are in test_accessibility.py)."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from directory.organisations.models import ClientGroup, Region
from directory.search.search_index import refresh_search_documents
from directory.shortlists.models import SearchRecord, Shortlist
from tests.browser.conftest import _new_page, axe_violations
from tests.browser.pages import Person, SearchPage, ShortlistPage, SignInPage
from tests.factories import (
    CommissionerProfileFactory,
    DeliveryLocationFactory,
    OrganisationFactory,
    ServiceFactory,
    ShortlistFactory,
    verified_user,
)

MANCHESTER, LEEDS = (53.4794, -2.2453), (53.8008, -1.5491)


@pytest.fixture(
    params=[(1280, True), (1280, False), (375, True), (375, False)],
    ids=["1280-js", "1280-no-js", "375-js", "375-no-js"],
)
def window(request, browser, live_server):
    """Someone at a window of one of the two widths, with or without JavaScript."""
    width, javascript = request.param
    pages = _new_page(
        browser,
        request,
        base_url=live_server.url,
        java_script_enabled=javascript,
        viewport={"width": width, "height": 900},
    )
    yield Person(next(pages), javascript=javascript)
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


def is_narrow(person: Person) -> bool:
    return person.page.viewport_size["width"] < 641


def signed_in_search(person: Person, email: str) -> SearchPage:
    """Signed in, the women's services found."""
    SignInPage(person).open().sign_in(email)
    return SearchPage(person).open(query="?client_group=women")


def test_shortlisting_in_place_with_undo(window, market):
    search = signed_in_search(window, market.email)
    result = search.result("harbour")
    search.add_to_shortlist("Harbour")

    # The first add makes a shortlist named after the search.
    shortlist = "Women"
    if window.javascript:
        expect(search.added_note("harbour")).to_have_text(
            re.compile(f"^Added to {shortlist} ✓ – Undo")
        )
        expect(search.shortlist_status).to_have_text(
            f"Harbour Women's Centre added to “{shortlist}”"
        )
        expect(search.add_to_shortlist_button("Harbour")).to_be_hidden()
        expect(search.undo_button("harbour")).to_be_focused()
        assert window.page.url.endswith("?client_group=women")
        # The chooser now offers the new shortlist, so the next add joins it.
        expect(search.shortlist_chooser).to_have_value(str(Shortlist.objects.get(owner=market).pk))
    else:
        assert window.page.url.endswith("?client_group=women#result-harbour")
        banner = search.added_banner("harbour")
        expect(banner).to_contain_text(f"Harbour Women's Centre added to “{shortlist}” ✓")
        expect(banner.get_by_role("link", name="rename it")).to_be_visible()
    assert Shortlist.objects.get(owner=market).items.count() == 1

    search.undo("harbour")
    if window.javascript:
        expect(search.add_to_shortlist_button("Harbour")).to_be_focused()
        expect(search.shortlist_status).to_have_text(
            f"Harbour Women's Centre removed from “{shortlist}”"
        )
    else:
        assert window.page.url.endswith("#result-harbour")
        expect(result).to_contain_text(f"Harbour Women's Centre removed from “{shortlist}”")
    expect(search.add_to_shortlist_button("Harbour")).to_be_visible()
    assert not Shortlist.objects.get(owner=market).items.exists()


def test_recording_the_search_defaults_to_the_shortlist_worked_on(window, market):
    ShortlistFactory(owner=market, name="Another list")
    search = signed_in_search(window, market.email)
    search.choose_shortlist("A new shortlist")
    search.add_to_shortlist("Aire")
    if window.javascript:
        expect(search.added_note("aire")).to_be_visible()
        window.page.reload()  # "Record this search" lists the shortlists the page was made with
    expect(search.record_shortlist).to_have_value(str(Shortlist.objects.get(name="Women").pk))
    search.record_this_search()
    window.page.wait_for_url(re.compile(r"/shortlists/\d+/$"))
    record = SearchRecord.objects.get()
    shortlist = ShortlistPage(window)
    expect(shortlist.search_records).to_contain_text(
        f"Women: 2 organisations on {record.recorded_at:%-d %B %Y}"
    )
    expect(shortlist.text("Note: None")).to_have_count(0)


def test_a_postcode_sorts_by_distance(window, market):
    search = SearchPage(window).open()
    if is_narrow(window) and window.javascript:
        search.show_filters()
    search.search_near("LS7 3AB", within="50 miles")
    window.page.wait_for_url(re.compile("postcode=LS7"))
    expect(search.result_titles).to_have_text(["Aire Women's Housing", "Harbour Women's Centre"])
    lines = search.result_lines
    expect(lines.first).to_contain_text(re.compile(r"\d+\.\d miles away"))
    expect(lines.nth(1)).to_contain_text(re.compile(r"\d+\.\d miles away"))
    expect(search.sort).to_have_value("")  # the default: nearest first
    expect(search.chosen_option("Sort by")).to_have_text("Distance")


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
    page = window.page
    search = SearchPage(window).open(query="?client_group=women")
    toggle = search.filters_toggle
    region = search.filter_option(re.compile(r"^North West \("))
    if is_narrow(window) and window.javascript:
        expect(toggle).to_have_text("Filter results (1 selected)")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(search.postcode).to_be_hidden()
        assert tab_stops_from_filters_to_results(page) <= 9
        search.show_filters()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        search.check_filter("Region", re.compile(r"^North West \("))
        page.wait_for_url(re.compile("region=north-west"))
        expect(toggle).to_have_text("Filter results (2 selected)")
        expect(region).to_be_visible()  # the filters stay open while results change
    else:
        expect(toggle).to_be_hidden()
        expect(search.postcode).to_be_visible()
        # Groups with nothing chosen are closed: before, 81 stops led to the first result.
        assert tab_stops_from_filters_to_results(page) <= 33
    if is_narrow(window):
        expect(search.skip_to_results).to_be_visible()
        window.press(search.skip_to_results)
        expect(search.results).to_be_focused()
    if window.javascript:  # axe-core runs as a script in the page
        assert axe_violations(page) == []


def test_sharing_a_shortlist_emails_the_colleague(window, market):
    shortlisted = ShortlistFactory(owner=market, name="Women's housing")
    SignInPage(window).open().sign_in(market.email)
    shortlist = ShortlistPage(window).open(pk=shortlisted.pk)
    shortlist.share("kim@council.example.gov.uk")
    expect(shortlist.banner).to_contain_text("Shared with kim@council.example.gov.uk")
    [email] = [message for message in mail.outbox if "kim@" in message.to[0]]
    assert email.subject == "Sam Cole shared the shortlist “Women's housing” with you"
    assert shortlisted.get_absolute_url() in email.body
