from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(sender, *, using: str, **kwargs) -> None:
    """After every `migrate`, the table of a database cache (production without REDIS_URL):
    createcachetable does nothing when the table exists or no cache is kept in the database."""
    call_command("createcachetable", database=using, verbosity=0)


def drop_orphan_text_rows(sender, *, using: str, **kwargs) -> None:
    """SQLite: forget the text index rows of organisations no longer there (a flush, which
    sends post_migrate, empties the tables but not the FTS5 index, and ids are then reused)."""
    from django.db import connections

    from directory.search.search_index import FTS_TABLE

    connection = connections[using]
    if connection.vendor != "sqlite" or FTS_TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM directory_organisation)"
        )


class DirectoryConfig(AppConfig):
    name = "directory.organisations"
    # The models keep the label they were made under, so their tables and migrations stay.
    label = "directory"
    verbose_name = "Directory"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=self)
        post_migrate.connect(drop_orphan_text_rows, sender=self)
