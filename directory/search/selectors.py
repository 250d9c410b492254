"""Reads of the public directory."""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower, Substr
from django.http import QueryDict
from django.urls import reverse

from directory.organisations import models as organisation_models
from directory.organisations.models import (
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.search import document_search, facet_index
from directory.search.definitions import (
    ACCEPTING_REFERRALS,
    EVIDENCE,
    INTEREST_FILTERS,
    INTEREST_FILTERS_BY_PARAM,
    ORGANISATION_TERM_FILTERS,
    SERVICE_TERM_FILTERS,
    VERIFIED_RECENTLY,
    YES_NO_FILTERS,
    Scope,
)
from directory.search.document_search import SearchCounts
from directory.search.filters import (
    EVIDENCE_LEVEL_CHOICES,
    OrganisationFilterSet,
    based_within,
    fts_ids,
    locations_within,
)
from directory.search.search_index import FTS5_WEIGHTS, FTS_TABLE, search_data_version


def organisation_profile_queryset() -> QuerySet[Organisation]:
    """Everything a profile page shows, in a fixed number of queries."""
    services = Service.objects.prefetch_related(
        "pathways",
        "client_groups",
        "settings",
        "regions",
        Prefetch("locations", queryset=DeliveryLocation.objects.order_by("id")),
    ).order_by("position", "id")
    evidence = EvidenceItem.objects.select_related("service").order_by("-year", "id")
    return Organisation.objects.select_related("legal_form", "income_band").prefetch_related(
        Prefetch("services", queryset=services),
        Prefetch("evidence_items", queryset=evidence),
        "quality_marks",
        "partnership_roles",
    )


def directory_headline_figures() -> dict[str, int]:
    """Counts shown on the home page."""
    published = Organisation.objects.published()
    services = Service.objects.filter(organisation__in=published)
    regions_covered = organisation_models.Region.objects.filter(services__in=services).aggregate(
        n=Count("id", distinct=True)
    )["n"]
    return {
        "organisations": published.count(),
        "services": services.count(),
        "regions": regions_covered,
    }


def region_browse_counts() -> list[dict]:
    """Each region with the numbers its home page links find: organisations with a service
    there (National counting everywhere) and organisations based there by their own address
    (many register entries list no services), as the default search counts them."""
    from django.http import QueryDict

    facets = cached_search_counts(filterset=OrganisationFilterSet(QueryDict())).facets
    return [
        {
            "region": region,
            "serving": facets["region"].get(region.slug, 0),
            "based": facets["based_in"].get(region.slug, 0),
        }
        for region in organisation_models.Region.objects.all()
    ]


# --- Search ----------------------------------------------------------------------------------

TAXONOMY_MODELS = {
    "pathway": organisation_models.Pathway,
    "client_group": organisation_models.ClientGroup,
    "setting": organisation_models.DeliverySetting,
    "region": organisation_models.Region,
    "legal_form": organisation_models.LegalForm,
    "income_band": organisation_models.IncomeBand,
    "partnership_role": organisation_models.PartnershipRole,
    **dict.fromkeys(INTEREST_FILTERS_BY_PARAM, organisation_models.PartnershipRole),
    "quality_mark": organisation_models.QualityMark,
    # Where an organisation is based by its own address: the regions but National.
    "based_in": organisation_models.Region,
}
PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 20
# Deep pages of a huge result cost a long OFFSET scan; nobody reads them, and a narrower
# search is always quicker than paging.
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class TaxonomyTermRow:
    id: int
    slug: str
    name: str
    is_national: bool
    bit: int | None = None  # the term's bit in the PostgreSQL search documents' masks


@dataclass(frozen=True, slots=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class FacetGroup:
    param: str
    label: str
    options: list[FacetOption]
    errors: list[str]

    @property
    def selected_count(self) -> int:
        return sum(option.selected for option in self.options)


@dataclass
class SearchResult:
    filterset: OrganisationFilterSet
    page: Page
    total: int
    facets: list[FacetGroup]
    sort: str
    page_size: int


def _search_bit(model, group: str):
    """The term's bit in the search documents (PostgreSQL), None on SQLite."""
    if connection.vendor != "postgresql":
        return Value(None, output_field=IntegerField())
    taxonomy = "partnership_role" if group in INTEREST_FILTERS_BY_PARAM else group
    taxonomy = "region" if group == "based_in" else taxonomy
    return RawSQL(
        "SELECT b.bit FROM directory_search_bit b "
        f"WHERE b.taxonomy = %s AND b.term_id = {model._meta.db_table}.id",
        [taxonomy],
        output_field=IntegerField(),
    )


def taxonomy_terms() -> dict[str, list[TaxonomyTermRow]]:
    """Every taxonomy term, by search group, in display order: one query."""
    queries = []
    for group, model in TAXONOMY_MODELS.items():
        is_national = (
            F("is_national")
            if model is organisation_models.Region
            else Value(False, output_field=BooleanField())
        )
        queries.append(
            model.objects.order_by()
            .annotate(
                group=Value(group, output_field=CharField()),
                national=is_national,
                bit=_search_bit(model, group),
            )
            .values_list("group", "id", "slug", "name", "national", "position", "bit")
        )
    terms: dict[str, list[TaxonomyTermRow]] = {group: [] for group in TAXONOMY_MODELS}
    rows = queries[0].union(*queries[1:], all=True)
    for group, pk, slug, name, national, _position, bit in sorted(
        rows, key=lambda r: (r[0], r[5], r[3])
    ):
        terms[group].append(
            TaxonomyTermRow(id=pk, slug=slug, name=name, is_national=bool(national), bit=bit)
        )
    terms["based_in"] = [term for term in terms["based_in"] if not term.is_national]
    return terms


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition) if condition else Count("pk")


def search_counts(*, filterset: OrganisationFilterSet, version: int | None = None) -> SearchCounts:
    """The result count and each option's count for the current results, where each group's
    own selection is ignored, at search data `version` (read when None). PostgreSQL: counted
    in memory by facet_index (or, inside a transaction, by one statement over the search
    documents), which also sizes the parts of the results' order; SQLite: one query per
    service group plus one for everything else."""
    if connection.vendor == "postgresql":
        search = document_search.DocumentSearch(filterset)
        if version is None:
            version = search_data_version()
        counts = facet_index.facet_counts(search, version)
        return counts if counts is not None else search.counts()
    return relational_search_counts(filterset=filterset)


def relational_search_counts(*, filterset: OrganisationFilterSet) -> SearchCounts:
    """search_counts from the tables themselves (any engine; the documents' counts on
    PostgreSQL are tested against it)."""
    taxonomy = filterset.taxonomy
    published = Organisation.objects.published().filter(filterset.text_condition())
    counts: dict[str, dict[str, int]] = {}

    # Service groups: count organisations per term over the through table, among services that
    # meet the other service conditions and belong to organisations meeting the rest.
    organisations = published.filter(_and(filterset.organisation_conditions().values()))
    for definition in SERVICE_TERM_FILTERS:
        group, relation = definition.param, getattr(Service, definition.field)
        services = _services_or_all(filterset.matching_services(exclude=group)).filter(
            organisation__in=organisations
        )
        term_column = relation.field.m2m_reverse_name()
        aggregates = {"n": Count("service__organisation_id", distinct=True)}
        # The terms that cover every other (definitions.TermFilter.covering_ids).
        covering_ids = definition.covering_ids([], taxonomy)
        if covering_ids:
            covering_services = services.filter(definition.condition([], taxonomy))
            aggregates["with_covering"] = Count(
                "service__organisation_id",
                distinct=True,
                filter=Q(service__organisation_id__in=covering_services.values("organisation_id")),
            )
        rows = (
            relation.through.objects.filter(service__in=services)
            .values(term_column)
            .annotate(**aggregates)
            .order_by()
        )
        by_id = {row[term_column]: row for row in rows}
        covering_total = sum(by_id.get(pk, {}).get("n", 0) for pk in covering_ids)
        group_counts = {}
        for term in taxonomy[group]:
            row = by_id.get(term.id, {})
            if covering_ids and term.id not in covering_ids:
                # Organisations with a service in the term or in one covering it.
                group_counts[term.slug] = (
                    row.get("n", 0) + covering_total - row.get("with_covering", 0)
                )
            else:
                group_counts[term.slug] = row.get("n", 0)
        counts[group] = group_counts

    # Everything else: one aggregate over organisations, each option with its own FILTER. The
    # service conditions are the same for every option (only "accepting referrals" is itself
    # a service condition), so they go in the WHERE clause once rather than in every FILTER.
    org_conditions = filterset.organisation_conditions()

    def organisation_condition(exclude: str | None = None) -> Q:
        return _and(q for group, q in org_conditions.items() if group != exclude)

    if (services := filterset.services_condition(exclude="accepting_referrals")) is not None:
        published = published.filter(services)
    accepting = Q()
    if "accepting_referrals" in filterset.service_conditions():
        accepting = filterset.services_condition()
    aggregates = {"total": _count(organisation_condition() & accepting)}
    option_conditions = _organisation_option_conditions(filterset)
    for group, options in option_conditions.items():
        if group == "accepting_referrals":
            others = organisation_condition()
        else:
            others = organisation_condition(exclude=group) & accepting
        for value, condition in options.items():
            aggregates[f"{group}__{value}"] = _count(condition & others)
    figures = published.aggregate(**aggregates)
    for group, options in option_conditions.items():
        counts[group] = {value: figures[f"{group}__{value}"] for value in options}
    return SearchCounts(total=figures["total"], facets=counts, tiers={}, located=0)


FACET_CACHE_SECONDS = 300


def cached_search_counts(*, filterset: OrganisationFilterSet) -> SearchCounts:
    """search_counts, kept for FACET_CACHE_SECONDS per search state and search-data version.

    Counting over every organisation is the expensive part of a search page, and the same
    states (the landing page, a region, a popular word) are asked for again and again, not
    least by the pages that follow the first. The version changes with every change to the
    search data (search_index.search_data_version), so edits show at once; FACET_CACHE_SECONDS
    bounds the counts that move with the clock ("verified in the last 12 months").
    The benchmark (scripts/bench.py) reports uncounted requests too.
    """
    version = search_data_version()
    key = f"search-counts:{version}:{filterset.state_key()}"
    kept = caches["search"]
    cached = kept.get(key)
    if cached is None:
        cached = search_counts(filterset=filterset, version=version)
        kept.set(key, cached, FACET_CACHE_SECONDS)
    return cached


def _services_or_all(services: QuerySet[Service] | None) -> QuerySet[Service]:
    return Service.objects.all() if services is None else services


def _and(conditions) -> Q:
    combined = Q()
    for condition in conditions:
        combined &= condition
    return combined


def _organisation_option_conditions(filterset: OrganisationFilterSet) -> dict[str, dict[str, Q]]:
    """For each organisation-level group (and accepting referrals), the condition each of its
    options stands for, made from its definition."""
    taxonomy = filterset.taxonomy
    options: dict[str, dict[str, Q]] = {}
    for definition in ORGANISATION_TERM_FILTERS:
        options[definition.param] = {
            t.slug: definition.condition([t.id], taxonomy) for t in taxonomy[definition.param]
        }
    for interest in INTEREST_FILTERS:
        options[interest.param] = {
            t.slug: filterset.partnership_interest_condition(interest, [t.id])
            for t in taxonomy[interest.param]
        }
    for flag in YES_NO_FILTERS:
        if flag.scope is Scope.ORGANISATION and flag.counted:
            options[flag.name] = {"yes": flag.condition()}
    accepting = _services_or_all(filterset.matching_services(exclude=ACCEPTING_REFERRALS.name))
    options[ACCEPTING_REFERRALS.name] = {
        "yes": Q(pk__in=accepting.filter(ACCEPTING_REFERRALS.condition()).values("organisation_id"))
    }
    options[EVIDENCE.param] = {str(level): EVIDENCE.condition(level) for level in EVIDENCE.levels}
    options[VERIFIED_RECENTLY.param] = {"yes": VERIFIED_RECENTLY.condition()}
    return options


# Long texts no result line or export column shows: they are most of a row's size.
_LONG_TEXTS = ("description", "partnership_notes", "search_text")


def sort_name():
    """A name as it is sorted: ignoring case and a leading "The" (document_search.SORT_NAME_SQL
    is the same order in SQL)."""
    return Case(
        When(name__istartswith="the ", then=Substr(Lower("name"), 5)),
        default=Lower("name"),
        output_field=CharField(),
    )


def search_queryset(*, filterset: OrganisationFilterSet) -> QuerySet[Organisation]:
    """The matching published organisations in the chosen order (annotated with `miles` when a
    postcode is given: the nearest matching delivery location, or the organisation's own
    address when it lists none, None for region-wide services)."""
    return ordered_queryset(
        filterset=filterset,
        organisations=filterset.filter_queryset(Organisation.objects.published()),
    )


def ordered_queryset(
    *, filterset: OrganisationFilterSet, organisations: QuerySet[Organisation]
) -> QuerySet[Organisation]:
    """`organisations` in the search's order, with what a result line shows."""
    order: list = []
    sort = filterset.sort_order
    if place := filterset.place:
        locations = locations_within(place, filterset.miles).filter(
            service__organisation=OuterRef("pk")
        )
        # A location within the distance is "near" by definition; its service must still
        # meet the other service filters.
        if (services := filterset.matching_services(exclude="near")) is not None:
            locations = locations.filter(service__in=services)
        # An organisation that lists no delivery locations: how far its own address is.
        based = based_within(place, filterset.miles).filter(pk=OuterRef("pk"))
        organisations = organisations.annotate(
            miles=Coalesce(
                Subquery(locations.order_by("miles").values("miles")[:1]),
                Subquery(based.values("miles")),
                output_field=FloatField(),
            )
        )
    if sort == "best" and filterset.query_text:
        organisations = organisations.annotate(relevance=_relevance(filterset))
        order = [F("relevance").desc(), *_rank_within_tier(filterset)]
    elif sort == "verified":
        order = [F("last_verified_at").desc(nulls_last=True)]
    elif sort == "distance":
        order = [F("miles").asc(nulls_last=True)]
    verified = EvidenceItem.objects.filter(organisation=OuterRef("pk"), verified_by_moderator=True)
    return (
        organisations.select_related("legal_form", "income_band")
        .annotate(has_verified_evidence=Exists(verified))
        .defer(*_LONG_TEXTS)
        .order_by(*order, sort_name(), "id")
    )


def _relevance(filterset: OrganisationFilterSet):
    if connection.vendor == "postgresql":
        # The best-match tier of the search page (document_search.DocumentSearch.tiers).
        relevance = document_search.DocumentSearch(filterset).relevance()
        return RawSQL(
            f"(SELECT {relevance.text} FROM {document_search.DOCUMENTS} d "
            f"WHERE d.organisation_id = {Organisation._meta.db_table}.id)",
            relevance.params,
            output_field=FloatField(),
        )
    # SQLite: the same tiers from the text index's columns (name; summary and service names).
    query = filterset.search_query
    whens = [When(name__iexact=filterset.match_text, then=Value(document_search.TIER_EXACT))]
    if expression := query.name_query.fts5("{name}"):
        whens.append(When(pk__in=fts_ids(expression), then=Value(document_search.TIER_NAME)))
    if (named := filterset.named_terms_condition()) is not None:
        if expression := query.fts5("{name}"):
            name = Q(pk__in=fts_ids(expression))
            whens.append(When(named & name, then=Value(document_search.TIER_TERMS_NAME)))
        whens.append(When(named, then=Value(document_search.TIER_TERMS)))
    if expression := query.fts5("{name head}"):
        whens.append(When(pk__in=fts_ids(expression), then=Value(document_search.TIER_HEAD)))
    return Case(*whens, default=Value(document_search.TIER_ANYWHERE), output_field=IntegerField())


def _rank_within_tier(filterset: OrganisationFilterSet) -> list:
    """SQLite: within a best-match tier, the best match of the words as typed first (FTS5's
    bm25, lower is better, its columns weighted as PostgreSQL's vector: name, then summary and
    service names), then those found only by a synonym."""
    query = filterset.search_query.name_query
    if connection.vendor == "postgresql" or not (expression := query.fts5()):
        return []
    rank = RawSQL(
        f"(SELECT bm25({FTS_TABLE}, {FTS5_WEIGHTS}) FROM {FTS_TABLE} WHERE {FTS_TABLE} "
        f"MATCH %s AND rowid = {Organisation._meta.db_table}.id)",
        [expression],
        output_field=FloatField(),
    )
    return [rank.asc(nulls_last=True)]


def organisation_search(*, params: QueryDict) -> SearchResult:
    """One page of search results with facet counts, in a bounded number of queries."""
    filterset = OrganisationFilterSet(params, queryset=Organisation.objects.published())
    results = SearchResults(filterset, counts=cached_search_counts(filterset=filterset))
    page_size = _page_size(params.get("page_size"))
    paginator = Paginator(results, page_size)
    paginator.num_pages = min(paginator.num_pages, MAX_PAGE)
    page = paginator.get_page(params.get("page"))
    page.object_list = list(page.object_list)
    return SearchResult(
        filterset=filterset,
        page=page,
        total=results.count(),
        facets=_facet_groups(filterset, results.counts.facets),
        sort=filterset.sort_order,
        page_size=page_size,
    )


class SearchResults:
    """The matching organisations in the chosen order, for a Paginator to slice: each with
    `miles`, `has_verified_evidence` and `summary_of_services`. The count comes with the facet
    counts (cached_search_counts). PostgreSQL: a slice is one query for the ids in order with
    what their result lines show, and one for the organisations; SQLite: search_queryset."""

    def __init__(self, filterset: OrganisationFilterSet, counts: SearchCounts | None = None):
        self.filterset = filterset
        self._counts = counts

    @property
    def counts(self) -> SearchCounts:
        if self._counts is None:
            self._counts = cached_search_counts(filterset=self.filterset)
        return self._counts

    def count(self) -> int:
        if self._counts is None and connection.vendor != "postgresql":
            # Only the number is wanted (the API): SQLite's counts of every option cost more.
            return search_queryset(filterset=self.filterset).count()
        return self.counts.total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Organisation]:
        start = item.start or 0
        if connection.vendor != "postgresql":
            page = list(search_queryset(filterset=self.filterset)[start : item.stop])
            _attach_service_summaries(page, self.filterset.taxonomy)
            _mark_distances_from_own_address(page)
            return page
        search = document_search.DocumentSearch(self.filterset)
        search.members = facet_index.part_members(search)
        rows = document_search.result_lines(
            search,
            self.filterset.sort_order,
            self.counts,
            limit=item.stop - start,
            offset=start,
        )
        found = (
            Organisation.objects.select_related("legal_form", "income_band")
            .defer(*_LONG_TEXTS)
            .in_bulk([row.organisation_id for row in rows])
        )
        page = []
        for row in rows:
            if (organisation := found.get(row.organisation_id)) is not None:
                organisation.miles = row.miles
                organisation.has_verified_evidence = row.has_verified_evidence
                organisation.summary_of_services = _document_summary(row, self.filterset.taxonomy)
                page.append(organisation)
        self._label_alike_names(page, start)
        _mark_distances_from_own_address(page)
        return page

    def _label_alike_names(self, page: list[Organisation], start: int) -> None:
        """Mark the names that only look like the words (the last best-match tier)."""
        search = document_search.DocumentSearch(self.filterset)
        if self.filterset.sort_order != "best" or not search.text or not search.plain:
            return
        matched = self.counts.total - self.counts.tiers.get(document_search.TIER_TRIGRAM, 0)
        for position, organisation in enumerate(page, start):
            organisation.name_only_alike = position >= matched


