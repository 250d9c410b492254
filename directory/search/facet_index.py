"""The organisation search's counts from arrays kept in memory (PostgreSQL).

Counting every option of every filter for a new combination of filters took PostgreSQL 0.2-1 s
of CPU at 250,000 organisations (one scan of the documents per selected group), which capped
the whole site at about two new searches a second on two cores. Each process keeps the search
documents' flags and masks, the services', the delivery locations' places and the partnership
interests as numpy columns (about 60 MB at 250,000 organisations) and counts them with
vectorised operations, in milliseconds.

The columns follow the documents' versions: a request that finds a newer version reads the
documents changed since, then their services, locations and interests (one statement), and
merges them in. Versions are numbered in commit order (migration 0016), so nothing committed
below the newest version seen can appear later. What is read after the documents may be a
moment newer for an organisation changed in between; its document's newer version brings it
back at the next request.

The words of a query are still matched by PostgreSQL (its GIN indexes): the matching ids and
their best-match tiers, kept per query text and brought up to date the same way. Inside a
transaction (which may see its own uncommitted writes), and for a condition this module has no
column for, the counts come from SQL (DocumentSearch.counts), against which tests/search
check these. The columns and the conditions on them are made from the filters' declarations
(definitions.py).
"""

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db import connection

from directory.search import document_search
from directory.search.definitions import (
    EVIDENCE,
    FACET_GROUPS,
    INTEREST_FILTERS_BY_PARAM,
    NEAR,
    REGION,
    SERVICE_TERM_FILTERS,
    TERM_FILTERS,
    VERIFIED_RECENTLY,
    YES_NO_BY_GROUP,
    YES_NO_FILTERS,
    Scope,
    miles_per_degree,
)
from directory.search.document_search import (
    DOCUMENTS,
    LOCATIONS,
    MASK_COLUMNS,
    SERVICES,
    TEXTS,
    TIER_EXACT,
    TIER_TRIGRAM,
    DocumentSearch,
    SearchCounts,
    SqlFragment,
    join_sql,
    tier_cases,
    words_match,
)
from directory.search.search_index import search_data_version
from directory.search.search_query import SearchQuery

# PostgreSQL binary COPY: the signature, flags and header-extension length; then each row's
# field count, and each field's length before its value; then a two-byte trailer.
_COPY_HEADER = 19
_COPY_TRAILER = 2
_TYPES = {"int8": ">i8", "int2": ">i2", "bool": "?", "float8": ">f8"}

# (column, SQL expression, type) of each table the index keeps, sorted by organisation.
_DOCUMENT_COLUMNS = [
    ("organisation_id", "d.organisation_id", "int8"),
    ("version", "d.version", "int8"),
    ("published", "d.published", "bool"),
    *((column, f"d.{column}", "int8") for column in MASK_COLUMNS.values()),
    # Each yes/no filter's condition, by its name (definitions.YES_NO_FILTERS).
    *((flag.name, flag.sql("d"), "bool") for flag in YES_NO_FILTERS),
    (EVIDENCE.document_column, f"d.{EVIDENCE.document_column}", "int2"),
    # Its own address, when it lists no delivery locations (NaN, never near, when not).
    *(
        (column, f"coalesce(d.{column}, 'NaN')", "float8")
        for column in ("based_latitude", "based_longitude")
    ),
    # Seconds since 1970 (-infinity when never verified).
    (
        VERIFIED_RECENTLY.field,
        f"coalesce(extract(epoch FROM d.{VERIFIED_RECENTLY.field})::float8, '-infinity')",
        "float8",
    ),
]
_SERVICE_MASKS = [definition.mask_column for definition in SERVICE_TERM_FILTERS]
_SERVICE_FLAGS = [flag for flag in YES_NO_FILTERS if flag.scope is Scope.SERVICE]
_SERVICE_COLUMNS = [
    ("organisation_id", "s.organisation_id", "int8"),
    ("service_id", "s.service_id", "int8"),
    *((column, f"s.{column}", "int8") for column in _SERVICE_MASKS),
    *((flag.name, flag.sql("s"), "bool") for flag in _SERVICE_FLAGS),
]
_LOCATION_COLUMNS = [
    ("organisation_id", "l.organisation_id", "int8"),
    ("service_id", "l.service_id", "int8"),
    ("latitude", "l.latitude", "float8"),
    ("longitude", "l.longitude", "float8"),
]
_INTEREST_COLUMNS = [
    ("organisation_id", "i.organisation_id", "int8"),
    ("offers", "i.direction = 'offer'", "bool"),
    ("role_bit", "r.bit", "int2"),
    ("region_bit", "g.bit", "int2"),
    ("pathway_bit", "p.bit", "int2"),
]
_INTERESTS = (
    "consortia_partnershipinterest i "
    "JOIN directory_search_bit r ON r.taxonomy = 'partnership_role' AND r.term_id = i.role_id "
    "JOIN directory_search_bit g ON g.taxonomy = 'region' AND g.term_id = i.region_id "
    "JOIN directory_search_bit p ON p.taxonomy = 'pathway' AND p.term_id = i.pathway_id"
)
# Where each table is read from, and its order.
_SOURCES = {
    "documents": (_DOCUMENT_COLUMNS, f"{DOCUMENTS} d", "d.organisation_id", ""),
    "services": (_SERVICE_COLUMNS, f"{SERVICES} s", "s.organisation_id", ", s.service_id"),
    "locations": (_LOCATION_COLUMNS, f"{LOCATIONS} l", "l.organisation_id", ", l.location_id"),
    "interests": (_INTEREST_COLUMNS, _INTERESTS, "i.organisation_id", ", i.id"),
}
# More changed documents than this are read again whole rather than merged in.
CHANGES_MERGED = 20_000
# Parts of a results order larger than this are read by their conditions, not by id.
MEMBERS_READ_BY_ID = 50_000
# Refreshes remembered, so that a query text's matches can be brought up to date.
CHANGES_KEPT = 200
# Query texts whose matches are kept (per version), most recently used last.
TEXT_MATCHES_KEPT = 64


