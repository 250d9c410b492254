"""Playwright driving Debian's chromium against pytest-django's live server.

Every test in this folder is marked `browser`; `make test-browser` runs them on PostgreSQL.
On failure a screenshot and the page's HTML are saved under test-artefacts/. Tests act
through the page objects of tests/browser/pages/, one class per page type.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's async-safety check would
# otherwise refuse the ORM calls that test set-up makes around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def save_artefacts_if_failed(request, page, *, window: str = "") -> None:
    """After a failed test, its page's screenshot and HTML; `window` tells apart several."""
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTEFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid + window)[-150:]
        page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
        (ARTEFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")


def _new_page(browser, request, *, window: str = "", **context_options):
    """A page in a fresh browser context."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    save_artefacts_if_failed(request, page, window=window)
    context.close()


@pytest.fixture
def page(browser, request, live_server):
    yield from _new_page(browser, request, base_url=live_server.url)


@pytest.fixture
def page_without_js(browser, request, live_server):
    yield from _new_page(browser, request, base_url=live_server.url, java_script_enabled=False)


def axe_violations(page) -> list[dict]:
    """Run axe-core (from npm) in the page at the WCAG 2.2 AA tags; return its violations.

    A browser context may load axe-core into every page itself
    (`context.add_init_script(path=AXE_JS)`), which is quicker than loading it here each time.
    """
    # Evaluated through the DevTools protocol: the Content-Security-Policy (no inline scripts)
    # would block it if it were added to the page as a <script> element.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        # resultTypes: only the violations are wanted, so axe-core skips listing every node
        # that passes (which takes it most of its time on a long page).
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    # GOV.UK Frontend marks a radio that reveals questions aria-expanded, which ARIA does not
    # allow on a radio; the Design System keeps it on purpose, as screen readers announce it
    # (alphagov/govuk-frontend#979, a documented known issue). That one finding is left out.
    reveals = page.eval_on_selector_all(
        "input[type=radio][aria-controls][aria-expanded]", "inputs => inputs.map(i => '#' + i.id)"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if not (
            v["id"] == "aria-allowed-attr" and all(n["target"][0] in reveals for n in v["nodes"])
        )
    ]
