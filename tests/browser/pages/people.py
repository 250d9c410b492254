"""People at a browser window: page objects act through one, so a journey written once runs
by pointer (`Person`) and by keyboard alone (`KeyboardPerson`).

A page object given a bare Playwright page acts through a pointer `Person`.
"""

from contextlib import nullcontext

from playwright.sync_api import Download, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# Evaluated in the page after each Tab: the focused element, and whether it looks different
# focused from unfocused (outline, shadow, colours, border, underline; a radio's or
# checkbox's indicator is drawn on its label). A transparent outline (kept by GOV.UK Frontend
# for Windows high contrast mode) is not an indicator by itself.
FOCUS_STATE_JS = """() => {
  const element = document.activeElement
  if (!element || element === document.body || element === document.documentElement) return null
  const parts = [element, ...(element.labels || [])]
  const look = () => parts.flatMap(part => [null, '::before', '::after'].map(pseudo => {
    const style = getComputedStyle(part, pseudo)
    const outline = style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0 ||
      style.outlineColor === 'rgba(0, 0, 0, 0)'
      ? 'none' : `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`
    return [outline, style.boxShadow, style.backgroundColor, style.color,
      style.textDecorationLine, style.borderColor, style.borderWidth].join(' ')
  })).join(' | ')
  const focused = look()
  // GOV.UK Frontend drops the tabindex it gave the error summary once it loses focus.
  const tabindex = element.getAttribute('tabindex')
  element.blur()
  const unfocused = look()
  if (tabindex !== null) element.setAttribute('tabindex', tabindex)
  element.focus({ preventScroll: true })
  const box = element.getBoundingClientRect()
  const text = (element.getAttribute('aria-label') || element.innerText || element.value ||
    element.name || '').trim().replace(/\\s+/g, ' ').slice(0, 60)
  return {
    target: element.hasAttribute('data-journey-target'),
    skipLink: element.classList.contains('govuk-skip-link'),
    indicated: focused !== unfocused && box.width > 0 && box.height > 0,
    element: `<${element.tagName.toLowerCase()}${element.id ? ' #' + element.id : ''}> ${text}`,
  }
}"""


class Person:
    """Someone at a browser window who points and clicks. Journeys ask a person to follow a
    link or button, fill in, check, choose, upload and download; subclasses change how."""

    def __init__(self, page: Page, *, javascript: bool = True):
        self.page = page
        self.javascript = javascript

    def follow(self, target: Locator) -> None:
        """Activate a link or button that loads another page."""
        self.press(target, navigates=True)

    def press(self, target: Locator, *, navigates: bool = False) -> None:
        self._reach(target)
        with self.page.expect_navigation() if navigates else nullcontext():
            self._activate(target)

    def download(self, link: Locator) -> Download:
        self._reach(link)
        with self.page.expect_download() as download:
            self._activate(link)
        return download.value

    def _reach(self, target: Locator) -> None:
        """Get to the target, ready to activate it (a pointer is there at once)."""

    def _activate(self, target: Locator) -> None:
        target.click()

    def fill(self, field: Locator, text: str) -> None:
        field.fill(text)

    def check(self, box: Locator) -> None:
        box.check()

    def choose(self, select: Locator, label: str) -> None:
        select.select_option(label=label)

    def upload(self, field: Locator, name: str, content: bytes) -> None:
        field.set_input_files({"name": name, "mimeType": "application/pdf", "buffer": content})

    def submit_with_errors(self, button: Locator) -> None:
        """Submit a form that must come back with errors: the GOV.UK error summary shows and,
        where its script runs, takes the focus, visibly."""
        self.follow(button)
        summary = self.page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        if self.javascript:
            expect(summary).to_be_focused()
            focus = self.page.evaluate(FOCUS_STATE_JS)
            assert focus["indicated"], (
                f"the focused error summary shows no focus indicator: {focus}"
            )


class KeyboardPerson(Person):
    """Someone who uses only the keyboard: Tab to move, Enter or Space to act, and typing
    into fields. Every element Tab stops on must show where the focus is."""

    MAX_TABS = 300

    def focus(self, target: Locator) -> None:
        """Tab (from wherever the focus is) until the target has the focus, using the skip
        link on the way to a target in the main content."""
        in_main = target.evaluate(
            "element => { element.setAttribute('data-journey-target', '');"
            " return !!element.closest('main') }"
        )
        passed = []
        for _ in range(self.MAX_TABS):
            self.page.keyboard.press("Tab")
            focus = self.page.evaluate(FOCUS_STATE_JS)
            if focus is None:  # past the last element, in the browser's own controls
                continue
            assert focus["indicated"], f"no visible focus on {focus['element']} ({self.page.url})"
            if focus["target"]:
                target.evaluate("element => element.removeAttribute('data-journey-target')")
                return
            passed.append(focus["element"])
            if in_main and focus["skipLink"]:
                self.page.keyboard.press("Enter")
                # GOV.UK Frontend moves the focus to <main> (and shows none: it is no control).
                expect(self.page.locator("main")).to_be_focused()
        raise AssertionError(f"Tab never reached {target} on {self.page.url}; passed {passed}")

    def _reach(self, target: Locator) -> None:
        # Outside the wait for the next page: the skip link is a navigation within the page.
        self.focus(target)

    def _activate(self, target: Locator) -> None:
        self.page.keyboard.press("Enter")

    def fill(self, field: Locator, text: str) -> None:
        # Tabbing into a text input selects what is in it, so typing replaces it.
        self.focus(field)
        self.page.keyboard.type(text)
        expect(field).to_have_value(text)

    def check(self, box: Locator) -> None:
        self.focus(box)
        if not box.is_checked():
            self.page.keyboard.press("Space")
        expect(box).to_be_checked()

    UPLOAD_ATTEMPTS = 3

    def upload(self, field: Locator, name: str, content: bytes) -> None:
        self.focus(field)
        # Headless Chromium now and then drops the keypress that opens the file chooser
        # (a chooser that comes opens in well under a second), so a lost one is pressed again.
        for attempt in range(1, self.UPLOAD_ATTEMPTS + 1):
            try:
                with self.page.expect_file_chooser(timeout=4000) as chooser:
                    self.page.keyboard.press("Space")
                break
            except PlaywrightTimeoutError:
                expect(field).to_be_focused()
                if attempt == self.UPLOAD_ATTEMPTS:
                    raise
        chooser.value.set_files({"name": name, "mimeType": "application/pdf", "buffer": content})
