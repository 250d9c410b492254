"""Shared helpers for the accounts tests (factories live in tests/factories.py)."""

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's password


def sign_in(client, user, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


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
