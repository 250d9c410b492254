"""Each settings module renders a page whose stylesheet loads, so that a change to one of them
cannot break it unseen (dev's static files storage once made every page of `make run` a 500
while every test, on the test settings, passed)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.test_settings import PROD_ENV

ROOT = Path(__file__).resolve().parents[2]
# Run in a fresh interpreter per settings module. With a STATIC_ROOT given (production), the
# static files are collected there first, as a deployment does, into a manifest of hashed names;
# otherwise the SQLite database is migrated first, as `make run` does (dev answers every page
# with "The database needs migrating" until it is).
RENDER = """
import json, re, sys
import django
from django.conf import settings
static_root = sys.argv[1]
if static_root:
    settings.STATIC_ROOT = static_root
django.setup()
from django.core.management import call_command
from django.test import Client
if static_root:
    call_command("collectstatic", "--noinput", verbosity=0)
else:
    call_command("migrate", "--noinput", verbosity=0)
client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
page = client.get("/accessibility/", secure=True)
stylesheets = []
for href in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', page.content.decode()):
    response = client.get(href, secure=True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    stylesheets.append([href, response.status_code, response["Content-Type"], len(body)])
print(json.dumps({"status": page.status_code, "stylesheets": stylesheets}))
"""


def render_with(module: str, env: dict[str, str], static_root: str = "") -> dict:
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO", "DATABASE")) and name not in PROD_ENV
    }
    result = subprocess.run(
        [sys.executable, "-c", RENDER, static_root],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": f"config.settings.{module}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("module", ["dev", "test", "prod"])
def test_each_settings_module_renders_a_page_with_its_stylesheet(module, tmp_path):
    if module == "prod":
        # Nothing in the page reads the database: PostgreSQL need not be reachable.
        rendered = render_with(module, PROD_ENV, static_root=str(tmp_path / "static"))
    else:
        rendered = render_with(module, {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})

    assert rendered["status"] == 200
    [(href, status, content_type, size)] = rendered["stylesheets"]
    assert status == 200 and content_type.startswith("text/css") and size > 10_000
    if module == "prod":
        assert href.startswith("/static/dist/css/main.") and href != "/static/dist/css/main.css"
        collected = tmp_path / "static"
        # Compressed for browsers, except the source maps only developer tools fetch.
        assert list(collected.glob("dist/css/main.*.css.br"))
        assert list(collected.rglob("*.map")) and not list(collected.rglob("*.map.*"))
    else:
        # Served from the finders as built: a rebuilt CSS shows without collectstatic.
        assert href == "/static/dist/css/main.css"