def _copy(sql: str, columns: list[tuple[str, str, str]]) -> "ColumnTable":
    """The rows of `sql` as columns, read with a binary COPY (a fraction of the time of
    fetching them as Python tuples). Django logs it with the other queries."""
    fields = []
    for number, (name, _expression, kind) in enumerate(columns):
        fields += [(f"_length{number}", ">i4"), (name, _TYPES[kind])]
    row = np.dtype([("_fields", ">i2"), *fields])
    statement = f"COPY ({sql}) TO STDOUT (FORMAT binary)"
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(statement, buffer)
    data = buffer.getbuffer()
    rows = (len(data) - _COPY_HEADER - _COPY_TRAILER) // row.itemsize
    records = np.frombuffer(data, dtype=row, count=rows, offset=_COPY_HEADER)
    return ColumnTable(
        {name: records[name].astype(records[name].dtype.newbyteorder("=")) for name, *_ in columns}
    )


# The columns that say where a row belongs; replacing rows without changing them keeps every
# derived position valid.
KEYS = ("organisation_id", "service_id")


@dataclass
class ColumnTable:
    """A table kept in memory: numpy columns of equal length, sorted by organisation_id."""

    columns: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns["organisation_id"])

    def where(self, kept: np.ndarray) -> "ColumnTable":
        return ColumnTable({name: column[kept] for name, column in self.columns.items()})

    def replaced(
        self, organisation_ids: np.ndarray, new: "ColumnTable"
    ) -> tuple["ColumnTable", bool]:
        """This table with the rows of the (sorted) `organisation_ids` replaced by `new`'s,
        and whether the keys of every row stayed as they were (then the rows are overwritten
        where they are, as after most edits, instead of the table being copied)."""
        owners = self["organisation_id"]
        first = np.searchsorted(owners, organisation_ids, "left")
        lengths = np.searchsorted(owners, organisation_ids, "right") - first
        # The positions of the rows replaced: first[i] .. first[i] + lengths[i] - 1, for each i.
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        old = np.repeat(first, lengths) + offsets
        if len(old) == len(new) and all(
            np.array_equal(self[key][old], new[key]) for key in KEYS if key in self.columns
        ):
            for name, column in self.columns.items():
                column[old] = new[name]
            return self, True
        kept = {name: np.delete(column, old) for name, column in self.columns.items()}
        at = np.searchsorted(kept["organisation_id"], new["organisation_id"], "right")
        return ColumnTable({name: np.insert(kept[name], at, new[name]) for name in kept}), False


