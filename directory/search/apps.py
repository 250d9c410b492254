from django.apps import AppConfig
from django.db.models.signals import post_migrate


def drop_orphan_text_rows(sender, *, using: str, **kwargs) -> None:
    """SQLite: forget the text index rows of organisations no longer there (a flush, which
    sends post_migrate, empties the tables but not the FTS5 index, and ids are then reused)."""
    from django.db import connections

    from directory.search.schema import FTS_TABLE

    connection = connections[using]
    if connection.vendor != "sqlite" or FTS_TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM directory_organisation)"
        )


class SearchConfig(AppConfig):
    name = "directory.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        from accounts.personal_data import personal_data_register
        from directory.search import personal_data

        post_migrate.connect(drop_orphan_text_rows, sender=self)
        personal_data_register(export=personal_data.export)
