"""The organisation search on PostgreSQL, over the search documents (migration 0009).

The same rules as the relational search in filters.py (which SQLite uses): every parameter is
read from the one OrganisationFilterSet and turned into SQL, made from its declaration in
definitions.py, on the narrow document tables: ``d`` (directory_search_document, one row per
organisation, every filter a flag or a bit mask) and ``s`` (directory_search_service, one row
per service, for the conditions that must hold for one service). A term's bit is
TaxonomyTermRow.bit. A condition this module has no SQL for (a filter added later) still
works: it is taken from the FilterSet as a subquery (DocumentSearch.taken_from_filterset,
which tests/search/test_filter_definitions.py keeps at none).

Best match puts the matches in tiers: the exact name; every word in the name; in the summary
or a service name; anywhere (service descriptions, description); names that only look alike
(trigram word similarity, for plain queries). Within a tier of at most RANKED_PART matches, the
best match of the words as typed first (ts_rank_cd); a larger tier is read A to Z from an index,
so that a page of a word found in half the directory does not rank every match. The tiers'
sizes are counted with the facets, so a page knows which tier it starts in and how to order it.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet

from directory.organisations import geo
from directory.organisations.models import Organisation, PartnershipInterest, Service
from directory.search.definitions import (
    ACCEPTING_REFERRALS,
    EVIDENCE,
    FACET_GROUPS,
    INTEREST_FILTERS,
    INTEREST_FILTERS_BY_PARAM,
    NEAR,
    REGION,
    SERVICE_TAXONOMY_GROUPS,
    TERM_FILTERS,
    VERIFIED_RECENTLY,
    YES_NO_BY_GROUP,
    PartnershipInterestFilter,
    Scope,
    miles_per_degree,
    term_bits,
)
from directory.search.filters import OrganisationFilterSet
from directory.search.schema import PHRASE_CONFIG
from directory.search.search_index import SEARCH_CONFIG
from directory.search.search_query import SearchQuery, parse_search_query

DOCUMENTS = "directory_search_document"
INTERESTS = PartnershipInterest._meta.db_table
LOCATIONS = "directory_search_location"
SERVICES = "directory_search_service"
TEXTS = "directory_search_text"
TSQUERY = f"to_tsquery('{SEARCH_CONFIG}', %s)"
PHRASE_TSQUERY = f"to_tsquery('{PHRASE_CONFIG}', %s)"

# The bit-mask column of each taxonomy group (the service groups' on both document tables).
MASK_COLUMNS = {
    definition.param: definition.mask_column
    for definition in (*TERM_FILTERS.values(), *INTEREST_FILTERS)
}
# The service groups' bit-number arrays (GIN-indexed) on directory_search_service.
NUMBER_COLUMNS = {group: f"{group}_numbers" for group in SERVICE_TAXONOMY_GROUPS}
# Service conditions that the union of an organisation's services answers when they are the
# only service condition (no other condition has to hold for the same service).
UNION_SERVICE_GROUPS = {*SERVICE_TAXONOMY_GROUPS, ACCEPTING_REFERRALS.name}

# A part of a results order this small is found whole and then sorted (see _parts).
SMALL_PART = 5000
# A best-match tier this small is ranked by ts_rank_cd (DocumentSearch.rank); a larger one is
# read A to Z from an index, as ranking it would read every match's vector for one page (about
# 22 microseconds a match at 250,000 organisations: 65 ms for a tier of 3,000).
RANKED_PART = 1000
# ts_rank_cd's weights of the vector's D, C, B and A labels: A (name) 10, B (summary and
# services) 4, C (description) 1, as SQLite's bm25 weights its columns (FTS5_WEIGHTS).
RANK_WEIGHTS = "{0.1, 0.1, 0.4, 1.0}"
# ts_rank_cd's normalisation: 1 divides by 1 + the logarithm of the document's length, so a
# long description does not outrank a short summary by repeating a word.
RANK_NORMALISATION = 1

# Best-match tiers, best first (TIER_TERMS only when the words name a taxonomy term, see
# OrganisationFilterSet.named_terms; TIER_TRIGRAM only for plain queries).
# TIER_TERMS_NAME: a named term's organisations whose name has the words or their synonyms.
TIER_EXACT, TIER_NAME, TIER_TERMS_NAME, TIER_TERMS = 6, 5, 4, 3
TIER_HEAD, TIER_ANYWHERE, TIER_TRIGRAM = 2, 1, 0


@dataclass
class SqlFragment:
    """A piece of SQL with its parameters (%s placeholders, % written %%)."""

    text: str
    params: list = field(default_factory=list)

    def __add__(self, other: "SqlFragment") -> "SqlFragment":
        return SqlFragment(self.text + other.text, self.params + other.params)


def join_sql(parts: list[SqlFragment], separator: str) -> SqlFragment:
    return SqlFragment(separator.join(p.text for p in parts), [x for p in parts for x in p.params])


def all_of(parts: list[SqlFragment]) -> SqlFragment:
    return (
        join_sql([SqlFragment(f"({p.text})", p.params) for p in parts], " AND ")
        if parts
        else SqlFragment("TRUE")
    )


def _subquery(queryset: QuerySet, column: str) -> SqlFragment:
    sql, params = queryset.values("pk").query.sql_with_params()
    return SqlFragment(f"{column} IN ({sql})", list(params))


# The labels of phrase_vector's parts that stand for each english vector (schema.PHRASE_VECTOR).
PHRASE_WEIGHTS = {"name_vector": "A", "head_vector": "AB", "search_vector": ""}


def words_match(
    query: SearchQuery, alias: str = "x", vector: str = "search_vector", *, typed: bool = True
) -> SqlFragment:
    """That text document `alias` has the query's words in `vector` (in the name, the words
    as typed unless not `typed`), and in the same part of its phrase_vector what
    SearchQuery.phrase_tsquery asks."""
    if vector == "name_vector" and typed:
        query = query.name_query
    found = SqlFragment(f"{alias}.{vector} @@ {TSQUERY}", [query.tsquery()])
    if phrases := query.phrase_tsquery(PHRASE_WEIGHTS[vector]):
        found += SqlFragment(f" AND {alias}.phrase_vector @@ {PHRASE_TSQUERY}", [phrases])
    return found


def tier_cases(query: SearchQuery, named_terms: SqlFragment | None) -> SqlFragment:
    """WHEN ... END of the best-match tier of a text document ``x`` that the words match
    (``d``, its organisation's document, when `named_terms` is given)."""
    cases = (
        SqlFragment("WHEN ")
        + words_match(query, vector="name_vector")
        + SqlFragment(f" THEN {TIER_NAME} ")
    )
    if named_terms is not None:
        cases += (
            SqlFragment("WHEN (")
            + named_terms
            + SqlFragment(") AND ")
            + words_match(query, vector="name_vector", typed=False)
            + SqlFragment(f" THEN {TIER_TERMS_NAME} WHEN ")
            + named_terms
            + SqlFragment(f" THEN {TIER_TERMS} ")
        )
    return (
        cases
        + SqlFragment("WHEN ")
        + words_match(query, vector="head_vector")
        + SqlFragment(f" THEN {TIER_HEAD} ELSE {TIER_ANYWHERE} END")
    )


def text_ids(text: str, query: SearchQuery | None = None) -> SqlFragment:
    """SELECT of the ids of the organisations a websearch-style query matches: its words
    anywhere, and for a plain query, a name with a word like the text (a misspelt name)."""
    query = query or parse_search_query(text)
    found = SqlFragment(f"SELECT x.organisation_id FROM {TEXTS} x WHERE ") + words_match(query)
    if query.plain:
        found += SqlFragment(
            f" UNION SELECT y.organisation_id FROM {DOCUMENTS} y WHERE %s <%% y.name", [text]
        )
    return found


@dataclass
class OptionCounter:
    """One number of the counts statement: the rows of its SELECT that meet `condition` (an
    option of a filter, the total or a best-match tier)."""

    group: str
    option: str
    condition: SqlFragment


@dataclass
class CountingSelect:
    """One SELECT of the counts statement: the rows to count (FROM and WHERE), and the
    OptionCounters over them (a filter with a selection is counted in a SELECT of its own)."""

    source: SqlFragment
    where: SqlFragment
    counters: list[OptionCounter]

    def sql(self, number: int) -> SqlFragment:
        """SELECT number, ARRAY[the counts]."""
        counts = join_sql(
            [
                SqlFragment("count(*) FILTER (WHERE ") + c.condition + SqlFragment(")")
                for c in self.counters
            ],
            ", ",
        )
        return (
            SqlFragment(f"SELECT {number}, ARRAY[")
            + counts
            + SqlFragment("]::bigint[] FROM ")
            + self.source
            + SqlFragment(" WHERE ")
            + self.where
        )


@dataclass
class ServiceFilterSql:
    """A service filter as SQL: on one service ``s``, and on the union of an organisation's
    services (document ``d``) where that can be told from it."""

    on_service: SqlFragment
    on_union: SqlFragment | None = None


@dataclass
class OrderSegment:
    """A run of the results order (a best-match tier; the located or the region-wide matches):
    its rows (a condition on ``d``) and their order."""

    condition: SqlFragment
    order: str
    order_params: list = field(default_factory=list)
    implies: str | None = None  # a service group whose condition `condition` implies
    indexed: bool = True  # whether an index can give the rows in this order
    # Its own SELECT organisation_id, name, last_verified_at, miles, instead of the documents.
    rows: SqlFragment | None = None
    # Which part it is, for DocumentSearch.members: "all", "located", "elsewhere" or a tier.
    key: str | int = "all"
    # A column ``rank`` of its rows that `order` reads (DocumentSearch.rank).
    rank: SqlFragment | None = None
    # The first key of `order` when it is cheap and the rest are not (the name's sort key):
    # a page then sorts in full only the rows up to its last by this key, ties included.
    leading: str | None = None


@dataclass
class SearchCounts:
    """The result count, each facet option's count, and the size of each ordering tier."""

    total: int
    facets: dict[str, dict[str, int]]
    tiers: dict[int, int]
    located: int  # matches with a delivery location within the distance of the postcode


class DocumentSearch:
    """The search of one FilterSet's parameters over the documents."""

    def __init__(self, filterset: OrganisationFilterSet):
        self.filterset = filterset
        self.text = filterset.match_text
        self.query = filterset.search_query
        self.plain = self.query.plain
        self.taxonomy = filterset.taxonomy
        self.named_terms = self._named_terms()
        # Partnership interest is matched within the chosen regions and pathways, which the
        # documents' masks (of any region and pathway) cannot tell.
        self.interest_in_place = bool(
            filterset.selected_ids("region") or filterset.selected_ids("pathway")
        )
        # How many conditions had no SQL here and were taken from the FilterSet as subqueries
        # (tests/search/test_filter_definitions.py keeps this at 0 for every definition).
        self.taken_from_filterset = 0
        self.organisation = self._organisation_conditions()
        self.services = self._service_conditions()
        # Set by ordered() when a part of the page is read in index order (see result_lines).
        self.reads_in_index_order = False
        # The ids of some parts' rows (numpy arrays), by OrderSegment.key, when they are known
        # (facet_index.members): such a part is read by id instead of by its conditions, which
        # for words or a postcode PostgreSQL would otherwise evaluate again for every page.
        self.members: dict | None = None

    def _named_terms(self) -> SqlFragment | None:
        """That document ``d`` has a service in a term of each group the words name."""
        named = self.filterset.named_terms
        if not named:
            return None
        return all_of(
            [
                join_sql([self.term_condition(group, term, "d") for term in terms], " OR ")
                for group, terms in named.items()
            ]
        )

    # --- masks --------------------------------------------------------------------------------
    def mask(self, group: str, ids) -> int:
        """The document bits that satisfy a choice of `ids` of `group` (for a term filter, its
        covering terms: definitions.TermFilter.covering_ids)."""
        if group in TERM_FILTERS:
            return TERM_FILTERS[group].mask(ids, self.taxonomy)
        return term_bits(self.taxonomy[group], ids)

    def term_condition(self, group: str, term, alias: str) -> SqlFragment:
        """That `alias` has `term` of `group`, or a term that covers it."""
        return SqlFragment(
            f"{alias}.{MASK_COLUMNS[group]} & %s <> 0", [self.mask(group, [term.id])]
        )

    # --- conditions ---------------------------------------------------------------------------
    def _taken_from_filterset(self, condition, queryset, column: str) -> SqlFragment:
        """A condition this module has no SQL for, as a subquery of the FilterSet's."""
        self.taken_from_filterset += 1
        return _subquery(queryset.filter(condition), column)

    def _organisation_conditions(self) -> dict[str, SqlFragment]:
        """Conditions on a document ``d``, by group (the text query is separate), made from
        their definitions."""
        filterset = self.filterset
        conditions = {}
        for group, condition in filterset.organisation_conditions().items():
            if group in TERM_FILTERS or (
                group in INTEREST_FILTERS_BY_PARAM and not self.interest_in_place
            ):
                mask = self.mask(group, filterset.selected_ids(group))
                conditions[group] = SqlFragment(f"d.{MASK_COLUMNS[group]} & %s <> 0", [mask])
            elif group in INTEREST_FILTERS_BY_PARAM:
                conditions[group] = self._interest_in_place(
                    INTEREST_FILTERS_BY_PARAM[group], filterset.selected_ids(group)
                )
            elif group in YES_NO_BY_GROUP:
                conditions[group] = SqlFragment(YES_NO_BY_GROUP[group].sql("d"))
            elif group == EVIDENCE.param:
                level = EVIDENCE.level(filterset.values)
                conditions[group] = SqlFragment(f"d.{EVIDENCE.document_column} >= %s", [level])
            elif group == VERIFIED_RECENTLY.param:
                conditions[group] = self._verified()
            else:
                conditions[group] = self._taken_from_filterset(
                    condition, Organisation.objects, "d.organisation_id"
                )
        return conditions

    def _interest_in_place(self, interest: PartnershipInterestFilter, role_ids) -> SqlFragment:
        """That document ``d``'s organisation offers or seeks one of the roles in a chosen
        region and pathway (read from its interests: the documents keep roles of any place)."""
        found = SqlFragment(
            f"d.organisation_id IN (SELECT i.organisation_id FROM {INTERESTS} i "
            "WHERE i.direction = %s AND i.role_id = ANY(%s)",
            [interest.direction, list(role_ids)],
        )
        for param in interest.within_chosen:
            if ids := self.filterset.selected_ids(param):
                covering = TERM_FILTERS[param].covering_ids(ids, self.taxonomy)
                found += SqlFragment(f" AND i.{param}_id = ANY(%s)", [covering])
        return found + SqlFragment(")")

    def _verified(self) -> SqlFragment:
        return SqlFragment(f"d.{VERIFIED_RECENTLY.field} >= %s", [VERIFIED_RECENTLY.since()])

    def _service_conditions(self) -> dict[str, ServiceFilterSql]:
        """Conditions on one service ``s``, by group (with the same condition on the union of
        an organisation's services ``d`` for a group in UNION_SERVICE_GROUPS)."""
        filterset = self.filterset
        conditions = {}
        for group, condition in filterset.service_conditions().items():
            if group in TERM_FILTERS:
                definition, ids = TERM_FILTERS[group], filterset.selected_ids(group)
                conditions[group] = ServiceFilterSql(
                    SqlFragment(
                        f"s.{NUMBER_COLUMNS[group]} && %s::smallint[]",
                        [definition.bit_numbers(ids, self.taxonomy)],
                    ),
                    SqlFragment(f"d.{MASK_COLUMNS[group]} & %s <> 0", [self.mask(group, ids)]),
                )
            elif group in YES_NO_BY_GROUP:
                flag = YES_NO_BY_GROUP[group]
                conditions[group] = ServiceFilterSql(
                    SqlFragment(flag.sql("s")), SqlFragment(flag.sql("d"))
                )
            elif group == NEAR.group:
                conditions[group] = ServiceFilterSql(self._near_service())
            else:
                conditions[group] = ServiceFilterSql(
                    self._taken_from_filterset(condition, Service.objects, "s.service_id")
                )
        return conditions

    def _near_service(self) -> SqlFragment:
        """That service ``s`` is near the postcode (definitions.NEAR)."""
        place = self.filterset.place
        regions = [t.id for t in self.taxonomy["region"] if t.slug == place.region_slug]
        numbers = REGION.bit_numbers(regions, self.taxonomy)
        locations = self.near_locations()
        based = self.based_near("b")
        return SqlFragment(
            # = ANY(ARRAY(...)), not IN: both sides can then be read from
            # an index (a BitmapOr) instead of every service being looked at.
            "(s.region_numbers && %s::smallint[] OR s.service_id = ANY(ARRAY("
            f"SELECT near.service_id FROM ({locations.text}) AS near)) "
            "OR s.organisation_id = ANY(ARRAY("
            f"SELECT b.organisation_id FROM {DOCUMENTS} b WHERE {based.text})))",
            [numbers, *locations.params, *based.params],
        )

    def _distance(
        self, latitude: str = "l.latitude", longitude: str = "l.longitude"
    ) -> SqlFragment:
        """Miles from the postcode to location ``l`` (or the place in columns `latitude` and
        `longitude`; equirectangular, as filters.py)."""
        place = self.filterset.place
        north, east = miles_per_degree(place.latitude)
        return SqlFragment(
            f"sqrt(power(({latitude} - %s) * %s, 2) + power(({longitude} - %s) * %s, 2))",
            [place.latitude, north, place.longitude, east],
        )

    def _within(self, latitude: str = "l.latitude", longitude: str = "l.longitude") -> SqlFragment:
        """That location ``l`` (or the place in columns `latitude` and `longitude`) is within
        the distance: a bounding box on the latitude and longitude index, then the exact
        distance."""
        place, miles = self.filterset.place, self.filterset.miles
        box = geo.bounding_box(place.latitude, place.longitude, miles)
        return (
            SqlFragment(
                f"{latitude} BETWEEN %s AND %s AND {longitude} BETWEEN %s AND %s AND ", list(box)
            )
            + self._distance(latitude, longitude)
            + SqlFragment(" <= %s", [float(miles)])
        )

    def based_near(self, alias: str = "d") -> SqlFragment:
        """That document `alias`'s organisation lists no delivery locations and its own address
        is within the distance (filters.based_within)."""
        return self._within(f"{alias}.based_latitude", f"{alias}.based_longitude")

    def _based_distance(self, alias: str = "d") -> SqlFragment:
        return self._distance(f"{alias}.based_latitude", f"{alias}.based_longitude")

    def _near_without_service(self, exclude: str | None = None) -> bool:
        """Whether near is the only service condition but `exclude`'s: then an organisation
        based near needs no service (OrganisationFilterSet.services_condition)."""
        return self._service_groups(exclude) == ["near"]

    def near_locations(self) -> SqlFragment:
        """SELECT service_id of the delivery locations within the distance."""
        return SqlFragment(f"SELECT l.service_id FROM {LOCATIONS} l WHERE ") + self._within()

    def _service_sql(self, exclude: str | None = None) -> list[SqlFragment]:
        """The conditions on one service ``s`` but `exclude`'s."""
        return [c.on_service for group, c in self.services.items() if group != exclude]

    def _service_groups(self, exclude: str | None = None) -> list[str]:
        return [group for group in self.services if group != exclude]

    def service_condition(self, exclude: str | None = None) -> SqlFragment | None:
        """That one service of the organisation meets every service condition but `exclude`'s."""
        groups = self._service_groups(exclude)
        if not groups:
            return None
        if len(groups) == 1 and groups[0] in UNION_SERVICE_GROUPS:
            return self.services[groups[0]].on_union
        services = all_of(self._service_sql(exclude))
        found = SqlFragment(
            f"d.organisation_id IN (SELECT s.organisation_id FROM {SERVICES} s "
            f"WHERE {services.text})",
            services.params,
        )
        if self._near_without_service(exclude):
            return (
                SqlFragment("(")
                + found
                + SqlFragment(" OR ")
                + self.based_near()
                + SqlFragment(")")
            )
        return found

    def matched_services(self, exclude: str | None = None) -> SqlFragment:
        """Per organisation, the union of the services meeting every service condition but
        `exclude`'s (masks, referrals, and whether one has a delivery location near)."""
        located = SqlFragment("false")
        if self.filterset.place is not None:
            located = (
                SqlFragment("bool_or(s.service_id IN (SELECT n.service_id FROM (")
                + self.near_locations()
                + SqlFragment(") n))")
            )
        services = all_of(self._service_sql(exclude))
        return (
            SqlFragment(
                "SELECT s.organisation_id, bit_or(s.pathway_bits) AS pathway_bits, "
                "bit_or(s.client_group_bits) AS client_group_bits, "
                "bit_or(s.setting_bits) AS setting_bits, bit_or(s.region_bits) AS region_bits, "
                "bool_or(s.accepting_referrals) AS accepting_referrals, "
            )
            + located
            + SqlFragment(f" AS located FROM {SERVICES} s WHERE ")
            + services
            + SqlFragment(" GROUP BY s.organisation_id")
        )

    def where(
        self, exclude: str | None = None, *, text: bool = True, services: bool = True
    ) -> SqlFragment:
        """Every condition on a document ``d`` but group `exclude`'s."""
        parts = [SqlFragment("d.published")]
        if text and self.text:
            ids = text_ids(self.text, self.query)
            parts.append(SqlFragment(f"d.organisation_id IN ({ids.text})", ids.params))
        parts += [c for group, c in self.organisation.items() if group != exclude]
        if services and (condition := self.service_condition(exclude)):
            parts.append(condition)
        return all_of(parts)

    def matching_ids(self) -> SqlFragment:
        """SELECT of the matching organisations' ids."""
        where = self.where()
        return SqlFragment(
            f"SELECT d.organisation_id FROM {DOCUMENTS} d WHERE {where.text}", where.params
        )

    # --- best-match tiers ---------------------------------------------------------------------
    def _text_join(self) -> SqlFragment:
        """JOIN of the text documents ``x`` the words match (LEFT, for a plain query, whose
        alike names match too: see _text_where)."""
        kind = "LEFT JOIN" if self.plain else "JOIN"
        return SqlFragment(
            f" {kind} {TEXTS} x ON x.organisation_id = d.organisation_id AND "
        ) + words_match(self.query)

    def _text_where(self) -> SqlFragment | None:
        """With _text_join: that the organisation matches the text (words, or an alike name)."""
        if not self.plain:
            return None
        return SqlFragment(
            f"(x.organisation_id IS NOT NULL OR d.organisation_id IN "
            f"(SELECT y.organisation_id FROM {DOCUMENTS} y WHERE %s <%% y.name))",
            [self.text],
        )

    def _tier_of_match(self) -> SqlFragment:
        """With _text_join: the tier of a match (the exact name is told apart on ``d``)."""
        return SqlFragment(
            f"CASE WHEN x.organisation_id IS NULL THEN {TIER_TRIGRAM} "
        ) + tier_cases(self.query, self.named_terms)

    def exact_name(self) -> SqlFragment:
        return SqlFragment("lower(d.name) = lower(%s)", [self.text])

    def tier_condition(self, tier: int, *, text_matches: bool = True) -> SqlFragment:
        """That document ``d`` matches the text, in `tier` (as _tier_of_match decides it).
        `text_matches`: False when the text is known to match nothing as words."""
        if tier == TIER_TRIGRAM:
            found = SqlFragment("%s <%% d.name", [self.text])
            if text_matches:
                found += (
                    SqlFragment(
                        f" AND NOT EXISTS (SELECT 1 FROM {TEXTS} z "
                        "WHERE z.organisation_id = d.organisation_id AND "
                    )
                    + words_match(self.query, "z")
                    + SqlFragment(")")
                )
        else:
            # (NOT or not, the vector, and for the name whether the words as typed)
            vectors = {
                TIER_NAME: [("", "name_vector", True)],
                TIER_TERMS_NAME: [("NOT ", "name_vector", True), ("", "name_vector", False)],
                TIER_TERMS: [("NOT ", "name_vector", True), ("NOT ", "name_vector", False)],
                TIER_HEAD: [("NOT ", "name_vector", True), ("", "head_vector", True)],
                TIER_ANYWHERE: [("NOT ", "name_vector", True), ("NOT ", "head_vector", True)],
            }.get(tier, [])
            tests = [
                SqlFragment(f"{negation}(")
                + words_match(self.query, vector=vector, typed=typed)
                + SqlFragment(")")
                for negation, vector, typed in [*vectors, ("", "search_vector", True)]
            ]
            found = (
                SqlFragment(f"d.organisation_id IN (SELECT x.organisation_id FROM {TEXTS} x WHERE ")
                + join_sql(tests, " AND ")
                + SqlFragment(")")
            )
            if self.named_terms is not None and tier not in (TIER_EXACT, TIER_NAME):
                named = SqlFragment("(") + self.named_terms + SqlFragment(")")
                terms = tier in (TIER_TERMS_NAME, TIER_TERMS)
                found = all_of([found, named if terms else SqlFragment("NOT ") + named])
        if tier == TIER_EXACT:
            return all_of([self.exact_name(), found])
        return all_of([found, SqlFragment("NOT ") + self.exact_name()])

    def tiers(self) -> list[int]:
        """The best-match tiers of this query, best first."""
        tiers = [TIER_EXACT, TIER_NAME, TIER_TERMS_NAME, TIER_TERMS, TIER_HEAD, TIER_ANYWHERE]
        if self.named_terms is None:
            tiers = [t for t in tiers if t not in (TIER_TERMS_NAME, TIER_TERMS)]
        return [*tiers, TIER_TRIGRAM] if self.plain else tiers

    def relevance(self) -> SqlFragment:
        """The best-match tier of document ``d`` as one expression (word similarity / 10 in
        the trigram tier, so that the most alike come first there)."""
        whens = [
            SqlFragment("WHEN ") + self.tier_condition(tier) + SqlFragment(f" THEN {tier}")
            for tier in self.tiers()
            if tier != TIER_TRIGRAM
        ]
        default = SqlFragment("word_similarity(%s, d.name) / 10", [self.text])
        return (
            SqlFragment("CASE ")
            + join_sql(whens, " ")
            + SqlFragment(" ELSE ")
            + default
            + SqlFragment(" END")
        )

    def rank(self) -> SqlFragment:
        """How well document ``d`` matches the words as typed (ts_rank_cd, weighted as
        SQLite's bm25), or NULL when only their synonyms match: the order within a tier."""
        typed = SqlFragment(TSQUERY, [self.query.name_query.tsquery()])
        return (
            SqlFragment(f"(SELECT ts_rank_cd('{RANK_WEIGHTS}', r.search_vector, ")
            + typed
            + SqlFragment(f", {RANK_NORMALISATION}) FROM {TEXTS} r ")
            + SqlFragment("WHERE r.organisation_id = d.organisation_id AND r.search_vector @@ ")
            + typed
            + SqlFragment(")")
        )

    # --- ordering -----------------------------------------------------------------------------
    def ordered(
        self,
        sort: str,
        counts: SearchCounts | None,
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> SqlFragment:
        """SELECT organisation_id, miles, row of the matches in `sort` order (miles NULL when no
        postcode is given or when only the region is covered): all of them, or the slice
        [offset, offset + limit). `counts` tells the size of each part of the order: needed
        for a slice, and for the best-match order (its alike names' order depends on them)."""
        name_order = f"{SORT_NAME_SQL}, d.organisation_id"
        if sort == "distance":
            parts = [
                # A service located within the distance is near by definition.
                OrderSegment(
                    SqlFragment("n.miles IS NOT NULL"),
                    "d.miles, " + name_order,
                    implies="near",
                    indexed=False,
                    rows=self._located_rows(),
                    key="located",
                    leading="d.miles",
                ),
                OrderSegment(SqlFragment("n.miles IS NULL"), name_order, key="elsewhere"),
            ]
            sizes = [counts.located, counts.total - counts.located] if counts else [0, 0]
            ordered = self._parts(parts, sizes, limit, offset, text_decided=False, distances=True)
            return (
                SqlFragment("SELECT p.organisation_id, p.miles, p.row FROM (")
                + ordered
                + SqlFragment(") p ORDER BY p.row")
            )
        if sort == "best" and self.text:
            sizes = [counts.tiers.get(tier, 0) for tier in self.tiers()]
            # A misspelt name matches no words: its alike names need not be told apart.
            text_matches = any(sizes[:-1]) or not self.plain
            parts = [
                OrderSegment(
                    self.tier_condition(tier, text_matches=text_matches), name_order, key=tier
                )
                for tier in self.tiers()
            ]
            for part, size in zip(parts, sizes, strict=True):
                if part.key != TIER_TRIGRAM and size <= RANKED_PART:
                    part.rank = self.rank()
                    part.order = "d.rank DESC NULLS LAST, " + name_order
                    part.indexed = False
            if self.plain and sizes[-1] <= SMALL_PART:
                # The most alike names first among those that only look alike (unless
                # thousands do, when most are as alike as each other: then A to Z).
                parts[-1].order = "word_similarity(%s, d.name) DESC, " + name_order
                parts[-1].order_params = [self.text]
                parts[-1].indexed = False
            ordered = self._parts(parts, sizes, limit, offset, text_decided=True)
        else:
            if sort == "verified":
                name_order = "d.last_verified_at DESC NULLS LAST, " + name_order
            sizes = [counts.total if counts else 0]
            ordered = self._parts(
                [OrderSegment(SqlFragment("TRUE"), name_order)],
                sizes,
                limit,
                offset,
                text_decided=False,
            )
        miles = SqlFragment("NULL::float")
        if self.filterset.place is not None:
            # The distance of the rows returned only.
            miles = SqlFragment("(") + self._nearest() + SqlFragment(")")
        return (
            SqlFragment("SELECT p.organisation_id, ")
            + miles
            + SqlFragment(" AS miles, p.row FROM (")
            + ordered
            + SqlFragment(") p ORDER BY p.row")
        )

    def _parts(
        self,
        parts: list["OrderSegment"],
        sizes: list[int],
        limit: int | None,
        offset: int,
        *,
        text_decided: bool,
        distances: bool = False,
    ) -> SqlFragment:
        """SELECT organisation_id[, miles], row of the concatenation of `parts`: all of it, or
        the rows [offset, offset + limit), reading only the parts that overlap them (whose
        sizes are known), each in its own order. `text_decided`: the parts' conditions imply
        the text match."""
        source = SqlFragment(f"{DOCUMENTS} d")
        miles = "NULL::float"
        if distances:
            miles = "n.miles"
            source += (
                SqlFragment(" LEFT JOIN (")
                + self._nearest_by_organisation()
                + SqlFragment(") n ON n.organisation_id = d.organisation_id")
            )
        branches, start = [], 0
        for number, part in enumerate(parts):
            size, first, take = sizes[number], 0, None
            if limit is not None:
                end, start = start + size, start + size
                if not (end > offset and end - size < offset + limit):
                    continue  # not on this page
                first = max(offset - (end - size), 0)
                take = min(end, offset + limit) - (end - size) - first
            in_index_order = part.indexed and size > SMALL_PART
            rows = self._part_rows(part, source, miles, text_decided)
            if not in_index_order:
                # Few rows (or an order no index has): find them all, then sort; in index
                # order the planner might read the whole index for a page of a few matches
                # (it takes them to be spread evenly).
                rows += SqlFragment(" OFFSET 0")
            if take is not None and part.leading:
                rows = (
                    SqlFragment("SELECT * FROM (")
                    + rows
                    + SqlFragment(
                        f") d ORDER BY {part.leading} FETCH FIRST %s ROWS WITH TIES", [first + take]
                    )
                )
            order = SqlFragment(part.order, part.order_params)
            branch = (
                SqlFragment(f"(SELECT d.organisation_id, d.miles, {number} AS part, ")
                + SqlFragment("row_number() OVER (ORDER BY ")
                + order
                + SqlFragment(") AS position FROM (")
                + rows
                + SqlFragment(") d ORDER BY ")
                + order
            )
            if take is None:
                branches.append(branch + SqlFragment(")"))
            else:
                self.reads_in_index_order |= in_index_order
                branches.append(branch + SqlFragment(" LIMIT %s OFFSET %s)", [take, first]))
        if not branches:
            return SqlFragment(
                f"SELECT d.organisation_id, NULL::float AS miles, 0 AS row FROM {DOCUMENTS} d "
                "WHERE FALSE"
            )
        return (
            SqlFragment(
                "SELECT u.organisation_id, u.miles, "
                "row_number() OVER (ORDER BY u.part, u.position) AS row FROM ("
            )
            + join_sql(branches, " UNION ALL ")
            + SqlFragment(") u")
        )

    def _part_rows(
        self, part: "OrderSegment", source: SqlFragment, miles: str, text_decided: bool
    ) -> SqlFragment:
        """SELECT organisation_id, name, last_verified_at, miles of a part's rows: by id when
        its members are known, else by its conditions."""
        select = SqlFragment(
            f"SELECT d.organisation_id, d.name, d.last_verified_at, {miles} AS miles"
        )
        if part.rank is not None:
            select += SqlFragment(", ") + part.rank + SqlFragment(" AS rank")
        select += SqlFragment(" FROM ")
        if self.members is not None and part.key in self.members:
            ids = "{" + ",".join(map(str, self.members[part.key].tolist())) + "}"
            return (
                select + source + SqlFragment(" WHERE d.organisation_id = ANY(%s::bigint[])", [ids])
            )
        return part.rows or (
            select
            + source
            + SqlFragment(" WHERE ")
            + all_of([self.where(part.implies, text=not text_decided), part.condition])
        )

    def _located(self) -> SqlFragment:
        """FROM and WHERE of the delivery locations ``l`` within the distance whose services
        meet the other service conditions."""
        others = self._service_sql("near")
        if not others:
            return SqlFragment(f"{LOCATIONS} l WHERE ") + self._within()
        return SqlFragment(
            f"{LOCATIONS} l JOIN {SERVICES} s ON s.service_id = l.service_id WHERE "
        ) + all_of([self._within(), *others])

    def _nearest(self) -> SqlFragment:
        """The nearest such location of organisation ``p``, or its own address when it is
        based near (a correlated subquery)."""
        return (
            SqlFragment("SELECT coalesce(min(")
            + self._distance()
            + SqlFragment("), (SELECT ")
            + self._based_distance("b")
            + SqlFragment(f" FROM {DOCUMENTS} b WHERE b.organisation_id = p.organisation_id AND ")
            + self.based_near("b")
            + SqlFragment(")) FROM ")
            + self._located()
            + SqlFragment(" AND l.organisation_id = p.organisation_id")
        )

    def _nearest_by_organisation(self) -> SqlFragment:
        """(organisation_id, miles, name, published, hidden) of each organisation with such a
        location, and the nearest one's distance; and of each based near (listing no
        locations) with a service meeting the other service conditions, its own address's."""
        based = [self.based_near()]
        if others := self._service_sql("near"):
            services = all_of(others)
            based.append(
                SqlFragment(
                    f"d.organisation_id IN (SELECT s.organisation_id FROM {SERVICES} s "
                    f"WHERE {services.text})",
                    services.params,
                )
            )
        return (
            SqlFragment("SELECT l.organisation_id, min(")
            + self._distance()
            + SqlFragment(
                ") AS miles, min(l.name) AS name, bool_and(l.published) AS published, "
                "bool_or(l.hidden) AS hidden FROM "
            )
            + self._located()
            + SqlFragment(" GROUP BY l.organisation_id UNION ALL SELECT d.organisation_id, ")
            + self._based_distance()
            + SqlFragment(f", d.name, d.published, d.hidden FROM {DOCUMENTS} d WHERE ")
            + all_of(based)
        )

    def _located_rows(self) -> SqlFragment | None:
        """The located matches straight from their locations, without the documents, when
        nothing else about the organisation is asked (the documents' whole table would
        otherwise be joined for a page of them)."""
        if self.text or set(self.organisation) - {"fresh"}:
            return None
        listed = [
            SqlFragment("n.published"),
            *([SqlFragment("NOT n.hidden")] if "fresh" in self.organisation else []),
        ]
        return (
            SqlFragment(
                "SELECT n.organisation_id, n.name, NULL::timestamptz AS last_verified_at, "
                "n.miles FROM ("
            )
            + self._nearest_by_organisation()
            + SqlFragment(") n WHERE ")
            + all_of(listed)
        )

    # --- counts -------------------------------------------------------------------------------
    def counts(self) -> SearchCounts:
        """Every count a results page shows, in one statement: the total, each facet option as
        if its own group had no selection, and the ordering tiers."""
        branches = [self._main_branch()]
        branches += [
            self._own_group_branch(group)
            for group in [*self.organisation, *self.services]
            if group in FACET_GROUPS
        ]
        statement = join_sql(
            [branch.sql(number) for number, branch in enumerate(branches)], " UNION ALL "
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.text, statement.params)
            rows = dict(cursor.fetchall())
        facets: dict[str, dict[str, int]] = {group: {} for group in FACET_GROUPS}
        for number, branch in enumerate(branches):
            for counter, count in zip(branch.counters, rows[number], strict=True):
                facets.setdefault(counter.group, {})[counter.option] = count
        return SearchCounts(
            total=facets.pop("")["total"],
            facets=facets,
            tiers={int(tier): n for tier, n in facets.pop("tier", {}).items()},
            located=facets.pop("located", {}).get("yes", 0),
        )

    def _source(self, exclude: str | None) -> tuple[SqlFragment, str]:
        """FROM for a branch counting without `exclude`'s condition, and the alias to read the
        service masks from: the union of the services meeting the other service conditions
        (``ms``), or of all of them (``d``) when there are none."""
        source = SqlFragment(f"{DOCUMENTS} d")
        if self.text:
            # Each branch joins the text its own way: looked up for the few organisations its
            # filters leave, or matched in bulk when they leave many.
            source += self._text_join()
        if not self._service_groups(exclude):
            return source, "d"
        # LEFT: an organisation based near needs no service when near is the only condition.
        join = " LEFT JOIN (" if self._near_without_service(exclude) else " JOIN ("
        return source + SqlFragment(join) + self.matched_services(exclude) + SqlFragment(
            ") ms ON ms.organisation_id = d.organisation_id"
        ), "ms"

    def _branch_where(self, exclude: str | None) -> SqlFragment:
        # The text and service conditions are the source's joins.
        where = self.where(exclude, text=False, services=False)
        if self._near_without_service(exclude):
            where = all_of(
                [where, SqlFragment("ms.organisation_id IS NOT NULL OR ") + self.based_near()]
            )
        if self.text and (text := self._text_where()):
            where = all_of([where, text])
        return where

    def _main_branch(self) -> CountingSelect:
        source, services = self._source(None)
        counters = [OptionCounter("", "total", SqlFragment("TRUE"))]
        for group in FACET_GROUPS:
            if group not in self.organisation and group not in self.services:
                counters += self._options(group, services)
        if self.text:
            counters.append(OptionCounter("tier", str(TIER_EXACT), self.exact_name()))
            not_exact = SqlFragment("NOT ") + self.exact_name()
            counters += [
                OptionCounter(
                    "tier",
                    str(tier),
                    all_of([self._tier_of_match() + SqlFragment(f" = {tier}"), not_exact]),
                )
                for tier in self.tiers()
                if tier != TIER_EXACT
            ]
        if self.filterset.place is not None:
            # The located matches, for the distance order (not a facet).
            located = SqlFragment("ms.located OR ") + self.based_near()
            counters.append(OptionCounter("located", "yes", located))
        return CountingSelect(source, self._branch_where(None), counters)

    def _own_group_branch(self, group: str) -> CountingSelect:
        """A group with a selection, counted as if it had none."""
        source, services = self._source(group)
        return CountingSelect(source, self._branch_where(group), self._options(group, services))

    def _options(self, group: str, services: str) -> list[OptionCounter]:
        """A counter for each option of `group`; service masks are read from `services`."""
        if group in INTEREST_FILTERS_BY_PARAM and self.interest_in_place:
            interest = INTEREST_FILTERS_BY_PARAM[group]
            return [
                OptionCounter(group, t.slug, self._interest_in_place(interest, [t.id]))
                for t in self.taxonomy[group]
            ]
        if group in MASK_COLUMNS:
            scoped = group in TERM_FILTERS and TERM_FILTERS[group].scope is Scope.SERVICE
            alias = services if scoped else "d"
            return [
                OptionCounter(group, t.slug, self.term_condition(group, t, alias))
                for t in self.taxonomy[group]
            ]
        if group in YES_NO_BY_GROUP:
            flag = YES_NO_BY_GROUP[group]
            alias = services if flag.scope is Scope.SERVICE else "d"
            return [OptionCounter(group, "yes", SqlFragment(flag.sql(alias)))]
        if group == EVIDENCE.param:
            return [
                OptionCounter(
                    group, str(level), SqlFragment(f"d.{EVIDENCE.document_column} >= %s", [level])
                )
                for level in EVIDENCE.levels
            ]
        if group == VERIFIED_RECENTLY.param:
            return [OptionCounter(group, "yes", self._verified())]
        raise ValueError(f"No counts for {group}")


# --- what result lines and export rows show ---------------------------------------------------
SUMMARY_GROUPS = (*SERVICE_TAXONOMY_GROUPS, "partnership_role", "quality_mark")
_LINE_COLUMNS = ", ".join(
    [
        "d.accepting_referrals",
        "d.has_verified_evidence",
        "d.evidence_count",
        "d.evidence_level",
        "d.jdl_count",
        "ARRAY(SELECT s.name FROM directory_service s WHERE s.organisation_id = d.organisation_id"
        " ORDER BY s.position, s.id)",
        *(f"d.{MASK_COLUMNS[group]}" for group in SUMMARY_GROUPS),
    ]
)


SERIAL_READ = "SET LOCAL max_parallel_workers_per_gather = 0"

# The A to Z order of names: ignoring case and a leading "The" (as selectors.sort_name does for
# the ORM, and indexes of migration 0018 serve).
SORT_NAME_SQL = "regexp_replace(lower(d.name), '^the ', '')"


@dataclass
class ResultLine:
    """What a result line or an export row says of an organisation beyond its own fields."""

    organisation_id: int
    miles: float | None
    accepting_referrals: bool
    has_verified_evidence: bool
    evidence_count: int
    evidence_level: int
    jdl_count: int
    service_names: list[str]
    masks: dict[str, int]

    @classmethod
    def of(cls, organisation_id: int, miles: float | None, values) -> "ResultLine":
        accepting, verified, items, level, jdl, names, *masks = values
        return cls(
            organisation_id,
            miles,
            accepting,
            verified,
            items,
            level,
            jdl,
            names,
            dict(zip(SUMMARY_GROUPS, masks, strict=True)),
        )


def result_lines(
    search: DocumentSearch, sort: str, counts: SearchCounts, *, limit: int, offset: int
) -> list[ResultLine]:
    """The lines of a page of `search`'s matches in `sort` order."""
    ordered = search.ordered(sort, counts, limit=limit, offset=offset)
    statement = SqlFragment(
        f"SELECT o.organisation_id, o.miles, {_LINE_COLUMNS} FROM ({ordered.text}) o "
        f"JOIN {DOCUMENTS} d ON d.organisation_id = o.organisation_id ORDER BY o.row",
        ordered.params,
    )
    if search.reads_in_index_order:
        # Read in index order, a page stops after a few rows; parallel workers would each
        # read ahead on their own (ten times the work for a page of a phrase's matches). Sent
        # as one query string, the SET LOCAL holds for the SELECT (one implicit transaction)
        # and costs no round trip of its own.
        statement = SqlFragment(f"{SERIAL_READ}; ") + statement
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return [ResultLine.of(pk, miles, values) for pk, miles, *values in cursor.fetchall()]


# What an export row shows of an organisation itself, by the name selectors._export_row uses.
EXPORT_FIELDS = {
    "name": "o.name",
    "slug": "o.slug",
    "summary": "o.summary",
    "legal_form": "coalesce(lf.name, '')",
    "charity_number_ew": "o.charity_number_ew",
    "company_number": "o.company_number",
    "society_number": "o.society_number",
    "income_band": "coalesce(ib.name, '')",
    "town": "o.town",
    "postcode": "o.postcode",
    "website": "o.website",
    "email": "o.email",
    "phone": "o.phone",
    "lived_experience_led": "o.lived_experience_led",
    "open_to_partnership": "o.open_to_partnership",
    "last_verified_at": "o.last_verified_at",
    "partnership_notes": "o.partnership_notes",
}


def export_lines(chunk: list[tuple]) -> dict[int, tuple[dict, ResultLine]]:
    """For a chunk of (organisation_id, miles, row) rows: each organisation's export fields
    (EXPORT_FIELDS and miles) and line, in one query."""
    miles = {pk: distance for pk, distance, _row in chunk}
    fields = ", ".join(EXPORT_FIELDS.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id, {fields}, {_LINE_COLUMNS} FROM directory_organisation o "
            f"JOIN {DOCUMENTS} d ON d.organisation_id = o.id "
            "LEFT JOIN directory_legalform lf ON lf.id = o.legal_form_id "
            "LEFT JOIN directory_incomeband ib ON ib.id = o.income_band_id "
            "WHERE o.id = ANY(%s)",
            [list(miles)],
        )
        found = {}
        for pk, *values in cursor.fetchall():
            exported = dict(zip(EXPORT_FIELDS, values[: len(EXPORT_FIELDS)], strict=True))
            exported["miles"] = miles[pk]
            line = ResultLine.of(pk, miles[pk], values[len(EXPORT_FIELDS) :])
            found[pk] = (exported, line)
        return found