def _read(table: str, condition: str = "") -> ColumnTable:
    columns, source, owner, then = _SOURCES[table]
    select = ", ".join(f"{expression} AS {name}" for name, expression, _ in columns)
    where = f" WHERE {owner} IN ({condition})" if condition else ""
    return _copy(f"SELECT {select} FROM {source}{where} ORDER BY {owner}{then}", columns)


_ZERO = {"int8": "0::int8", "int2": "0::int2", "bool": "false", "float8": "0::float8"}


def _read_together(tables: list[str], condition: str) -> dict[str, ColumnTable]:
    """The rows of `tables` whose organisation is in `condition`, in one statement: each row
    is laid out in the same typed slots (those a table does not use are zero), after the
    number of its table and its place in that table's order."""
    layout: list[tuple[str, str]] = []  # (slot, type)
    placed: dict[str, dict[str, str]] = {}  # table -> column -> slot
    for table in tables:
        used: dict[str, int] = {}
        placed[table] = {}
        for name, _expression, kind in _SOURCES[table][0]:
            slot = f"{kind}_{used.setdefault(kind, 0)}"
            used[kind] += 1
            placed[table][name] = slot
            if (slot, kind) not in layout:
                layout.append((slot, kind))
    selects = []
    for number, table in enumerate(tables):
        columns, source, owner, then = _SOURCES[table]
        expressions = {placed[table][name]: expression for name, expression, _ in columns}
        values = [
            f"{number}::int2",
            f"row_number() OVER (ORDER BY {owner}{then})::int8",
            *(expressions.get(slot, _ZERO[kind]) for slot, kind in layout),
        ]
        selects.append(f"SELECT {', '.join(values)} FROM {source} WHERE {owner} IN ({condition})")
    rows = _copy(
        " UNION ALL ".join(selects),
        [("table", "", "int2"), ("position", "", "int8"), *((s, "", k) for s, k in layout)],
    )
    found = {}
    for number, table in enumerate(tables):
        mine = rows["table"] == number
        order = np.argsort(rows["position"][mine])
        found[table] = ColumnTable(
            {name: rows[slot][mine][order] for name, slot in placed[table].items()}
        )
    return found


