"""Indexes for the A to Z order of names ignoring case and a leading "The"
(document_search.SORT_NAME_SQL), in place of the plain name indexes; PostgreSQL only."""

from django.db import migrations

SORT_NAME = "regexp_replace(lower(name), '^the ', '')"
FORWARD = [
    "DROP INDEX IF EXISTS directory_search_document_name",
    "DROP INDEX IF EXISTS directory_search_document_verified",
    "CREATE INDEX directory_search_document_name ON directory_search_document "
    f"(({SORT_NAME}), organisation_id) WHERE published",
    "CREATE INDEX directory_search_document_verified ON directory_search_document "
    f"(last_verified_at DESC NULLS LAST, ({SORT_NAME}), organisation_id) WHERE published",
]
BACKWARD = [
    "DROP INDEX IF EXISTS directory_search_document_name",
    "DROP INDEX IF EXISTS directory_search_document_verified",
    "CREATE INDEX directory_search_document_name ON directory_search_document "
    "(name, organisation_id) WHERE published",
    "CREATE INDEX directory_search_document_verified ON directory_search_document "
    "(last_verified_at DESC NULLS LAST, name, organisation_id) WHERE published",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0021_registers_register_entries")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
