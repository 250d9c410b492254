"""An address that has an account and one that has not take the same time to answer, on
sign-up, sign-in and password reset (measured with the real password hasher)."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import verified_user

REAL_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
# How much quicker or slower one kind of address may be. The hashing alone makes a new
# sign-up about ten times slower than an answer without it (80 ms against 900 ms before).
FACTOR = 2.0
ROUNDS = 3


def fastest(answer, email: str) -> float:
    """The quickest of a few answers: the one least disturbed by other work on the machine."""
    timings = []
    for _ in range(ROUNDS):
        client = Client()
        started = time.perf_counter()
        answer(client, email)
        timings.append(time.perf_counter() - started)
    return min(timings)


def sign_up(client, email):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Ada Okafor",
            "email": email,
            "password1": "granite-lantern-orchard-42",
            "password2": "granite-lantern-orchard-42",
            "account_type": "provider",
        },
    )


def sign_in(client, email):
    client.post(reverse("account_login"), {"login": email, "password": "not-the-password-1"})


def reset_password(client, email):
    client.post(reverse("account_reset_password"), {"email": email})


@pytest.mark.django_db
@pytest.mark.parametrize("answer", [sign_up, sign_in, reset_password])
def test_existing_and_new_addresses_take_the_same_time(answer, settings):
    settings.PASSWORD_HASHERS = REAL_HASHERS
    settings.ACCOUNT_RATE_LIMITS = {}  # the timings, not the limits, are under test here
    existing = verified_user().email
    new_addresses = iter(f"someone-new-{n}@example.org" for n in range(ROUNDS * 2))

    answer(Client(), "warm-up@example.org")  # templates and validators loaded once
    known = fastest(answer, existing)
    unknown = fastest(lambda client, _: answer(client, next(new_addresses)), None)

    assert 1 / FACTOR < known / unknown < FACTOR, f"{known=:.3f}s {unknown=:.3f}s"
