"""Search documents say whether an organisation is registered only in Scotland or Northern
Ireland (place_selectors.registered_only_elsewhere), so that each search path reads one column
to leave such organisations out; PostgreSQL only."""

import importlib

from django.db import migrations

search_documents = importlib.import_module("directory.migrations.0015_search_documents")
commit_order = importlib.import_module("directory.migrations.0016_search_versions_in_commit_order")

COLUMN = "registered_only_elsewhere"
# A Scottish or Northern Irish number (Companies House prefixes SC, SO, SL; NI, NC, R0) and no
# England and Wales charity number or company number (two digits first).
EXPRESSION = (
    "(o.charity_number_scotland <> '' OR o.charity_number_ni <> '' "
    "OR left(o.company_number, 2) IN ('SC', 'SO', 'SL', 'NI', 'NC', 'R0')) "
    "AND o.charity_number_ew = '' AND o.company_number !~ '^[0-9]{2}'"
)
_LAST_COLUMN = "    e.jdl::integer AS jdl_count\n"
_SOURCE = search_documents.DOCUMENT_SOURCE.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1)
SOURCE = _SOURCE.replace(
    _LAST_COLUMN, f"    e.jdl::integer AS jdl_count,\n    {EXPRESSION} AS {COLUMN}\n", 1
)
_LIST = search_documents._DOCUMENT_LIST
_UPDATES = search_documents._DOCUMENT_UPDATES
REFRESH = commit_order.REFRESH.replace(_LIST, f"{_LIST}, {COLUMN}").replace(
    _UPDATES, f"{_UPDATES}, {COLUMN} = EXCLUDED.{COLUMN}"
)
assert SOURCE != _SOURCE and REFRESH.count(COLUMN) == 6

FORWARD = [
    f"ALTER TABLE directory_search_document ADD COLUMN {COLUMN} boolean NOT NULL DEFAULT false",
    SOURCE,
    REFRESH,
    f"UPDATE directory_search_document d SET {COLUMN} = s.{COLUMN} "
    f"FROM directory_search_document_source s "
    f"WHERE s.organisation_id = d.organisation_id AND s.{COLUMN}",
]
BACKWARD = [
    commit_order.REFRESH,
    "DROP VIEW directory_search_document_source",
    search_documents.DOCUMENT_SOURCE,
    f"ALTER TABLE directory_search_document DROP COLUMN {COLUMN}",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("directory", "0022_registers_name_sort_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
