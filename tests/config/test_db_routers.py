import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from config import db_routers
from config.db_routers import (
    REPLICA_DB_ALIAS,
    REPLICA_PIN_COOKIE,
    REPLICA_PIN_SECONDS,
    PrimaryReplicaRouter,
    ReplicaPinningMiddleware,
)
from directory.organisations.models import Organisation
from tests.config.test_settings import PROD_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def router():
    return PrimaryReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(db_routers, "replica_configured", lambda: True)


def run_in_request(request, view):
    """Runs `view` inside the middleware, as Django would for `request`."""
    return ReplicaPinningMiddleware(view)(request)


def test_without_a_replica_every_read_goes_to_the_primary(router):
    assert router.db_for_read(Organisation) is None
    assert router.db_for_write(Organisation) == DEFAULT_DB_ALIAS


def test_without_a_replica_the_middleware_sets_no_cookie(router):
    def view(request):
        router.db_for_write(Organisation)
        return HttpResponse()

    response = run_in_request(RequestFactory().post("/"), view)

    assert REPLICA_PIN_COOKIE not in response.cookies


def test_reads_of_a_get_go_to_the_replica(router, with_replica):
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Organisation)
        return HttpResponse()

    response = run_in_request(RequestFactory().get("/organisations/"), view)

    assert seen["read"] == REPLICA_DB_ALIAS
    assert REPLICA_PIN_COOKIE not in response.cookies


def test_writes_and_migrations_go_to_the_primary(router, with_replica):
    assert router.db_for_write(Organisation) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "directory") is True
    assert router.allow_migrate(REPLICA_DB_ALIAS, "directory") is False


def test_the_database_cache_stays_on_the_primary_and_pins_nothing(router, with_replica):
    cache_entry = DatabaseCache("rpd_cache", {}).cache_model_class
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(cache_entry)
        seen["write"] = router.db_for_write(cache_entry)
        seen["then"] = router.db_for_read(Organisation)
        return HttpResponse()

    # A rate limit counting an API request: the count is current, and the request (and the
    # visitor's next ones) still read from the replica.
    response = run_in_request(RequestFactory().get("/api/v1/organisations/"), view)

    assert seen == {"read": DEFAULT_DB_ALIAS, "write": DEFAULT_DB_ALIAS, "then": REPLICA_DB_ALIAS}
    assert REPLICA_PIN_COOKIE not in response.cookies


def test_objects_from_either_database_may_be_related(router):
    assert router.allow_relation(Organisation(), Organisation()) is True


@pytest.mark.django_db
def test_reads_inside_a_transaction_go_to_the_primary(router, with_replica):
    # The test itself runs in a transaction; go in one level deeper to be sure.
    with transaction.atomic():
        assert router.db_for_read(Organisation) == DEFAULT_DB_ALIAS


def test_reads_after_a_write_in_the_same_request_go_to_the_primary(router, with_replica):
    seen = {}

    def view(request):
        seen["before"] = router.db_for_read(Organisation)
        router.db_for_write(Organisation)
        seen["after"] = router.db_for_read(Organisation)
        return HttpResponse()

    response = run_in_request(RequestFactory().get("/"), view)

    assert seen == {"before": REPLICA_DB_ALIAS, "after": DEFAULT_DB_ALIAS}
    cookie = response.cookies[REPLICA_PIN_COOKIE]
    assert cookie["max-age"] == REPLICA_PIN_SECONDS
    assert cookie["httponly"] is True


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_read_of_an_unsafe_request_goes_to_the_primary(router, with_replica, method):
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Organisation)
        return HttpResponse()

    run_in_request(getattr(RequestFactory(), method)("/"), view)

    assert seen["read"] == DEFAULT_DB_ALIAS


def test_the_request_after_a_write_reads_from_the_primary(router, with_replica):
    seen = {}

    def view(request):
        seen["read"] = router.db_for_read(Organisation)
        return HttpResponse()

    request = RequestFactory().get("/", headers={"cookie": f"{REPLICA_PIN_COOKIE}=1"})
    response = run_in_request(request, view)

    assert seen["read"] == DEFAULT_DB_ALIAS
    # Reading does not prolong the pin: only a write sets the cookie again.
    assert REPLICA_PIN_COOKIE not in response.cookies


def test_the_pin_ends_with_the_request(router, with_replica):
    def view(request):
        router.db_for_write(Organisation)
        return HttpResponse()

    run_in_request(RequestFactory().post("/"), view)

    seen = {}

    def next_view(request):
        seen["read"] = router.db_for_read(Organisation)
        return HttpResponse()

    run_in_request(RequestFactory().get("/"), next_view)

    assert seen["read"] == REPLICA_DB_ALIAS


REPLICA_SETTINGS_SCRIPT = """
import json
import django
django.setup()
from django.conf import settings
print(json.dumps({alias: db["HOST"] for alias, db in settings.DATABASES.items()}))
print(json.dumps(settings.DATABASES.get("replica", {}).get("TEST", {})))
"""


def production_databases(extra_env: dict[str, str]) -> list[dict]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DJANGO") and k != "DATABASE_REPLICA_URL"
    }
    result = subprocess.run(
        [sys.executable, "-c", REPLICA_SETTINGS_SCRIPT],
        cwd=ROOT,
        env={**clean, **PROD_ENV, **extra_env, "DJANGO_SETTINGS_MODULE": "config.settings.prod"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.strip().splitlines()[-2:]]


def test_production_has_no_replica_unless_configured():
    hosts, _ = production_databases({})

    assert hosts == {"default": "db.example.org"}


def test_production_reads_the_replica_from_the_environment():
    hosts, replica_test_settings = production_databases(
        {"DATABASE_REPLICA_URL": "postgres://rpd:secret@replica.example.org:5432/rpd"}
    )

    assert hosts == {"default": "db.example.org", "replica": "replica.example.org"}
    assert replica_test_settings["MIRROR"] == "default"
