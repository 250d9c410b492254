"""The denormalised search data, and the version number that cached search figures key on.

PostgreSQL keeps search documents (tables declared in directory.search.schema; see
directory.search.document_search): per organisation and per service, every filter as a flag or a bit
mask, and the weighted text vectors apart. Triggers on every table they are made from refresh
them within the writing statement, so every write path (forms, admin, importer, shell) keeps
them in step; a bulk load can switch that off with ``deferred_search_documents`` and rebuild
afterwards.

SQLite keeps an FTS5 table (directory_search_fts, rowid the organisation's id) with the same
three parts as PostgreSQL's weighted vector: the name; the summary and service names; the
description, service descriptions and the services' taxonomy term names, each as
search_query.normalise_text reads it (and ``Organisation.search_text``, a lower-cased copy):
call ``refresh_search_documents`` after
saving an organisation or its services (the write services do), and once after a bulk insert
(with no ids: every organisation).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from django.core.cache import cache
from django.db import connection, transaction

from directory.search.schema import FTS_TABLE
from directory.search.search_query import normalise_text

# The text search configuration used both to build the vectors and to parse queries.
SEARCH_CONFIG = "english"

_VERSION_KEY = "search-data-version"
# bm25's weights of FTS_TABLE's columns (name; summary and service names; the rest), as the
# weights A, B and C of PostgreSQL's vector.
FTS5_WEIGHTS = "10.0, 4.0, 1.0"

# SQLite limits the number of bound parameters in one statement.
_ID_CHUNK = 500

_SQLITE_UPDATE = """
UPDATE directory_organisation
SET search_text = lower(
    name || ' ' || summary || ' ' || description || ' ' || coalesce(
        (SELECT group_concat(sv.name || ' ' || sv.description, ' ')
         FROM directory_service AS sv
         WHERE sv.organisation_id = directory_organisation.id),
        ''
    )
)
{where}
"""


def _chunks(ids: Iterable[int], size: int):
    iterator = iter(ids)
    while chunk := list(islice(iterator, size)):
        yield chunk


def search_data_version() -> int:
    """A number that changes whenever search data changes (cached search figures use it).

    PostgreSQL: the newest document's version, read in the caller's snapshot, so a count
    cached under it can never be older than the data it is keyed on. Versions are numbered in
    commit order (migration 0016); a transaction's own uncommitted documents have provisional
    negative ones, from the same sequence, so they count as newer still. SQLite: a counter in
    the cache, moved by refresh_search_documents."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT greatest(coalesce(max(version), 0), -coalesce(min(version), 0)) "
                "FROM directory_search_document"
            )
            return cursor.fetchone()[0]
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def _bump_search_data_version() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)


@transaction.atomic
def refresh_search_documents(*, organisation_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored search data of the given organisations (all when None); return rows."""
    if connection.vendor == "postgresql":
        ids = None if organisation_ids is None else list(organisation_ids)
        with connection.cursor() as cursor:
            cursor.execute("SELECT directory_refresh_search_documents(%s::bigint[])", [ids])
            return cursor.fetchone()[0] or 0
    # Now, for this process's next read, and again at commit, so that a search made by another
    # process in between cannot keep figures from before the commit.
    _bump_search_data_version()
    transaction.on_commit(_bump_search_data_version)
    with connection.cursor() as cursor:
        if organisation_ids is None:
            cursor.execute(_SQLITE_UPDATE.format(where=""))
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
            from directory.organisations.models import Organisation

            everyone = Organisation.objects.order_by("pk").values_list("pk", flat=True)
            for chunk in _chunks(everyone.iterator(), _ID_CHUNK):
                _refresh_fts(cursor, chunk)
            return everyone.count()
        updated = 0
        for chunk in _chunks(organisation_ids, _ID_CHUNK):
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(_SQLITE_UPDATE.format(where=f"WHERE id IN ({placeholders})"), chunk)
            updated += cursor.rowcount
            _refresh_fts(cursor, chunk)
        return updated


def _refresh_fts(cursor, ids: list[int]) -> None:
    """SQLite: the FTS5 rows of the organisations `ids` (those that still exist)."""
    from directory.organisations.models import Organisation, Service

    placeholders = ", ".join(["%s"] * len(ids))
    cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({placeholders})", ids)
    services: dict[int, list[tuple[str, str]]] = {}
    for organisation_id, name, description in Service.objects.filter(
        organisation_id__in=ids
    ).values_list("organisation_id", "name", "description"):
        services.setdefault(organisation_id, []).append((name, description))
    terms: dict[int, list[str]] = {}
    for relation in (Service.pathways, Service.client_groups, Service.settings, Service.regions):
        term = relation.field.m2m_reverse_field_name()
        for organisation_id, name in relation.through.objects.filter(
            service__organisation_id__in=ids
        ).values_list("service__organisation_id", f"{term}__name"):
            terms.setdefault(organisation_id, []).append(name)
    rows = []
    for pk, name, summary, description in Organisation.objects.filter(pk__in=ids).values_list(
        "pk", "name", "summary", "description"
    ):
        offered = services.get(pk, [])
        head = " ".join([summary, *(n for n, _ in offered)])
        body = " ".join([description, *(d for _, d in offered), *terms.get(pk, [])])
        rows.append([pk, *map(normalise_text, [name, head, body])])
    if rows:
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, name, head, body) VALUES (%s, %s, %s, %s)", rows
        )


def count_search_words() -> int:
    """PostgreSQL: count afresh the words misspellings are corrected from (a rebuild of the
    documents does it too); the number of words. SQLite reads them when asked (spelling.py)."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT directory_search_count_words()")
        return cursor.fetchone()[0]


@contextmanager
def deferred_search_documents() -> Iterator[None]:
    """Within a transaction: leave the PostgreSQL search documents alone until it ends (for
    bulk inserts, which then call refresh_search_documents once for everything)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('directory.defer_search_documents', 'on', true)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('directory.defer_search_documents', 'off', true)")