def _page_size(value: str | None) -> int:
    try:
        size = int(value or DEFAULT_PAGE_SIZE)
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _mark_distances_from_own_address(organisations: list[Organisation]) -> None:
    """Set `miles_from_own_address` on each: whether its `miles` are those of its own address
    (it lists no delivery locations), in one query when any has a distance."""
    distant = [o.pk for o in organisations if getattr(o, "miles", None) is not None]
    located = set()
    if distant:
        located = set(
            DeliveryLocation.objects.filter(service__organisation__in=distant).values_list(
                "service__organisation_id", flat=True
            )
        )
    from_own_address = set(distant) - located
    for organisation in organisations:
        organisation.miles_from_own_address = organisation.pk in from_own_address


def _attach_service_summaries(organisations: list[Organisation], taxonomy) -> None:
    """Set `summary` (a ServiceSummary) on each organisation: two queries."""
    summaries = service_summaries(organisation_ids=[o.pk for o in organisations], taxonomy=taxonomy)
    for organisation in organisations:
        organisation.summary_of_services = summaries[organisation.pk]


@dataclass
class ServiceSummary:
    """What an organisation's services (and its partnership profile) add up to, by name."""

    services: list[str]
    accepting_referrals: bool
    terms: dict[str, list[str]]


_LINKS = [
    ("pathway", Service.pathways),
    ("client_group", Service.client_groups),
    ("setting", Service.settings),
    ("region", Service.regions),
    ("partnership_role", Organisation.partnership_roles),
    ("quality_mark", Organisation.quality_marks),
]


