"""Move aside a development db.sqlite3 made by an older migration history, so `make run` builds
a fresh one instead of serving 500s.

The migrations were started afresh when directory/ was split into apps, and again when the
models moved to the apps that own them (no database had been deployed). An older db.sqlite3
records migrations that no longer exist, and `migrate` then takes it for up to date while its
tables lack the new columns. Only the embedded SQLite file is touched, never a DATABASE_URL
database.
"""

import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "db.sqlite3"
# Each project app label and the folder of its migrations.
MIGRATION_FOLDERS = {
    "directory": ROOT / "directory/organisations/migrations",
    "moderation": ROOT / "directory/moderation/migrations",
    "search": ROOT / "directory/search/migrations",
    "shortlists": ROOT / "directory/shortlists/migrations",
    "opendata": ROOT / "directory/opendata/migrations",
    "accounts": ROOT / "accounts/migrations",
    "consortia": ROOT / "consortia/migrations",
    "outbox": ROOT / "outbox/migrations",
}


def unknown_migrations(database: Path) -> list[str]:
    """The project migrations the database records that the code no longer has."""
    with sqlite3.connect(database) as connection:
        try:
            rows = connection.execute("SELECT app, name FROM django_migrations").fetchall()
        except sqlite3.OperationalError:  # not migrated yet
            return []
    return [
        f"{app}.{name}"
        for app, name in rows
        if app in MIGRATION_FOLDERS and not (MIGRATION_FOLDERS[app] / f"{name}.py").exists()
    ]


def main() -> int:
    if os.environ.get("DATABASE_URL") or not DATABASE.exists():
        return 0
    unknown = unknown_migrations(DATABASE)
    if not unknown:
        return 0
    kept = DATABASE.with_name(f"db.sqlite3.old-{time.strftime('%Y%m%d-%H%M%S')}")
    DATABASE.rename(kept)
    sys.stdout.write(
        f"db.sqlite3 was made by an older version ({len(unknown)} migrations that no longer "
        f"exist, e.g. {unknown[0]}): moved to {kept.name}; a fresh one is built now.\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
