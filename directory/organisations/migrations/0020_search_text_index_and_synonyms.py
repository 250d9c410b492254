"""Search relevance: the domain's synonym groups as data, and SQLite's FTS5 text index.

- SearchSynonym: word and phrase groups a search treats as one, seeded with the domain's
  (moderators keep them in the admin).
- SQLite: directory_search_fts, an FTS5 table (porter stemmer over unicode61, accents
  removed) with the organisation's id as its rowid and three columns as PostgreSQL's weights:
  name; summary and service names; description, service descriptions and the names of the
  services' taxonomy terms. Filled here, then kept by search_index.refresh_search_documents,
  the same call that keeps PostgreSQL's.
- PostgreSQL: the text documents' description part (weight C) takes the services' taxonomy
  term names too; every text document is made again.
"""

import importlib

from django.db import migrations, models

search_documents = importlib.import_module(
    "directory.organisations.migrations.0015_search_documents"
)

# The taxonomy terms of an organisation's services, by their tables: (link table, its term
# column, the term table).
SERVICE_TERMS = [
    ("directory_service_pathways", "pathway_id", "directory_pathway"),
    ("directory_service_client_groups", "clientgroup_id", "directory_clientgroup"),
    ("directory_service_settings", "deliverysetting_id", "directory_deliverysetting"),
    ("directory_service_regions", "region_id", "directory_region"),
]
_TERM_NAMES = " || ' ' || ".join(
    f"coalesce((SELECT string_agg(t.name, ' ') FROM directory_service ts JOIN {link} l "
    f"ON l.service_id = ts.id JOIN {terms} t ON t.id = l.{column} "
    "WHERE ts.organisation_id = o.id), '')"
    for link, column, terms in SERVICE_TERMS
)
# PostgreSQL: the services' term names join the description's weight (C), so that a query
# naming a region, pathway or group ("Yorkshire", "women") finds the organisations serving it.
TEXT_SOURCE = search_documents.TEXT_SOURCE.replace(
    "CREATE VIEW", "CREATE OR REPLACE VIEW", 1
).replace(
    "setweight(to_tsvector('english', o.description), 'C')",
    f"setweight(to_tsvector('english', o.description || ' ' || {_TERM_NAMES}), 'C')",
    1,
)

SYNONYMS = [
    ["housing", "accommodation", "homes"],
    [
        "ex-offender",
        "offender",
        "prison leaver",
        "people with convictions",
        "people in contact with the justice system",
    ],
    ["reoffending", "recidivism"],
    ["mentoring", "befriending", "peer support"],
    ["employment", "jobs", "work"],
    ["drugs", "substance misuse", "addiction"],
    ["probation", "community sentence"],
]

CREATE_FTS = (
    "CREATE VIRTUAL TABLE directory_search_fts USING fts5(name, head, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)


def seed_synonyms(apps, schema_editor):
    SearchSynonym = apps.get_model("directory", "SearchSynonym")
    if SearchSynonym.objects.exists():
        return
    SearchSynonym.objects.bulk_create(SearchSynonym(terms="\n".join(group)) for group in SYNONYMS)


def create_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TEXT_SOURCE)
        schema_editor.execute(
            "INSERT INTO directory_search_text SELECT * FROM directory_search_text_source "
            "ON CONFLICT (organisation_id) DO UPDATE SET search_vector = EXCLUDED.search_vector"
        )
        return
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(CREATE_FTS)
    # The same fill as every later refresh (it reads only columns this migration has).
    from directory.search.search_index import refresh_search_documents

    refresh_search_documents()


def drop_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        previous = search_documents.TEXT_SOURCE.replace("CREATE VIEW", "CREATE OR REPLACE VIEW")
        schema_editor.execute(previous)
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS directory_search_fts")


class Migration(migrations.Migration):
    dependencies = [("directory", "0019_security_shortlist_note_version")]

    operations = [
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "terms",
                    models.TextField(
                        help_text="One word or phrase a line. A search for any of them finds "
                        "all of them."
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"ordering": ["id"], "verbose_name": "search synonym group"},
        ),
        migrations.RunPython(seed_synonyms, migrations.RunPython.noop),
        migrations.RunPython(create_text_index, drop_text_index),
    ]