def service_summaries(*, organisation_ids: list[int], taxonomy) -> dict[int, ServiceSummary]:
    """Service names and the taxonomy terms of each organisation, in two queries."""
    summaries = {
        pk: ServiceSummary([], False, {group: [] for group, _ in _LINKS}) for pk in organisation_ids
    }
    if not organisation_ids:
        return summaries
    services = Service.objects.filter(organisation_id__in=organisation_ids).order_by(
        "position", "id"
    )
    for organisation_id, name, accepting in services.values_list(
        "organisation_id", "name", "accepting_referrals"
    ):
        summaries[organisation_id].services.append(name)
        summaries[organisation_id].accepting_referrals |= accepting
    branches = []
    for group, relation in _LINKS:
        field = relation.field
        owner = "service__organisation_id" if field.model is Service else field.m2m_column_name()
        branches.append(
            relation.through.objects.filter(**{f"{owner}__in": organisation_ids})
            .annotate(
                owner_id=F(owner),
                term=F(field.m2m_reverse_name()),
                kind=Value(group, output_field=CharField()),
            )
            .values_list("owner_id", "kind", "term")
        )
    found: dict[tuple[int, str], set[int]] = {}
    for owner_id, kind, term in branches[0].union(*branches[1:], all=True):
        found.setdefault((owner_id, kind), set()).add(term)
    for (owner_id, kind), terms in found.items():
        summaries[owner_id].terms[kind] = [t.name for t in taxonomy[kind] if t.id in terms]
    return summaries


