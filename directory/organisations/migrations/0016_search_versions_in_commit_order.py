"""Search documents' versions numbered in commit order (PostgreSQL).

0015 numbered a document when its refresh wrote it, so a transaction that wrote first and
committed last showed a version below one a reader had already seen, and a reader asking for
"what changed since the version I have" (directory.search.facet_index) would miss it. Now a refresh
numbers its documents provisionally (negative, so they still sort as the newest in their own
transaction), and a constraint trigger deferred to the commit gives them their numbers there,
one committing transaction at a time: an advisory lock held until that commit is done. Once a
reader has seen version v, no version below v can appear later.
"""

import importlib

from django.db import migrations

search_documents = importlib.import_module(
    "directory.organisations.migrations.0015_search_documents"
)

# The advisory lock of numbering (any constant; "RPDS" in ASCII).
NUMBERING_LOCK = 0x52504453

_REFRESH_0015 = search_documents.FUNCTIONS[0]
_PENDING = (
    "BEGIN\n"
    "        INSERT INTO directory_search_pending (transaction_id)\n"
    "        VALUES (txid_current()) ON CONFLICT DO NOTHING;"
)
REFRESH = (
    _REFRESH_0015.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    .replace("nextval('directory_search_version')", "-nextval('directory_search_version')")
    .replace("BEGIN", _PENDING, 1)
)

FORWARDS = [
    # One row per transaction that refreshed documents (its commit numbers them).
    "CREATE TABLE directory_search_pending (transaction_id bigint PRIMARY KEY)",
    f"""
    CREATE FUNCTION directory_search_number_versions() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock({NUMBERING_LOCK});
        UPDATE directory_search_document SET version = nextval('directory_search_version')
        WHERE version < 0;
        DELETE FROM directory_search_pending WHERE transaction_id = NEW.transaction_id;
        RETURN NULL;
    END $$
    """,
    "CREATE CONSTRAINT TRIGGER directory_search_pending_number AFTER INSERT "
    "ON directory_search_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
    "EXECUTE FUNCTION directory_search_number_versions()",
    REFRESH,
]

BACKWARDS = [
    _REFRESH_0015.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
    "DROP TRIGGER IF EXISTS directory_search_pending_number ON directory_search_pending",
    "DROP FUNCTION IF EXISTS directory_search_number_versions()",
    "DROP TABLE IF EXISTS directory_search_pending",
]


def number_in_commit_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        search_documents._execute(schema_editor, FORWARDS)


def number_when_written(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        search_documents._execute(schema_editor, BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("directory", "0015_search_documents")]

    operations = [migrations.RunPython(number_in_commit_order, number_when_written)]
