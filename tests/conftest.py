import logging
import os
from datetime import timedelta
from importlib import import_module

import pytest
from allauth.core.internal import ratelimit
from django.apps import apps as django_apps
from django.core.cache import caches
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django.test import Client
from django.utils import timezone

from accounts import middleware
from tests.accounts.helpers import FakeClock, force_login_with_both_factors
from tests.factories import moderator_user

# A test's force_login stands for a complete sign-in: moderators and staff must have used their
# second factor in the session (accounts.middleware). Password-only sessions are made with
# tests.accounts.helpers.force_login_password_only.
Client.force_login = force_login_with_both_factors


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and search counts live in caches: each test starts with none."""
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


PROJECT_PACKAGES = ("accounts", "config", "consortia", "directory", "outbox")


@pytest.fixture(autouse=True)
def _loggers_left_working():
    """A test that silences the project's loggers (as a library configuring logging in-process
    can) fails itself, instead of the logging tests that happen to run after it."""
    yield
    silenced = [
        name
        for name, each in logging.root.manager.loggerDict.items()
        if name.startswith(PROJECT_PACKAGES) and getattr(each, "disabled", False)
    ]
    assert not silenced, f"This test left these loggers disabled: {silenced}"


@pytest.fixture
def clock(monkeypatch):
    """The time that rate limits and session lifetimes read: `clock.advance(seconds)`."""
    fake = FakeClock()
    monkeypatch.setattr(ratelimit, "time", fake)
    monkeypatch.setattr(middleware, "time", fake)
    return fake


@pytest.fixture
def rate_limit(settings):
    """`rate_limit(action, "3/h/ip")` sets one limit of ACCOUNT_RATE_LIMITS for the test."""

    def set_limit(action: str, rate: str) -> None:
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, action: rate}

    return set_limit


@pytest.fixture
def simulated_clock(monkeypatch):
    """Simulated days: `simulated_clock.advance(days=1)` moves timezone.now forward. It starts
    an hour ahead of the real clock, so that whatever is dated by the real one (model field
    defaults and factories hold the real timezone.now) comes before anything simulated."""

    class Clock:
        now = timezone.now() + timedelta(hours=1)

        def advance(self, **delta):
            self.now += timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def taxonomies(db):
    """The real taxonomies from fixtures/taxonomies.json."""
    call_command("load_taxonomies", verbosity=0)


# The rows that data migrations create. A transactional test ends by flushing every table, and
# its worker may then run ordinary tests (xdist sends whole files in any order), so put back
# what migrations would have left there. Flush sends post_migrate once the tables are empty.
MIGRATION_SEEDS = [
    ("accounts.migrations.0004_seed_public_sector_domains", "seed"),
    ("accounts.migrations.0005_moderators_group", "create_group"),
    ("directory.search.migrations.0003_seed_synonyms", "seed_synonyms"),
]


def _reseed_migration_data(sender, app_config, using, **kwargs):
    if app_config.label != "accounts":
        return
    for module, function in MIGRATION_SEEDS:
        getattr(import_module(module), function)(django_apps, None)


post_migrate.connect(_reseed_migration_data, dispatch_uid="tests-reseed-migration-data")


# Debian's chromium, driven by Playwright: one per test process, shared by tests/browser and
# tests/frontdoor (a second sync_playwright in the same thread would fail to start).
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def moderator():
    return moderator_user(full_name="Mo Derator")


@pytest.fixture
def moderator_client(moderator):
    """A client of its own, so a test can also use `client` as someone else."""
    moderator_client = Client()
    moderator_client.force_login(moderator)
    return moderator_client