FACET_LABELS = {
    "pathway": "Pathway",
    "client_group": "People supported",
    "setting": "Delivery setting",
    "region": "Region",
    "based_in": "Based in (its own address)",
    "accepting_referrals": "Referrals",
    "has_evidence": "Evidence of impact",
    "has_jdl": "Justice Data Lab",
    "lived_experience_led": "Lived experience",
    "verified_recently": "Verification",
    "legal_form": "Legal form",
    "income_band": "Annual income",
    "partnership_role": "Partnership role it would take",
    "open_to_partnership": "Partnership approaches",
    "offers_role": "Offers to partner as",
    "seeks_role": "Looking for a partner as",
    "quality_mark": "Quality mark",
}
FLAG_LABELS = {
    "accepting_referrals": "Accepting referrals now",
    "has_jdl": "Has a Justice Data Lab result",
    "lived_experience_led": "Led by people with lived experience",
    "verified_recently": "Verified in the last 12 months",
    "open_to_partnership": "Open to partnership approaches now",
}


def _facet_groups(
    filterset: OrganisationFilterSet, counts: dict[str, dict[str, int]]
) -> list[FacetGroup]:
    """Facet groups for display: options with no results are left out unless selected."""
    values = filterset.values
    groups = []
    for param, label in FACET_LABELS.items():
        group_counts = counts[param]
        if param in filterset.taxonomy:
            selected = set(values.get(param) or [])
            options = [
                FacetOption(t.slug, t.name, group_counts[t.slug], t.slug in selected)
                for t in filterset.taxonomy[param]
            ]
        elif param == "has_evidence":
            level = values.get("min_evidence_level") or ""
            options = [
                FacetOption(
                    "yes",
                    "Has evidence of impact",
                    group_counts["1"],
                    bool(values.get("has_evidence")),
                )
            ] + [
                FacetOption(value, text, group_counts[value], value == level)
                for value, text in EVIDENCE_LEVEL_CHOICES
            ]
        else:
            options = [
                FacetOption("yes", FLAG_LABELS[param], group_counts["yes"], bool(values.get(param)))
            ]
        shown = [option for option in options if option.count or option.selected]
        errors = filterset.form.errors.get(param, [])
        if param == "has_evidence":
            errors = errors + filterset.form.errors.get("min_evidence_level", [])
        groups.append(FacetGroup(param, label, shown, list(errors)))
    return groups