def _present(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Whether each of `values` is in the sorted array `among`."""
    if not len(among):
        return np.zeros(len(values), dtype=bool)
    return among[np.minimum(np.searchsorted(among, values), len(among) - 1)] == values


def _consistent(tables: dict[str, ColumnTable]) -> dict[str, ColumnTable]:
    """`tables` without rows whose document or service was not read (written in between)."""
    organisations = tables["documents"]["organisation_id"]
    for table in ("services", "locations", "interests"):
        tables[table] = tables[table].where(
            _present(tables[table]["organisation_id"], organisations)
        )
    services = np.sort(tables["services"]["service_id"])
    tables["locations"] = tables["locations"].where(
        _present(tables["locations"]["service_id"], services)
    )
    return tables


def _id_list(ids: np.ndarray) -> str:
    return "'{" + ",".join(map(str, ids.tolist())) + "}'::bigint[]"


@dataclass
class CachedTextMatches:
    """The organisations a query text matches (sorted ids) and their best-match tiers, as at
    `version`."""

    version: int
    ids: np.ndarray
    tiers: np.ndarray

    def replaced(
        self, version: int, changed: np.ndarray, new: "CachedTextMatches"
    ) -> "CachedTextMatches":
        kept = ~np.isin(self.ids, changed)
        ids = np.concatenate([self.ids[kept], new.ids])
        order = np.argsort(ids, kind="stable")
        return CachedTextMatches(
            version, ids[order], np.concatenate([self.tiers[kept], new.tiers])[order]
        )


# A tier that marks an exact name in match_text's rows (not itself a tier).
_EXACT_NAME = 9


class FacetIndex:
    """One process's copy of the search data, and the counts made from it."""

    def __init__(self):
        self.version: int | None = None
        self.tables: dict[str, ColumnTable] = {}
        self._lock = threading.Lock()
        self._derived: dict[str, np.ndarray] = {}
        # What each refresh since texts were first matched found changed: (the version it
        # started from, the version it reached, the organisations' ids).
        self._changes: list[tuple[int, int, np.ndarray]] = []
        self._texts: OrderedDict[str, CachedTextMatches] = OrderedDict()

    # --- keeping up to date -------------------------------------------------------------------
    def refresh(self, version: int) -> None:
        """Bring the columns up to `version` (search_index.search_data_version)."""
        if self.version is not None and version < self.version:
            self.version = None  # the documents were rebuilt: read them all again
        if self.version is not None and version == self.version:
            return
        previous, changed = self.version, None
        if previous is not None and self._emptied_since(previous):
            previous = None  # truncated (a test database flushed): every document is new
        if previous is not None:
            changed = _read(
                "documents", f"SELECT organisation_id FROM {DOCUMENTS} WHERE version > {previous}"
            )
        if changed is not None and len(changed) <= CHANGES_MERGED:
            self._merge(changed)
        else:
            self.tables = _consistent({table: _read(table) for table in _SOURCES})
            self._derived, self._changes = {}, []
            self._texts.clear()
        self.version = max(version, int(self.tables["documents"]["version"].max(initial=0)))
        if self._texts or self._changes:
            self._changes = self._changes[-CHANGES_KEPT + 1 :]
            self._changes.append((previous, self.version, changed["organisation_id"]))

    @staticmethod
    def _emptied_since(version: int) -> bool:
        """Whether no document as old as `version` is left. A refresh never deletes one (a
        deleted organisation keeps an unpublished document), so only emptying the table
        (TRUNCATE, which no version records) removes them all."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(min(version), 0) FROM {DOCUMENTS}")
            oldest = cursor.fetchone()[0]
        return oldest == 0 or oldest > version

    def _merge(self, changed: ColumnTable) -> None:
        """Replace the rows of the `changed` documents' organisations with theirs as now."""
        ids = changed["organisation_id"]
        listed = f"SELECT unnest({_id_list(ids)})"
        new = _read_together(["services", "locations", "interests"], listed)
        new["documents"] = changed
        unmoved = True
        for table, rows in new.items():
            self.tables[table], kept_keys = self.tables[table].replaced(ids, rows)
            unmoved &= kept_keys
        if not unmoved:
            self._derived = {}

    def _changed_since(self, version: int) -> np.ndarray | None:
        """The organisations changed after `version`; None when that is longer ago than the
        refreshes remembered."""
        if not self._changes or self._changes[0][0] > version:
            return None
        changed = [ids for _start, reached, ids in self._changes if reached > version]
        return np.unique(np.concatenate(changed)) if changed else np.array([], dtype=np.int64)

    def _positions(self, table: str) -> np.ndarray:
        """Each row of `table`'s document (its position in the documents)."""
        if table not in self._derived:
            owners = self.tables[table]["organisation_id"]
            self._derived[table] = np.searchsorted(
                self.tables["documents"]["organisation_id"], owners
            )
        return self._derived[table]

    def _location_services(self) -> np.ndarray:
        """Each delivery location's service (its position in the services)."""
        if "location_services" not in self._derived:
            service_ids = self.tables["services"]["service_id"]
            order = np.argsort(service_ids)
            found = np.searchsorted(service_ids[order], self.tables["locations"]["service_id"])
            self._derived["location_services"] = order[found]
        return self._derived["location_services"]

    def text_matches(self, search: DocumentSearch) -> tuple[np.ndarray, np.ndarray]:
        """(document positions, best-match tier) of the organisations `search`'s words match:
        kept per query, and brought up to date by matching only the organisations changed
        since."""
        text, query, named = search.text, search.query, search.named_terms
        key = f"{text}\0{query.key}\0{named}"
        matches = self._texts.pop(key, None)
        if matches is not None and matches.version != self.version:
            changed = self._changed_since(matches.version)
            if changed is None:
                matches = None
            elif len(changed):
                now = self.match_text(text, query, named, changed)
                matches = matches.replaced(self.version, changed, now)
            else:
                matches = CachedTextMatches(self.version, matches.ids, matches.tiers)
        if matches is None:
            matches = self.match_text(text, query, named)
        self._texts[key] = matches
        if len(self._texts) > TEXT_MATCHES_KEPT:
            self._texts.popitem(last=False)
        ids = self.tables["documents"]["organisation_id"]
        known = _present(matches.ids, ids)
        return np.searchsorted(ids, matches.ids[known]), matches.tiers[known]

    def match_text(
        self,
        text: str,
        query: SearchQuery,
        named_terms: SqlFragment | None = None,
        among: np.ndarray | None = None,
    ) -> CachedTextMatches:
        """What `text` (parsed as `query`) matches (among the organisations `among`, or all),
        `named_terms` the condition of DocumentSearch.named_terms."""

        def only(alias: str) -> SqlFragment:
            return SqlFragment(
                "" if among is None else f" AND {alias}.organisation_id = ANY({_id_list(among)})"
            )

        # The taxonomy terms the words name are told from the organisation's document.
        documents = "" if named_terms is None else f" JOIN {DOCUMENTS} d USING (organisation_id)"
        branches = [
            SqlFragment("SELECT x.organisation_id, CASE ")
            + tier_cases(query, named_terms)
            + SqlFragment(f"::int2 FROM {TEXTS} x{documents} WHERE ")
            + words_match(query)
            + only("x"),
            SqlFragment(
                f"SELECT d.organisation_id, {_EXACT_NAME}::int2 FROM {DOCUMENTS} d "
                "WHERE lower(d.name) = lower(%s)",
                [text],
            )
            + only("d"),
        ]
        if query.plain:
            # A name that only looks like the words (a misspelling).
            branches.append(
                SqlFragment(
                    f"SELECT y.organisation_id, {TIER_TRIGRAM}::int2 FROM {DOCUMENTS} y "
                    f"WHERE %s <%% y.name AND NOT EXISTS (SELECT 1 FROM {TEXTS} z WHERE "
                    "z.organisation_id = y.organisation_id AND ",
                    [text],
                )
                + words_match(query, "z")
                + SqlFragment(")")
                + only("y")
            )
        statement = join_sql(branches, " UNION ALL ")
        with connection.cursor() as cursor:
            sql = cursor.mogrify(statement.text, statement.params).decode()
        found = _copy(sql, [("organisation_id", "", "int8"), ("tier", "", "int2")])
        exact = found["tier"] == _EXACT_NAME
        matched = found.where(~exact)
        tiers = matched["tier"].copy()
        tiers[np.isin(matched["organisation_id"], found["organisation_id"][exact])] = TIER_EXACT
        order = np.argsort(matched["organisation_id"], kind="stable")
        return CachedTextMatches(self.version, matched["organisation_id"][order], tiers[order])

    # --- counting -----------------------------------------------------------------------------
    def counts(self, search: DocumentSearch) -> SearchCounts | None:
        """What DocumentSearch.counts gives, from the columns; None when a condition of the
        search has no column here."""
        with self._lock:
            counting = InMemorySearch(self, search)
            if not counting.supported:
                return None
            return counting.counts()

    def members(self, search: DocumentSearch) -> dict[str | int, np.ndarray] | None:
        """The ids of the rows of the parts of `search`'s order worth reading by id
        (DocumentSearch.members), or None when a condition of the search has no column here."""
        with self._lock:
            counting = InMemorySearch(self, search)
            if not counting.supported:
                return None
            rows, union = counting._rows(None)
            ids = self.tables["documents"]["organisation_id"]
            sort = search.filterset.sort_order
            if sort == "distance":
                located = rows & union["located"]
                parts = {"located": located, "elsewhere": rows & ~located}
            elif sort == "best" and search.text:
                parts = {tier: rows & (counting.tier == tier) for tier in search.tiers()}
            else:
                parts = {"all": rows}
            members = {}
            for key, part in parts.items():
                size = int(np.count_nonzero(part))
                # Best-match tiers are each read in index order by a condition that an index
                # answers; other large parts are read by id unless they are very large.
                small = size <= document_search.SMALL_PART
                if small or (sort != "best" and size <= MEMBERS_READ_BY_ID):
                    members[key] = ids[part]
            return members


class InMemorySearch:
    """One search over a FacetIndex's columns: its conditions as boolean arrays, and the counts
    and the parts of its order made from them."""

    def __init__(self, index: FacetIndex, search: DocumentSearch):
        self.index, self.search = index, search
        self.documents = index.tables["documents"]
        self.services = index.tables["services"]
        self.size = len(self.documents)
        self.supported = True
        self.tier = None
        base = self.documents["published"].copy()
        if search.text:
            positions, tiers = index.text_matches(search)
            self.tier = np.full(self.size, -1, dtype=np.int8)
            self.tier[positions] = tiers
            base &= self.tier >= 0
        self.base = base
        self.organisation = {g: self._organisation(g) for g in search.organisation}
        self.service = {g: self._service(g) for g in search.services}
        self.supported = all(
            c is not None for c in [*self.organisation.values(), *self.service.values()]
        )

    # --- conditions ---------------------------------------------------------------------------
    def _overlaps(self, column: np.ndarray, mask: int) -> np.ndarray:
        return (column & np.int64(mask)) != 0

    def _organisation(self, group: str) -> np.ndarray | None:
        """The condition of `group` on each document, made from its definition (None when this
        module has none)."""
        search, documents = self.search, self.documents
        if group in INTEREST_FILTERS_BY_PARAM and search.interest_in_place:
            roles = search.mask(group, search.filterset.selected_ids(group))
            return self._overlaps(self._roles_in_place(group), roles)
        if group in MASK_COLUMNS:
            mask = search.mask(group, search.filterset.selected_ids(group))
            return self._overlaps(documents[MASK_COLUMNS[group]], mask)
        if group in YES_NO_BY_GROUP:
            return documents[group]
        if group == EVIDENCE.param:
            level = EVIDENCE.level(search.filterset.values)
            return documents[EVIDENCE.document_column] >= level
        if group == VERIFIED_RECENTLY.param:
            return self._verified()
        return None

    def _verified(self) -> np.ndarray:
        since = VERIFIED_RECENTLY.since().timestamp()
        return self.documents[VERIFIED_RECENTLY.field] >= since

    def _service(self, group: str) -> np.ndarray | None:
        """The condition of `group` on each service (None when this module has none)."""
        search, services = self.search, self.services
        filterset = search.filterset
        if group in TERM_FILTERS:
            mask = search.mask(group, filterset.selected_ids(group))
            return self._overlaps(services[MASK_COLUMNS[group]], mask)
        if group in YES_NO_BY_GROUP:
            return services[group]
        if group == NEAR.group:
            place = filterset.place
            regions = [t.id for t in search.taxonomy["region"] if t.slug == place.region_slug]
            self.based = self._within(
                self.documents["based_latitude"], self.documents["based_longitude"]
            )
            based_owner = self.based[self.index._positions("services")]
            return (
                self._overlaps(services[REGION.mask_column], search.mask("region", regions))
                | self._located_services()
                | based_owner
            )
        return None

    def _within(self, latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
        """Whether each place is within the distance of the postcode (the equirectangular
        distance of DocumentSearch._distance; never for NaN)."""
        filterset = self.search.filterset
        place, miles = filterset.place, filterset.miles
        north, east = miles_per_degree(place.latitude)
        north_miles = (latitude - place.latitude) * north
        east_miles = (longitude - place.longitude) * east
        return np.sqrt(np.power(north_miles, 2) + np.power(east_miles, 2)) <= float(miles)

    def _located_services(self) -> np.ndarray:
        """Whether each service has a delivery location within the distance of the postcode."""
        locations = self.index.tables["locations"]
        within = self._within(locations["latitude"], locations["longitude"])
        located = np.zeros(len(self.services), dtype=bool)
        located[self.index._location_services()[within]] = True
        self.located = located
        return located

    def _roles_in_place(self, group: str) -> np.ndarray:
        """Per document, the roles it offers or seeks (as `group` says) in a chosen region and
        pathway (definitions.PartnershipInterestFilter)."""
        search, interest = self.search, INTEREST_FILTERS_BY_PARAM[group]
        interests = self.index.tables["interests"]
        wanted = interests["offers"] == (interest.direction == "offer")
        for param in interest.within_chosen:
            if ids := search.filterset.selected_ids(param):
                wanted &= self._overlaps(
                    np.left_shift(1, interests[f"{param}_bit"].astype(np.int64)),
                    search.mask(param, ids),
                )
        roles = np.zeros(self.size, dtype=np.int64)
        np.bitwise_or.at(
            roles,
            self.index._positions("interests")[wanted],
            np.left_shift(1, interests["role_bit"][wanted].astype(np.int64)),
        )
        return roles

    # --- counts -------------------------------------------------------------------------------
    def counts(self) -> SearchCounts:
        search = self.search
        facets: dict[str, dict[str, int]] = {group: {} for group in FACET_GROUPS}
        rows, matched = self._rows(None)
        total = int(np.count_nonzero(rows))
        for group in FACET_GROUPS:
            if group not in search.organisation and group not in search.services:
                facets[group] = self._options(group, rows, matched)
        tiers = {}
        if self.tier is not None:
            found = np.bincount(self.tier[rows], minlength=TIER_EXACT + 1)
            tiers = {tier: int(found[tier]) for tier in search.tiers()}
        located = 0
        if search.filterset.place is not None:
            located = int(np.count_nonzero(rows & matched["located"]))
        for group in [*search.organisation, *search.services]:
            if group in FACET_GROUPS:
                facets[group] = self._options(group, *self._rows(group))
        return SearchCounts(total=total, facets=facets, tiers=tiers, located=located)

    def _rows(self, exclude: str | None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The documents meeting every condition but `exclude`'s, and per document the union
        of its services that meet the service conditions but `exclude`'s (or of all of them
        when there are none): their masks, accepting_referrals and located."""
        rows = self.base.copy()
        for group, condition in self.organisation.items():
            if group != exclude:
                rows &= condition
        groups = [group for group in self.service if group != exclude]
        flags = [flag.name for flag in _SERVICE_FLAGS]
        if not groups:
            return rows, {column: self.documents[column] for column in [*_SERVICE_MASKS, *flags]}
        chosen = np.flatnonzero(np.logical_and.reduce([self.service[group] for group in groups]))
        owners = self.index._positions("services")[chosen]
        # Services are sorted by organisation: each owner's chosen services are adjacent.
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else []
        first = owners[starts]
        columns = {column: self.services[column] for column in [*_SERVICE_MASKS, *flags]}
        if NEAR.group in self.service:
            columns["located"] = self.located
        union = {}
        for name, column in columns.items():
            union[name] = np.zeros(self.size, dtype=column.dtype)
            if len(first):
                combine = np.logical_or if column.dtype == bool else np.bitwise_or
                union[name][first] = combine.reduceat(column[chosen], starts)
        has_service = np.zeros(self.size, dtype=bool)
        has_service[first] = True
        if NEAR.group in groups:
            union["located"] |= self.based
            if groups == [NEAR.group]:
                # Based near: near without a service (DocumentSearch._near_without_service).
                has_service |= self.based
        return rows & has_service, union

    def _options(
        self, group: str, rows: np.ndarray, union: dict[str, np.ndarray]
    ) -> dict[str, int]:
        """Each option of `group`'s count among `rows`."""
        search = self.search

        def count(condition: np.ndarray) -> int:
            return int(np.count_nonzero(condition & rows))

        if group in INTEREST_FILTERS_BY_PARAM and search.interest_in_place:
            roles = self._roles_in_place(group)
            return {
                t.slug: count(self._overlaps(roles, 1 << t.bit)) for t in search.taxonomy[group]
            }
        if group in MASK_COLUMNS:
            scoped = group in TERM_FILTERS and TERM_FILTERS[group].scope is Scope.SERVICE
            column = (union if scoped else self.documents)[MASK_COLUMNS[group]][rows]
            return {
                t.slug: int(np.count_nonzero(column & np.int64(search.mask(group, [t.id]))))
                for t in search.taxonomy[group]
            }
        if group in YES_NO_BY_GROUP:
            scoped = YES_NO_BY_GROUP[group].scope is Scope.SERVICE
            return {"yes": count((union if scoped else self.documents)[group])}
        if group == EVIDENCE.param:
            levels = self.documents[EVIDENCE.document_column][rows]
            return {str(level): int(np.count_nonzero(levels >= level)) for level in EVIDENCE.levels}
        if group == VERIFIED_RECENTLY.param:
            return {"yes": count(self._verified())}
        raise ValueError(f"No counts for {group}")


_index = FacetIndex()


def load() -> bool:
    """Read the search data into this process's index now rather than on its first search
    (gunicorn's master does, so that the workers it forks share it); False where the index is
    not used (SQLite, or inside a transaction)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with _index._lock:
        _index.refresh(search_data_version())
    return True


def part_members(search: DocumentSearch) -> dict[str | int, np.ndarray] | None:
    """The rows of parts of `search`'s order from this process's index, as its counts left
    it, where reading them by id spares PostgreSQL matching the words again (None otherwise:
    no words, inside a transaction, no index yet). Masks and places are quick to test in SQL,
    and the nearest first order is read from the locations themselves."""
    if not search.text or connection.in_atomic_block or _index.version is None:
        return None
    return _index.members(search)


def facet_counts(search: DocumentSearch, version: int) -> SearchCounts | None:
    """The counts of `search` from this process's index brought up to `version`; None inside
    a transaction (whose own writes the index cannot see) or for an unsupported condition."""
    if connection.in_atomic_block:
        return None
    with _index._lock:
        _index.refresh(version)
    return _index.counts(search)
