"""Fixtures shared by the directory's tests."""

import pytest
from django.test import Client

from tests.factories import moderator_user


@pytest.fixture
def moderator():
    return moderator_user(full_name="Mo Derator")


@pytest.fixture
def moderator_client(moderator):
    """A client of its own, so a test can also use `client` as someone else."""
    moderator_client = Client()
    moderator_client.force_login(moderator)
    return moderator_client