EXPORT_CHUNK = 1000
EXPORT_COLUMNS = (
    "name",
    "profile_url",
    "summary",
    "legal_form",
    "charity_number",
    "company_number",
    "society_number",
    "income_band",
    "town",
    "postcode",
    "website",
    "email",
    "phone",
    "services",
    "pathways",
    "client_groups",
    "delivery_settings",
    "regions",
    "accepting_referrals",
    "lived_experience_led",
    "open_to_partnership",
    "partnership_roles_sought",
    "quality_marks",
    "evidence_items",
    "highest_nesta_level",
    "justice_data_lab_results",
    "last_verified",
    "partnership_notes",
    "distance_miles",
)


def organisation_export_rows(*, filterset: OrganisationFilterSet) -> Iterator[dict]:
    """Every matching organisation as a flat dict (services summarised), streamed in chunks so
    that memory stays flat however many rows there are. PostgreSQL: the ordered ids through a
    server-side cursor and two queries per chunk for the rest; SQLite: four queries a chunk."""
    profile_url = settings.SITE_URL + reverse(
        "directory:organisation_detail", kwargs={"slug": "-slug-"}
    )
    if connection.vendor == "postgresql":
        rows = _document_export_rows(filterset)
    else:
        rows = _relational_export_rows(filterset)
    for fields, summary, evidence in rows:
        yield _export_row(fields, summary, evidence, profile_url=profile_url)


