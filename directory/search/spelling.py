"""Misspelt words corrected from the directory's own words (docs/search.md, "Misspellings").

A word of a query that no organisation uses (and that is no synonym) is replaced by the most
used word of the directory's vocabulary within a small edit distance: the words of
organisations' names and summaries, services' names, taxonomy terms and synonyms. PostgreSQL
keeps the vocabulary in a table (schema.py: counted by a timer, a new word added by the
triggers at once) and reads only the words that could correct a misspelt one; SQLite reads
its texts once per process every few minutes. A correction is kept as long.
"""

import re

from django.core.cache import caches
from django.db import connection

from directory.organisations.models import Organisation
from directory.search.search_index import FTS_TABLE
from directory.search.search_query import STOP_WORDS, synonym_groups, synonym_key, words_of

VOCABULARY_SECONDS = 600
KNOWN_SECONDS = 300
_MIN_LENGTH = 4
# The stored words (and, as used once, those not counted yet) that could correct a word: with
# its first letter or its first two swapped, and a length within reach (_pg_words fills in
# the conditions).
_PG_WORDS = """
SELECT word, max(uses) FROM (
    SELECT word, uses FROM directory_search_word WHERE {near}
    UNION ALL SELECT word, 1 FROM directory_search_new_word WHERE {near}
) words GROUP BY word
"""
_SQLITE_TEXTS = (
    "SELECT name || ' ' || summary FROM directory_organisation WHERE status = %s "
    "UNION ALL SELECT name FROM directory_service"
)


def _limit(word: str) -> int:
    """The edits a correction of `word` may make: one, two for words of eight letters or more."""
    return 2 if len(word) >= 8 else 1


def _pg_words(misspelt: list[str]) -> dict[str, int]:
    """PostgreSQL: the stored words that could correct one of `misspelt` (closest_word's
    candidates), and how often each is used."""
    conditions, params = [], []
    for word in misspelt:
        limit = _limit(word)
        for start in dict.fromkeys([word[0], word[1::-1]]):
            # The "C" collation lets the primary key's index find the prefix.
            conditions.append("(word LIKE %s AND length(word) BETWEEN %s AND %s)")
            params += [start + "%", len(word) - limit, len(word) + limit]
    near = " OR ".join(conditions)
    with connection.cursor() as cursor:
        cursor.execute(_PG_WORDS.format(near=near), params + params)
        return dict(cursor.fetchall())


def _sqlite_words() -> dict[str, int]:
    """SQLite: every word of published organisations' names and summaries and of services'
    names, and how often each is used (read once per process every VOCABULARY_SECONDS)."""
    found = caches["search"].get("search-vocabulary")
    if found is not None:
        return found
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_TEXTS, [Organisation.Status.PUBLISHED])
        texts = cursor.fetchall()
    for (text,) in texts:
        for word in words_of(text):
            found[word] = found.get(word, 0) + 1
    caches["search"].set("search-vocabulary", found, VOCABULARY_SECONDS)
    return found


def vocabulary(taxonomy: dict, misspelt: list[str]) -> dict[str, int]:
    """The directory's words and how often each is used (`taxonomy`: the search's terms by
    group, whose names count as words too): on PostgreSQL, only those stored words that could
    correct one of `misspelt`."""
    found = _pg_words(misspelt) if connection.vendor == "postgresql" else dict(_sqlite_words())
    extra = [t.name for terms in taxonomy.values() for t in terms]
    # Each synonym once, from the groups the query was read with (no query of its own).
    extra += {" ".join(words) for terms in synonym_groups().values() for words in terms}
    for word in words_of(" ".join(extra)):
        found[word] = found.get(word, 0) + 1
    return {w: n for w, n in found.items() if len(w) >= 3 and w.isalpha()}


def unknown_words(words: list[str]) -> set[str]:
    """Those of `words` that no organisation's text has (one query for the words not cached)."""
    known = caches["search"].get_many([f"search-known:{w}" for w in words])
    asked = [w for w in words if f"search-known:{w}" not in known]
    if asked:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT w, EXISTS (SELECT 1 FROM directory_search_text x "
                    "WHERE x.search_vector @@ to_tsquery('english', w)) FROM unnest(%s::text[]) w",
                    [asked],
                )
            else:
                exists = f"SELECT %s, EXISTS (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
                cursor.execute(
                    " UNION ALL ".join([exists] * len(asked)),
                    [x for w in asked for x in (w, f'"{w}"')],
                )
            found = {f"search-known:{w}": bool(exists) for w, exists in cursor.fetchall()}
        caches["search"].set_many(found, KNOWN_SECONDS)
        known.update(found)
    return {w for w in words if not known[f"search-known:{w}"]}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions) distance, or limit + 1 when above it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (ca != cb))
            if before and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def closest_word(word: str, words: dict[str, int]) -> str | None:
    """The most used word within one edit (two for words of eight letters or more)."""
    limit = _limit(word)
    best = None
    for candidate, uses in words.items():
        if candidate[0] != word[0] and candidate[:2] != word[1::-1]:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or (distance, -uses) < best[0]):
            best = ((distance, -uses), candidate)
    return best[1] if best else None


def closest_words(misspelt: list[str], taxonomy: dict) -> dict[str, str]:
    """Each of `misspelt` that has a correction, with it (kept VOCABULARY_SECONDS; "" is kept
    for none)."""
    kept = caches["search"].get_many([f"search-correction:{w}" for w in misspelt])
    asked = [w for w in misspelt if f"search-correction:{w}" not in kept]
    if asked:
        words = vocabulary(taxonomy, asked)
        found = {f"search-correction:{w}": closest_word(w, words) or "" for w in asked}
        caches["search"].set_many(found, VOCABULARY_SECONDS)
        kept.update(found)
    return {w: fixed for w in misspelt if (fixed := kept[f"search-correction:{w}"])}


_TOKEN = re.compile(r"\S+")


def correct_spelling(text: str, *, taxonomy: dict) -> str | None:
    """`text` with its misspelt words corrected, or None when none is (`taxonomy`: as
    vocabulary's)."""
    if '"' in text:
        return None
    candidates = []
    for token in _TOKEN.findall(text):
        words = words_of(token.lstrip("-"))
        if len(words) == 1 and len(words[0]) >= _MIN_LENGTH and words[0].isalpha():
            candidates.append(words[0])
    groups = synonym_groups()
    candidates = [w for w in candidates if w not in STOP_WORDS and synonym_key([w]) not in groups]
    if not candidates:
        return None
    unknown = unknown_words(list(dict.fromkeys(candidates)))
    if not unknown:
        return None
    corrections = closest_words(sorted(unknown), taxonomy)
    if not corrections:
        return None

    def replace(match: re.Match) -> str:
        token = match.group()
        words = words_of(token.lstrip("-"))
        if len(words) == 1 and words[0] in corrections:
            return ("-" if token.startswith("-") else "") + corrections[words[0]]
        return token

    return _TOKEN.sub(replace, text)
