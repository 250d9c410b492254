"""The denormalised search data stored on each organisation, recomputed set-based.

PostgreSQL keeps a weighted ``search_vector`` (name A; summary and services B; description C)
with a GIN index; SQLite keeps ``search_text``, a lower-cased copy of the same text. Call
``refresh_search_documents`` after saving an organisation or its services, and once after a
bulk insert (with no ids: every organisation, in one statement).
"""

from collections.abc import Iterable
from itertools import islice

from django.core.cache import cache
from django.db import connection, transaction

# The text search configuration used both to build the vectors and to parse queries.
SEARCH_CONFIG = "english"

_VERSION_KEY = "search-data-version"

# SQLite limits the number of bound parameters in one statement.
_ID_CHUNK = 500

_POSTGRES_UPDATE = """
UPDATE directory_organisation AS o
SET search_vector =
    setweight(to_tsvector('english', o.name), 'A')
    || setweight(to_tsvector('english', o.summary), 'B')
    || setweight(to_tsvector('english', coalesce(s.service_text, '')), 'B')
    || setweight(to_tsvector('english', o.description), 'C')
FROM (
    SELECT o2.id, string_agg(sv.name || ' ' || sv.description, ' ') AS service_text
    FROM directory_organisation AS o2
    LEFT JOIN directory_service AS sv ON sv.organisation_id = o2.id
    {where}
    GROUP BY o2.id
) AS s
WHERE o.id = s.id
"""

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
    """A number that changes whenever search data is refreshed (cached search figures use it)."""
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def _bump_search_data_version() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)


@transaction.atomic
def refresh_search_documents(*, organisation_ids: Iterable[int] | None = None) -> int:
    """Recompute the stored search data of the given organisations (all when None); return rows."""
    # Now, for this process's next read, and again at commit, so that a search made by another
    # process in between cannot keep figures from before the commit.
    _bump_search_data_version()
    transaction.on_commit(_bump_search_data_version)
    if connection.vendor == "postgresql":
        template, where_all, where_some = _POSTGRES_UPDATE, "", "WHERE o2.id = ANY(%s)"
    else:
        template, where_all, where_some = _SQLITE_UPDATE, "", "WHERE id IN ({placeholders})"
    with connection.cursor() as cursor:
        if organisation_ids is None:
            cursor.execute(template.format(where=where_all))
            return cursor.rowcount
        updated = 0
        for chunk in _chunks(organisation_ids, _ID_CHUNK):
            if connection.vendor == "postgresql":
                cursor.execute(template.format(where=where_some), [chunk])
            else:
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    template.format(where=where_some.format(placeholders=placeholders)), chunk
                )
            updated += cursor.rowcount
        return updated
