"""The API guide at /api/ on a narrow screen, and the JSON API's interactive reference, which
must run from the site's own files under its Content Security Policy."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import ApiGuidePage, ApiReferencePage

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_guide_never_scrolls_sideways_at_320px(page):
    page.set_viewport_size({"width": 320, "height": 900})
    assert ApiGuidePage(page).open().sideways_overflow() == {}


def test_the_reference_shows_every_operation_from_local_files(page, live_server):
    requested, refused = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    reference = ApiReferencePage(page).open()
    expect(reference.operation("/api/v1/organisations/{slug}/")).to_be_visible()
    expect(reference.text("Rate limits")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requested)
    assert refused == []
