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
ROUNDS = 5


def timed(answer, email: str) -> float:
    client = Client()
    started = time.perf_counter()
    answer(client, email)
    return time.perf_counter() - started


def fastest_of_each(answer, existing: str, new_addresses) -> tuple[float, float]:
    """The quickest answer for each kind of address, the two kinds taken in turn: each
    minimum is the answer least disturbed by other work, and a burst of other work (tests
    run two at a time) falls on both kinds, not on one."""
    known, unknown = [], []
    for _ in range(ROUNDS):
        known.append(timed(answer, existing))
        unknown.append(timed(answer, next(new_addresses)))
    return min(known), min(unknown)


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
    # The timings, not the limits, are under test here: False turns allauth's limits off ({}
    # would keep its defaults, which answer the 11th wrong sign-in a minute at once).
    settings.ACCOUNT_RATE_LIMITS = False
    existing = verified_user().email
    new_addresses = iter(f"someone-new-{n}@example.org" for n in range(ROUNDS * 2))

    answer(Client(), "warm-up@example.org")  # templates and validators loaded once
    known, unknown = fastest_of_each(answer, existing, new_addresses)

    assert 1 / FACTOR < known / unknown < FACTOR, f"{known=:.3f}s {unknown=:.3f}s"
