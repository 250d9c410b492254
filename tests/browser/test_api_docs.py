"""The API page: accessible, including its wide code examples at a narrow width."""

import pytest
from django.urls import reverse

from tests.browser.conftest import axe_violations


@pytest.mark.parametrize("width", [1280, 320])
def test_the_api_page_has_no_axe_violations(page, transactional_db, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(reverse("api_docs"))
    assert page.locator("h1").inner_text() == "Open data APIs"
    assert axe_violations(page) == []
