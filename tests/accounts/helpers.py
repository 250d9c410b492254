"""Shared helpers for the accounts tests (factories live in tests/factories.py)."""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's password


def sign_in(client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


# Django's own force_login: a session with no record of how the person signed in, as the old
# admin sign-in page made. tests/conftest.py makes `Client.force_login` record both factors.
force_login_password_only = Client.force_login


def force_login_with_both_factors(client, user, backend=None):
    """Sign in as a full sign-in would: the password, then the authenticator app if set up."""
    force_login_password_only(client, user, backend)
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "email": user.email},
        {"method": "mfa", "at": time.time(), "id": authenticator.pk, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def activate_totp(user) -> str:
    """Turn on an authenticator app for the user; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def current_totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


class FakeClock:
    """Stands in for the time module, so a test can move time forward."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def advance(self, seconds: float) -> None:
        self.now += seconds
