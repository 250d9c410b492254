"""The test database, shared with a `manage.py` subprocess (for tests that kill one halfway).

On PostgreSQL the subprocess connects to pytest-django's test database itself (use the
`transactional_db` fixture, so that the test's rows are committed and the subprocess's are
visible). SQLite's test database lives in this process's memory: it is copied to a file for the
subprocess, and the file copied back afterwards, so the test then reads what the subprocess did.
"""

import os
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _postgresql_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@contextmanager
def shared_database(folder: Path):
    """Yields the DATABASE_URL for a subprocess; on leaving, its writes are visible here."""
    if connection.vendor == "postgresql":
        yield _postgresql_url()
        return
    path = folder / "shared.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    try:
        yield f"sqlite:///{path}"
    finally:
        with sqlite3.connect(path) as copy:
            copy.backup(connection.connection)


def manage(database_url: str, *args: str, settings: str = "config.settings.test", **env):
    """Start `manage.py ARGS` against the shared database; the Popen (stdout, stderr piped)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": settings,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
