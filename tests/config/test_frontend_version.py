"""GOV.UK Frontend is pinned to one 6.x release in package.json, package-lock.json and the
installed copy (after a change of version, `npm ci` then `npm run build`)."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_govuk_frontend_is_one_exact_6x_release_everywhere():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["govuk-frontend"]
    assert re.fullmatch(r"6\.\d+\.\d+", pinned), f"not an exact 6.x version: {pinned}"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/govuk-frontend"]["version"] == pinned
    installed = ROOT / "node_modules" / "govuk-frontend" / "package.json"
    assert json.loads(installed.read_text())["version"] == pinned, "run npm ci"


def test_the_built_stylesheet_has_no_gds_transport_font_and_no_crown():
    """The service is not on GOV.UK (`npm run build` makes static/dist, as the browser tests
    need)."""
    css = (ROOT / "static" / "dist" / "css" / "main.css").read_text()
    assert "font-family:arial,sans-serif" in css
    assert "GDS Transport" not in css
    assert "govuk-crest" not in css, "the crown copyright crest"
