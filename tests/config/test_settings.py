import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "SECRET_KEY": "k3y-for-deploy-check-only-7f9c2e1ab84d6c03e5f7a9b2d4c6e8f0a1b3c5d7e9",
    "ALLOWED_HOSTS": "partners.example.org",
    "DATABASE_URL": "postgres://rpd:secret@db.example.org:5432/rpd",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def run_prod(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`python <args>` in the project with the production settings and only `env` set."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PROD_ENV and k != "REDIS_URL" and not k.startswith("DJANGO")
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings.prod"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_prod_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_prod(env, "manage.py", "check", *args)


def production_caches(env: dict[str, str]) -> dict:
    result = run_prod(
        env,
        "-c",
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CACHES))",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("missing", sorted(PROD_ENV))
def test_production_refuses_to_start_without_required_variables(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run_prod_check(env)
    assert result.returncode != 0
    expected = "EMAIL_HOST" if missing == "EMAIL_URL" else missing
    assert expected in result.stderr


def test_production_refuses_sqlite():
    result = run_prod_check({**PROD_ENV, "DATABASE_URL": "sqlite:///tmp.db"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_production_passes_deploy_checks():
    result = run_prod_check(PROD_ENV, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_redis_keeps_its_cache_in_the_database():
    """Rate limits count in the cache: a per-process cache would give each gunicorn worker a
    limit of its own."""
    caches_ = production_caches(PROD_ENV)
    assert caches_["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    # The search's counts are keyed by the data's version: each process keeps its own.
    assert set(caches_) == {"default", "search"}
    assert caches_["search"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_with_redis_keeps_its_cache_there():
    caches_ = production_caches({**PROD_ENV, "REDIS_URL": "redis://cache.example.org:6379/0"})
    assert caches_["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.example.org:6379/0",
    }


@pytest.mark.django_db
def test_production_s_database_cache_is_made_by_migrate_and_shared_by_every_worker():
    with override_settings(CACHES=production_caches(PROD_ENV)):
        table = caches["default"]._table
        assert table not in connection.introspection.table_names()
        # What `migrate` does once it has applied the migrations (none to apply here).
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
        assert table in connection.introspection.table_names()
        # Two workers' caches: what one counts, the other sees.
        first, second = caches.create_connection("default"), caches.create_connection("default")
        first.add("problem-report:203.0.113.1", 0)
        first.incr("problem-report:203.0.113.1")
        second.incr("problem-report:203.0.113.1")
        assert first.get("problem-report:203.0.113.1") == 2
