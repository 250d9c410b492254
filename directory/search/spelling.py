"""Misspelt words corrected from the directory's own words (docs/search.md, "Misspellings").

A word of a query that no organisation uses (and that is no synonym) is replaced by the most
used word of the directory's vocabulary within a small edit distance: the words of
organisations' names and summaries, services' names, taxonomy terms and synonyms. The
vocabulary is read once per process every few minutes: a word added since is known to the
index at once, only not yet offered as a correction.
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
_PG_WORDS = r"""
SELECT w, count(*) FROM (
    SELECT regexp_split_to_table(lower(name || ' ' || summary), '[^[:alpha:]]+') AS w
    FROM directory_organisation WHERE status = 'published'
    UNION ALL
    SELECT regexp_split_to_table(lower(name), '[^[:alpha:]]+') FROM directory_service
) words WHERE length(w) >= 3 GROUP BY w
"""
_SQLITE_TEXTS = (
    "SELECT name || ' ' || summary FROM directory_organisation WHERE status = %s "
    "UNION ALL SELECT name FROM directory_service"
)


def vocabulary(taxonomy: dict) -> dict[str, int]:
    """The directory's words and how often each is used (`taxonomy`: the search's terms by
    group, whose names count as words too)."""
    found = caches["search"].get("search-vocabulary")
    if found is not None:
        return found
    found = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_WORDS)
            found = dict(cursor.fetchall())
    else:
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE_TEXTS, [Organisation.Status.PUBLISHED])
            texts = cursor.fetchall()
        for (text,) in texts:
            for word in words_of(text):
                found[word] = found.get(word, 0) + 1
    extra = [t.name for terms in taxonomy.values() for t in terms]
    # Each synonym once, from the groups the query was read with (no query of its own).
    extra += {" ".join(words) for terms in synonym_groups().values() for words in terms}
    for word in words_of(" ".join(extra)):
        found[word] = found.get(word, 0) + 1
    found = {w: n for w, n in found.items() if len(w) >= 3 and w.isalpha()}
    caches["search"].set("search-vocabulary", found, VOCABULARY_SECONDS)
    return found


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
    limit = 2 if len(word) >= 8 else 1
    best = None
    for candidate, uses in words.items():
        if candidate[0] != word[0] and candidate[:2] != word[1::-1]:
            continue
        distance = edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or (distance, -uses) < best[0]):
            best = ((distance, -uses), candidate)
    return best[1] if best else None


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
    words = vocabulary(taxonomy)
    corrections = {w: fixed for w in unknown if (fixed := closest_word(w, words))}
    if not corrections:
        return None

    def replace(match: re.Match) -> str:
        token = match.group()
        words = words_of(token.lstrip("-"))
        if len(words) == 1 and words[0] in corrections:
            return ("-" if token.startswith("-") else "") + corrections[words[0]]
        return token

    return _TOKEN.sub(replace, text)
