"""Quoted phrases with stop words, and words that must be found as written, from an index.

PostgreSQL's english vectors leave stop words out, so `"through the gate"` was checked word
for word by a regular expression over each candidate's whole text (over a minute at 250,000
organisations). directory_search_text gains `phrase_vector`: the same text in the `simple`
configuration (every word as written, stop words kept, nothing stemmed) with apostrophes made
one and possessives dropped (as search_query.normalise_text), GIN-indexed. Its weights tell
the parts apart, so one vector stands for the three english ones:

- A: the name (name_vector);
- B: the summary and service names (with A: head_vector);
- C: service descriptions, D: the description and the services' taxonomy term names (with A
  and B: search_vector).

SearchQuery.phrase_tsquery then asks it with `phraseto`-style `<->` and weight labels.
"""

import importlib

from django.db import migrations

search_documents = importlib.import_module("directory.migrations.0015_search_documents")
text_index = importlib.import_module("directory.migrations.0020_search_text_index_and_synonyms")
based = importlib.import_module("directory.migrations.0023_based_own_address_in_search")

PHRASE_CONFIG = "simple"
# Apostrophes of every kind made one (search_query._APOSTROPHES), in SQL quoting.
_APOSTROPHES = "'’‘ʼ`´′'"
_ONE_APOSTROPHE = "'" + "''" * len("’‘ʼ`´′") + "'"


def phrase_text(expression: str) -> str:
    """`expression` as search_query.normalise_text reads it: possessives and inner
    apostrophes dropped ("women's" is women, "don't" dont)."""
    unified = f"translate(lower({expression}), {_APOSTROPHES}, {_ONE_APOSTROPHE})"
    without_possessives = f"regexp_replace({unified}, '(\\w)''s\\M', '\\1', 'g')"
    return f"regexp_replace({without_possessives}, '(\\w)''(\\w)', '\\1\\2', 'g')"


def _weighted(expression: str, weight: str) -> str:
    return f"setweight(to_tsvector('{PHRASE_CONFIG}', {phrase_text(expression)}), '{weight}')"


PHRASE_VECTOR = (
    _weighted("o.name", "A")
    + "\n        || "
    + _weighted("o.summary || ' ' || coalesce(sv.names, '')", "B")
    + "\n        || "
    + _weighted("coalesce(sv.descriptions, '')", "C")
    + "\n        || "
    + _weighted(f"o.description || ' ' || {text_index._TERM_NAMES}", "D")
)

_SEARCH_VECTOR_END = "AS search_vector\n"
_TEXTS_END = "AS texts\n"
TEXT_SOURCE = text_index.TEXT_SOURCE.replace(
    _SEARCH_VECTOR_END, f"AS search_vector,\n    {PHRASE_VECTOR} AS phrase_vector\n", 1
).replace(
    _TEXTS_END,
    "AS texts,\n           string_agg(x.description, ' ' ORDER BY x.position, x.id) "
    "AS descriptions\n",
    1,
)
_UPDATE_END = "search_vector = EXCLUDED.search_vector;"
REFRESH = based.REFRESH.replace(
    _UPDATE_END,
    "search_vector = EXCLUDED.search_vector,\n            phrase_vector = EXCLUDED.phrase_vector;",
    1,
)
assert TEXT_SOURCE.count("phrase_vector") == 1 and "AS descriptions" in TEXT_SOURCE
assert REFRESH.count("phrase_vector") == 2

FORWARD = [
    "ALTER TABLE directory_search_text ADD COLUMN phrase_vector tsvector",
    TEXT_SOURCE,
    REFRESH,
    "UPDATE directory_search_text t SET phrase_vector = s.phrase_vector "
    "FROM directory_search_text_source s WHERE s.organisation_id = t.organisation_id",
    "ALTER TABLE directory_search_text ALTER COLUMN phrase_vector SET NOT NULL",
    "CREATE INDEX directory_search_text_phrase ON directory_search_text USING gin (phrase_vector)",
    "ANALYZE directory_search_text",
]
BACKWARD = [
    based.REFRESH,
    # A view's columns cannot be dropped by replacing it.
    "DROP VIEW directory_search_text_source",
    text_index.TEXT_SOURCE.replace("CREATE OR REPLACE VIEW", "CREATE VIEW", 1),
    "ALTER TABLE directory_search_text DROP COLUMN phrase_vector",
]


class Migration(migrations.Migration):
    dependencies = [("directory", "0023_based_own_address_in_search")]

    operations = [migrations.RunPython(based._run(FORWARD), based._run(BACKWARD))]
