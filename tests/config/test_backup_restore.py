"""`make backup` / `make restore` (scripts/backup.sh, scripts/restore.sh) round-trip every row."""

import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection

from tests.factories import (
    ClaimRequestFactory,
    DeliveryLocationFactory,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    MembershipFactory,
    OrganisationFactory,
    ServiceFactory,
    ShortlistFactory,
    ShortlistItemFactory,
    ShortlistShareFactory,
    VerifiedEmailAddressFactory,
)

ROOT = Path(__file__).resolve().parents[2]

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="backups are pg_dump/pg_restore of PostgreSQL"
)


def database_url() -> str:
    """The URL of the test database (pytest-django's, not the one in DATABASE_URL)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def run_script(script: str, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def every_row() -> dict[str, list[tuple]]:
    """Every row of every table the project's models (and their many-to-many tables) own."""
    return {
        model._meta.db_table: list(model._base_manager.order_by("pk").values_list())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def make_directory_data() -> None:
    organisations = []
    for number in range(3):
        organisation = OrganisationFactory()
        service = ServiceFactory(organisation=organisation)
        DeliveryLocationFactory(service=service)
        EvidenceItemFactory(organisation=organisation)
        JusticeDataLabEvidenceFactory(organisation=organisation)
        member = VerifiedEmailAddressFactory().user
        MembershipFactory(user=member, organisation=organisation)
        ClaimRequestFactory(organisation=organisation, message=f"Claim number {number}")
        organisations.append(organisation)
    for number in range(2):
        shortlist = ShortlistFactory(description=f"Shortlist number {number}")
        for organisation in organisations:
            ShortlistItemFactory(shortlist=shortlist, organisation=organisation, note="Call first")
        ShortlistShareFactory(shortlist=shortlist)


@pytest.mark.postgres
@needs_postgresql
def test_backup_then_restore_brings_back_every_row(transactional_db, tmp_path):
    make_directory_data()
    before = every_row()
    assert all(before[table] for table in ("directory_organisation", "directory_service"))
    assert before["directory_evidenceitem"] and before["accounts_membership"]
    assert len(before["shortlists_shortlist"]) == 2
    assert len(before["shortlists_shortlistitem"]) == 6
    assert len(before["shortlists_shortlistshare"]) == 2

    dump = Path(run_script("backup.sh", str(tmp_path)).stdout.strip().splitlines()[-1])
    assert dump.parent == tmp_path and dump.suffix == ".dump" and dump.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone() == (0,)

    run_script("restore.sh", str(dump))

    after = every_row()
    assert after == before


def test_restore_refuses_a_missing_dump(tmp_path):
    result = subprocess.run(
        [str(ROOT / "scripts" / "restore.sh"), str(tmp_path / "missing.dump")],
        env={**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "No such dump" in result.stderr


@pytest.mark.parametrize("url", ["", "sqlite:///db.sqlite3"])
def test_backup_refuses_anything_but_postgresql(tmp_path, url):
    result = subprocess.run(
        [str(ROOT / "scripts" / "backup.sh"), str(tmp_path)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert not list(tmp_path.iterdir())
