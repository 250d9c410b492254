import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "SECRET_KEY": "k3y-for-deploy-check-only-7f9c2e1ab84d6c03e5f7a9b2d4c6e8f0a1b3c5d7e9",
    "ALLOWED_HOSTS": "partners.example.org",
    "DATABASE_URL": "postgres://rpd:secret@db.example.org:5432/rpd",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def run_prod_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in PROD_ENV and not k.startswith("DJANGO")
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings.prod"},
        capture_output=True,
        text=True,
        timeout=120,
    )


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