def exported_fields(organisation: Organisation) -> dict:
    """What an export row shows of an organisation itself (document_search.EXPORT_FIELDS)."""
    fields = {name: getattr(organisation, name) for name in document_search.EXPORT_FIELDS}
    fields["legal_form"] = organisation.legal_form.name if organisation.legal_form else ""
    fields["income_band"] = organisation.income_band.name if organisation.income_band else ""
    fields["miles"] = getattr(organisation, "miles", None)
    return fields


def evidence_totals(*, organisation_ids: list[int]) -> dict[int, dict]:
    """Evidence counts per organisation (items, best Nesta level, Justice Data Lab studies), as
    the export's rows give them."""
    totals = (
        EvidenceItem.objects.filter(organisation_id__in=organisation_ids)
        .values("organisation_id")
        .annotate(
            items=Count("id"),
            best_level=Max("nesta_level"),
            jdl=Count("id", filter=Q(kind=EvidenceItem.Kind.JUSTICE_DATA_LAB)),
        )
        .order_by()
    )
    return {row["organisation_id"]: row for row in totals}


def _relational_export_rows(filterset: OrganisationFilterSet):
    # Partnership notes are a column of their own here, unlike in the result lines.
    organisations = (
        search_queryset(filterset=filterset)
        .defer(None)
        .defer("description", "search_text")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    while chunk := list(islice(organisations, EXPORT_CHUNK)):
        ids = [organisation.pk for organisation in chunk]
        summaries = service_summaries(organisation_ids=ids, taxonomy=filterset.taxonomy)
        evidence = evidence_totals(organisation_ids=ids)
        for organisation in chunk:
            yield (
                exported_fields(organisation),
                summaries[organisation.pk],
                evidence.get(organisation.pk, {}),
            )


def _document_summary(line: document_search.ResultLine, taxonomy) -> ServiceSummary:
    """A ServiceSummary from a line's masks (a term is in it when its bit is set)."""
    terms = {
        group: [t.name for t in taxonomy[group] if line.masks[group] >> t.bit & 1]
        for group in document_search.SUMMARY_GROUPS
    }
    return ServiceSummary(line.service_names, line.accepting_referrals, terms)


def _document_export_rows(filterset: OrganisationFilterSet):
    """(fields, ServiceSummary, evidence) of every match in order: the ordered ids through a
    server-side cursor, then one query per chunk for the rest."""
    sort = filterset.sort_order
    # The best-match order's parts depend on their sizes: counted as for the pages.
    counts = cached_search_counts(filterset=filterset) if sort == "best" else None
    ordered = document_search.DocumentSearch(filterset).ordered(sort, counts)
    with connection.chunked_cursor() as ids:
        ids.execute(ordered.text, ordered.params)
        while chunk := ids.fetchmany(EXPORT_CHUNK):
            found = document_search.export_lines(chunk)
            for pk, _miles, _row in chunk:
                if pk not in found:
                    continue  # deleted since the ids were read
                fields, line = found[pk]
                yield (
                    fields,
                    _document_summary(line, filterset.taxonomy),
                    {
                        "items": line.evidence_count,
                        "best_level": line.evidence_level or None,
                        "jdl": line.jdl_count,
                    },
                )


def _export_row(
    fields: dict, summary: ServiceSummary, evidence: dict, *, profile_url: str | None = None
) -> dict:
    """An export row from an organisation's exported_fields. `profile_url`: the profile
    address with "-slug-" for the slug (reversing the URL once for a whole export)."""
    terms = summary.terms
    miles = fields["miles"]
    if profile_url is None:
        profile_url = settings.SITE_URL + reverse(
            "directory:organisation_detail", kwargs={"slug": fields["slug"]}
        )
    else:
        profile_url = profile_url.replace("-slug-", fields["slug"])
    verified = fields["last_verified_at"]
    return {
        "name": fields["name"],
        "profile_url": profile_url,
        "summary": fields["summary"],
        "legal_form": fields["legal_form"],
        "charity_number": fields["charity_number_ew"],
        "company_number": fields["company_number"],
        "society_number": fields["society_number"],
        "income_band": fields["income_band"],
        "town": fields["town"],
        "postcode": fields["postcode"],
        "website": fields["website"],
        "email": fields["email"],
        "phone": fields["phone"],
        "services": "; ".join(summary.services),
        "pathways": "; ".join(terms["pathway"]),
        "client_groups": "; ".join(terms["client_group"]),
        "delivery_settings": "; ".join(terms["setting"]),
        "regions": "; ".join(terms["region"]),
        "accepting_referrals": summary.accepting_referrals,
        "lived_experience_led": fields["lived_experience_led"],
        "open_to_partnership": fields["open_to_partnership"],
        "partnership_roles_sought": "; ".join(terms["partnership_role"]),
        "quality_marks": "; ".join(terms["quality_mark"]),
        "evidence_items": evidence.get("items", 0),
        "highest_nesta_level": evidence.get("best_level"),
        "justice_data_lab_results": evidence.get("jdl", 0),
        "last_verified": verified.date().isoformat() if verified else "",
        "partnership_notes": fields["partnership_notes"],
        "distance_miles": round(miles, 1) if miles is not None else None,
    }
