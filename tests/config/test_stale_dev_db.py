"""make run moves aside a db.sqlite3 made by the migration history before the restructure."""

import importlib.util
import sqlite3
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "stale_dev_db.py"
spec = importlib.util.spec_from_file_location("stale_dev_db", SCRIPT)
stale_dev_db = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stale_dev_db)


def database_with(tmp_path, rows) -> Path:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE django_migrations (app text, name text)")
        connection.executemany("INSERT INTO django_migrations VALUES (?, ?)", rows)
    return path


def test_a_database_of_the_old_history_is_found_stale(tmp_path):
    path = database_with(
        tmp_path, [("directory", "0001_initial"), ("directory", "0023_based_own_address_in_search")]
    )
    assert stale_dev_db.unknown_migrations(path) == ["directory.0023_based_own_address_in_search"]


def test_a_database_from_before_the_models_moved_to_their_apps_is_found_stale(tmp_path):
    path = database_with(
        tmp_path,
        [
            ("directory", "0001_initial"),
            ("directory", "0003_own_address_coordinates"),
            ("search", "0001_search_schema"),
        ],
    )
    assert stale_dev_db.unknown_migrations(path) == [
        "directory.0003_own_address_coordinates",
        "search.0001_search_schema",
    ]


def test_a_database_of_today_s_migrations_is_kept(tmp_path):
    path = database_with(
        tmp_path,
        [
            ("directory", "0001_initial"),
            ("moderation", "0001_initial"),
            ("search", "0002_search_schema"),
            ("shortlists", "0001_initial"),
            ("opendata", "0001_initial"),
            ("auth", "0001_x"),
        ],
    )
    assert stale_dev_db.unknown_migrations(path) == []


def test_the_makefile_checks_before_migrating():
    makefile = (SCRIPT.parents[1] / "Makefile").read_text()
    assert makefile.index("scripts/stale_dev_db.py") < makefile.index("migrate --noinput")
