"""The site's own rate limits (accounts.ratelimit): they bite, count per address or per user,
and end when the period has passed."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from accounts.ratelimit import rate_limit_exceeded
from tests.factories import UserFactory

ACTION = "test_action"


def attempt(*, address="203.0.113.1", user=None, method="post") -> bool:
    request = getattr(RequestFactory(), method)("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    return rate_limit_exceeded(request, action=ACTION)


def test_the_limit_bites_and_ends_after_its_period(rate_limit, clock):
    rate_limit(ACTION, "2/h/ip")
    assert [attempt() for _ in range(3)] == [False, False, True]
    clock.advance(59 * 60)
    assert attempt()
    clock.advance(60)
    assert [attempt() for _ in range(3)] == [False, False, True]


def test_each_address_has_its_own_count(rate_limit):
    rate_limit(ACTION, "1/h/ip")
    assert [attempt(), attempt()] == [False, True]
    assert not attempt(address="198.51.100.9")


@pytest.mark.django_db
def test_a_limit_per_user_counts_each_user_whatever_the_address(rate_limit):
    rate_limit(ACTION, "1/h/user")
    first, second = UserFactory.create_batch(2)
    assert not attempt(user=first, address="203.0.113.1")
    assert attempt(user=first, address="203.0.113.2")
    assert not attempt(user=second, address="203.0.113.1")


def test_pages_read_with_get_are_not_counted(rate_limit):
    rate_limit(ACTION, "1/h/ip")
    assert [attempt(method="get") for _ in range(3)] == [False, False, False]
    assert [attempt(), attempt()] == [False, True]
