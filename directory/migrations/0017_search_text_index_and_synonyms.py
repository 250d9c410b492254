"""Search relevance: the domain's synonym groups as data, and SQLite's FTS5 text index.

- SearchSynonym: word and phrase groups a search treats as one, seeded with the domain's
  (moderators keep them in the admin).
- SQLite: directory_search_fts, an FTS5 table (porter stemmer over unicode61, accents
  removed) with the organisation's id as its rowid and three columns as PostgreSQL's weights:
  name; summary and service names; description and service descriptions. Filled here, then
  kept by search_index.refresh_search_documents, the same call that keeps PostgreSQL's.
"""

from django.db import migrations, models

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
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(CREATE_FTS)
    # The same fill as every later refresh (it reads only columns this migration has).
    from directory.search_index import refresh_search_documents

    refresh_search_documents()


def drop_text_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS directory_search_fts")


class Migration(migrations.Migration):
    dependencies = [("directory", "0016_search_versions_in_commit_order")]

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
