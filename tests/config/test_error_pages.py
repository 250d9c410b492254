"""The 400, 403, CSRF failure, 404, 429 and 500 answers are the service's own styled pages.

This module is also the URLconf of its tests: the site's URLs, plus views that fail on purpose.
"""

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path, reverse

from config.urls import handler500
from config.urls import urlpatterns as site_urlpatterns
from tests.factories import verified_user


def forbidden(request):
    raise PermissionDenied


def bad(request):
    raise SuspiciousOperation("simulated bad request")


def broken(request):
    raise RuntimeError("simulated failure")


urlpatterns = [
    path("test-forbidden/", forbidden),
    path("test-bad-request/", bad),
    path("test-broken/", broken),
    *site_urlpatterns,
]
__all__ = ["handler500", "urlpatterns"]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def assert_styled_page(response, status: int, heading: str) -> str:
    """The base layout (stylesheet, skip link, the service's name, the footer's statement links)
    around exactly one h1, the page's own, and a title that names the problem."""
    assert response.status_code == status
    content = response.content.decode()
    assert '<link rel="stylesheet" href="/static/dist/css/main.css">' in content
    assert 'class="govuk-skip-link"' in content
    assert "Rehabilitation Partners Directory" in content
    for footer_link in ('href="/accessibility/"', 'href="/privacy/"', 'href="/cookies/"'):
        assert footer_link in content
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", content) == [heading]
    assert f"<title>{heading} – Rehabilitation Partners Directory</title>" in content
    assert "Traceback" not in content and "simulated" not in content
    return content


def test_an_unknown_page_is_the_styled_404(client):
    content = assert_styled_page(client.get("/no-such-page/"), 404, "Page not found")
    assert "check you copied the entire address" in content


def test_a_refusal_is_the_styled_403(client):
    content = assert_styled_page(
        client.get("/test-forbidden/"), 403, "You do not have permission to see this page"
    )
    assert f'href="{reverse("account_login")}"' in content


def test_a_refusal_tells_a_signed_in_user_whom_to_ask(client):
    client.force_login(verified_user())
    content = assert_styled_page(
        client.get("/test-forbidden/"), 403, "You do not have permission to see this page"
    )
    assert "ask an administrator of your organisation" in content


def test_a_form_without_its_security_token_is_the_styled_csrf_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    content = assert_styled_page(response, 403, "Sorry, your form could not be sent")
    assert "reload the page and send the form again" in content
    assert "CSRF verification failed" not in content


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"path": "/test-bad-request/"},
        # A host name the service does not answer to.
        {"path": "/", "headers": {"host": "evil.example.com"}},
    ],
    ids=["suspicious request", "unknown host"],
)
def test_a_bad_request_is_the_styled_400(client, request_kwargs):
    response = client.get(**request_kwargs)
    content = assert_styled_page(response, 400, "Sorry, there is a problem with your request")
    assert "evil.example.com" not in content


def test_too_many_attempts_is_the_styled_429(client):
    """django-allauth's rate limits (ACCOUNT_RATE_LIMITS): here, password reset emails."""
    email = verified_user().email
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": email})
    response = client.post(reverse("account_reset_password"), {"email": email})
    content = assert_styled_page(response, 429, "Sorry, there have been too many attempts")
    assert "Wait a few minutes, then try again" in content


def test_a_failure_is_the_styled_500(client):
    client.raise_request_exception = False
    content = assert_styled_page(
        client.get("/test-broken/"), 500, "Sorry, there is a problem with the service"
    )
    assert "what you entered may not have been saved" in content
