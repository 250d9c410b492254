"""The front door: the site as `make run` serves it (tests/frontdoor/site.py).

These tests start their own server with the dev settings and need Chromium, so they are
marked `browser`: `make test` runs them with the browser tests, `make test-frontdoor` alone.
"""

import os
import re

import pytest

from tests.browser import conftest as browser_tests
from tests.frontdoor.site import TotpCodes, serve


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/frontdoor/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def dev_site(tmp_path_factory):
    yield from serve(tmp_path_factory.mktemp("dev-site"))


def printed(pattern: str, output: str) -> str:
    match = re.search(pattern, output)
    assert match, f"make run's output does not show {pattern!r}:\n{output}"
    return match.group(1)


@pytest.fixture(scope="session")
def demo_password(dev_site) -> str:
    """The password as `make run` prints it."""
    return printed(r"Password for all of them: (\S+)", dev_site.setup_output)


@pytest.fixture(scope="session")
def moderator_totp(dev_site) -> TotpCodes:
    """Codes of the moderator's authenticator, from the secret `make run` prints."""
    return TotpCodes(printed(r"secret=([A-Z2-7]+)", dev_site.setup_output))


@pytest.fixture
def page(browser, request, dev_site):
    """A fresh browser window on the dev-settings site."""
    context = browser.new_context(base_url=dev_site.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    browser_tests.save_artefacts_if_failed(request, page)
    context.close()
