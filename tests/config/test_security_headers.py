import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from tests.config.test_settings import PROD_ENV
from tests.factories import VerifiedEmailAddressFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-password"

EXPECTED_CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


DENIED_FEATURES = {
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "fullscreen",
    "autoplay",
    "display-capture",
    "publickey-credentials-get",
    "accelerometer",
    "gyroscope",
    "magnetometer",
    "midi",
    "encrypted-media",
    "picture-in-picture",
    "screen-wake-lock",
    "xr-spatial-tracking",
}


def permissions_policy(response) -> set[str]:
    """The features the Permissions-Policy header denies to every origin."""
    denied = set()
    for part in response["Permissions-Policy"].split(","):
        feature, _, allowlist = part.strip().partition("=")
        assert allowlist == "()", part
        denied.add(feature)
    return denied


def csp_directives(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


@pytest.fixture
def verified_user(db):
    return VerifiedEmailAddressFactory().user


@pytest.mark.parametrize(
    "path",
    ["/", "/organisations/", "/accounts/login/", "/accessibility/", "/no-such-page/"],
)
def test_every_response_carries_the_security_headers(client, db, path):
    response = client.get(path)

    assert csp_directives(response["Content-Security-Policy"]) == EXPECTED_CSP_DIRECTIVES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert permissions_policy(response) == DENIED_FEATURES


def test_the_policy_allows_no_inline_script_or_style(client, db):
    header = client.get("/")["Content-Security-Policy"]

    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert "*" not in header


def test_the_server_error_page_carries_the_policy(client, db, monkeypatch):
    def database_down(*args, **kwargs):
        raise OperationalError("simulated outage")

    client.raise_request_exception = False
    # Undone before the test's transaction is rolled back, which needs the database.
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", database_down)
        response = client.get("/")

    assert response.status_code == 500
    assert b"Sorry, there is a problem with the service" in response.content
    assert csp_directives(response["Content-Security-Policy"]) == EXPECTED_CSP_DIRECTIVES


def test_session_and_csrf_cookies_are_httponly_and_samesite(client, verified_user):
    response = client.post(
        reverse("account_login"), {"login": verified_user.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"

    csrf_cookie = Client().get(reverse("account_login")).cookies["csrftoken"]
    assert csrf_cookie["samesite"] == "Lax"


PROD_RESPONSE_SCRIPT = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

response = Client().get("/healthz", secure=True, headers={"host": "partners.example.org"})
insecure = Client().get("/organisations/", headers={"host": "partners.example.org"})
print(json.dumps({
    "headers": dict(response.headers),
    "insecure_status": insecure.status_code,
    "insecure_location": insecure.headers.get("Location", ""),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "session_cookie_samesite": settings.SESSION_COOKIE_SAMESITE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "csrf_cookie_httponly": settings.CSRF_COOKIE_HTTPONLY,
    "csrf_cookie_samesite": settings.CSRF_COOKIE_SAMESITE,
    "middleware": settings.MIDDLEWARE,
}))
"""


@pytest.fixture(scope="module")
def production_response():
    """Headers and cookie settings of the real production settings, in a separate process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    env = {
        **clean,
        **PROD_ENV,
        # Nothing listens on port 1: the health check fails fast, and still has its headers.
        "DATABASE_URL": "postgres://rpd:secret@127.0.0.1:1/rpd",
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROD_RESPONSE_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_with_the_other_headers(production_response):
    headers = production_response["headers"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert csp_directives(headers["Content-Security-Policy"]) == EXPECTED_CSP_DIRECTIVES
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert permissions_policy(headers) == DENIED_FEATURES


def test_production_keeps_signed_in_pages_out_of_caches_and_demands_two_factors(
    production_response,
):
    """The middleware that sends no-store to signed-in users, and the two-factor rule."""
    middleware = production_response["middleware"]
    assert "config.middleware.PrivacyHeadersMiddleware" in middleware
    assert "accounts.middleware.MfaRequiredMiddleware" in middleware


def test_production_redirects_plain_http_to_https(production_response):
    assert production_response["insecure_status"] == 301
    assert production_response["insecure_location"] == "https://partners.example.org/organisations/"


def test_production_cookies_are_secure_httponly_and_samesite(production_response):
    assert production_response["session_cookie_secure"] is True
    assert production_response["session_cookie_httponly"] is True
    assert production_response["session_cookie_samesite"] == "Lax"
    assert production_response["csrf_cookie_secure"] is True
    assert production_response["csrf_cookie_httponly"] is True
    assert production_response["csrf_cookie_samesite"] == "Lax"


SIGNED_IN_PAGES = [
    "/",
    "/account/",
    "/account/details/",
    "/shortlists/",
    "/saved-searches/",
    "/organisations/",
    "/opportunities/",
    "/account/download/",
]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_pages_for_a_signed_in_user_are_never_stored(client, verified_user, path):
    client.force_login(verified_user)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert permissions_policy(response) == DENIED_FEATURES


def test_a_shortlist_with_notes_and_its_export_are_never_stored(client, verified_user):
    from tests.factories import ShortlistFactory, ShortlistItemFactory

    shortlist = ShortlistFactory(owner=verified_user)
    ShortlistItemFactory(shortlist=shortlist, note="Their manager is on leave until March")
    client.force_login(verified_user)
    for name in ("shortlists:detail", "shortlists:export_csv", "shortlists:print"):
        response = client.get(reverse(name, kwargs={"pk": shortlist.pk}))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name


def test_public_pages_for_a_visitor_may_be_cached(client, db):
    assert "no-store" not in client.get("/accessibility/").get("Cache-Control", "")
