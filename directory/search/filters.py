"""The organisation search parameters (HTML search, export and API) as a FilterSet.

What each filter means is declared in definitions.py; this module reads the parameters and
makes the declarations' ORM conditions (the relational search, which SQLite runs).
"""

import hashlib
from dataclasses import replace
from functools import cached_property

import django_filters
from django import forms
from django.conf import settings
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Power, Sqrt

from accounts.fields import one_line
from directory.organisations import geo
from directory.organisations.models import (
    DeliveryLocation,
    Organisation,
    PartnershipInterest,
    Service,
)
from directory.search.definitions import (
    ACCEPTING_REFERRALS,
    EVIDENCE,
    INTEREST_FILTERS,
    NEAR,
    ORGANISATION_TERM_FILTERS,
    REGION,
    SERVICE_TAXONOMY_GROUPS,
    SERVICE_TERM_FILTERS,
    TAXONOMY_GROUPS,
    TERM_FILTERS,
    VERIFIED_RECENTLY,
    YES_NO_FILTERS,
    PartnershipInterestFilter,
    Scope,
    miles_per_degree,
)
from directory.search.search_index import FTS_TABLE
from directory.search.search_query import (
    STOP_WORDS,
    SearchQuery,
    parse_search_query,
    synonym_key,
    words_of,
)

DISTANCE_CHOICES = [("1", "1 mile")] + [(str(m), f"{m} miles") for m in (3, 5, 10, 25, 50, 100)]
DEFAULT_DISTANCE = "25"
EVIDENCE_LEVEL_CHOICES = [(str(n), f"Level {n} or higher") for n in EVIDENCE.levels]
SORT_CHOICES = [
    ("best", "Best match"),
    ("name", "Name (A to Z)"),
    ("verified", "Recently verified"),
    ("distance", "Distance"),
]


def fts_ids(expression: str, like: list[list[str]] | None = None) -> RawSQL:
    """SQLite: the ids of the organisations whose text matches an FTS5 expression (and, for
    each list of `like`, one of its LIKE patterns: SearchQuery.like_patterns)."""
    sql, params = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression]
    for patterns in like or []:
        text = "lower(name || ' ' || head || ' ' || body)"
        sql += " AND (" + " OR ".join([f"{text} LIKE %s"] * len(patterns)) + ")"
        params += patterns
    return RawSQL(sql, params)


def text_condition(text: str, query: SearchQuery | None = None) -> Q:
    """Organisations matching a websearch-style query (`query`: `text` parsed, when it was
    already), with a trigram fallback on PostgreSQL."""
    query = query or parse_search_query(text)
    if connection.vendor == "postgresql":
        from directory.search.document_search import text_ids

        ids = text_ids(text, query)
        return Q(pk__in=RawSQL(ids.text, ids.params))
    if query.is_empty:
        return Q(pk__in=[])
    condition = Q()
    if expression := query.fts5():
        condition &= Q(pk__in=fts_ids(expression, query.like_patterns()))
    if excluded := query.fts5_excluded():
        condition &= ~Q(pk__in=fts_ids(excluded))
    return condition


def distance_expression(
    latitude: float, longitude: float, lat_field="latitude", lon_field="longitude"
):
    """Miles from a point (definitions.miles_per_degree)."""
    north, east = miles_per_degree(latitude)
    return Sqrt(
        Power((F(lat_field) - latitude) * north, 2) + Power((F(lon_field) - longitude) * east, 2),
        output_field=FloatField(),
    )


def _within(queryset: QuerySet, place: geo.PostcodeLocation, miles: float) -> QuerySet:
    """The rows of `queryset` whose latitude and longitude are within `miles` of `place`,
    annotated with `miles`."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(place.latitude, place.longitude, miles)
    return (
        queryset.filter(latitude__range=(min_lat, max_lat), longitude__range=(min_lon, max_lon))
        .annotate(miles=distance_expression(place.latitude, place.longitude))
        .filter(miles__lte=Cast(miles, FloatField()))
    )


def locations_within(place: geo.PostcodeLocation, miles: float) -> QuerySet[DeliveryLocation]:
    return _within(DeliveryLocation.objects.all(), place, miles)


def based_within(place: geo.PostcodeLocation, miles: float) -> QuerySet[Organisation]:
    """The organisations that list no delivery locations whose own address is within `miles`
    of `place` (a postcode search finds them by it), annotated with `miles`."""
    located = DeliveryLocation.objects.values("service__organisation_id")
    return _within(Organisation.objects.exclude(pk__in=located), place, miles)


class OrganisationSearchForm(forms.Form):
    def clean_q(self):
        return one_line(self.cleaned_data.get("q") or "")

    def clean(self):
        cleaned = super().clean()
        cleaned["place"] = None
        postcode = (cleaned.get("postcode") or "").strip()
        if postcode:
            try:
                cleaned["place"] = geo.lookup_postcode(postcode)
            except geo.PostcodeError as error:
                self.add_error("postcode", error.message)
        return cleaned


class OrganisationFilterSet(django_filters.FilterSet):
    """Search parameters; `conditions()` gives the Q objects per group for results and facets."""

    q = django_filters.CharFilter(
        label="Search",
        max_length=settings.SEARCH_MAX_QUERY_LENGTH,
        error_messages={"max_length": "Search terms must be %(limit_value)d characters or fewer"},
    )
    pathway = django_filters.MultipleChoiceFilter(label="Pathway")
    client_group = django_filters.MultipleChoiceFilter(label="People supported")
    setting = django_filters.MultipleChoiceFilter(label="Delivery setting")
    region = django_filters.MultipleChoiceFilter(label="Region")
    based_in = django_filters.MultipleChoiceFilter(label="Based in")
    legal_form = django_filters.MultipleChoiceFilter(label="Legal form")
    income_band = django_filters.MultipleChoiceFilter(label="Annual income")
    partnership_role = django_filters.MultipleChoiceFilter(label="Partnership role it would take")
    open_to_partnership = django_filters.BooleanFilter(
        label="Open to partnership approaches now", widget=forms.CheckboxInput
    )
    offers_role = django_filters.MultipleChoiceFilter(label="Offers to partner as")
    seeks_role = django_filters.MultipleChoiceFilter(label="Looking for a partner as")
    quality_mark = django_filters.MultipleChoiceFilter(label="Quality mark")
    accepting_referrals = django_filters.BooleanFilter(
        label="Accepting referrals now", widget=forms.CheckboxInput
    )
    has_evidence = django_filters.BooleanFilter(
        label="Has evidence of impact", widget=forms.CheckboxInput
    )
    min_evidence_level = django_filters.ChoiceFilter(
        label="Minimum Nesta standard of evidence", choices=EVIDENCE_LEVEL_CHOICES
    )
    has_jdl = django_filters.BooleanFilter(
        label="Has a Justice Data Lab result", widget=forms.CheckboxInput
    )
    lived_experience_led = django_filters.BooleanFilter(
        label="Led by people with lived experience", widget=forms.CheckboxInput
    )
    verified_recently = django_filters.BooleanFilter(
        label="Verified in the last 12 months", widget=forms.CheckboxInput
    )
    registered_in_england_or_wales = django_filters.BooleanFilter(
        label="Leave out organisations registered only in Scotland or Northern Ireland",
        widget=forms.CheckboxInput,
    )
    include_out_of_date = django_filters.BooleanFilter(
        label="Include entries not checked for over 18 months", widget=forms.CheckboxInput
    )
    postcode = django_filters.CharFilter(label="Postcode", max_length=16)
    within = django_filters.ChoiceFilter(
        label="Distance", choices=DISTANCE_CHOICES, empty_label=None
    )
    sort = django_filters.ChoiceFilter(label="Sort by", choices=SORT_CHOICES, empty_label=None)
    as_typed = django_filters.BooleanFilter(
        label="Search for exactly what I typed", widget=forms.CheckboxInput
    )

    class Meta:
        model = Organisation
        fields: list[str] = []
        form = OrganisationSearchForm

    def __init__(self, data=None, queryset=None, *, taxonomy=None, **kwargs):
        from directory.search.selectors import taxonomy_terms

        self.taxonomy = taxonomy if taxonomy is not None else taxonomy_terms()
        self.notices: list[str] = []
        if data is not None:
            data = self._without_unknown_terms(data)
        super().__init__(data, queryset=queryset, **kwargs)
        for group in TAXONOMY_GROUPS:
            self.filters[group].extra["choices"] = [(t.slug, t.name) for t in self.taxonomy[group]]

    def _without_unknown_terms(self, data):
        """Drop filter values that are not taxonomy terms (an old bookmark, a mistyped URL),
        keeping the rest of the search, and say what was left out."""
        data = data.copy()
        for group in TAXONOMY_GROUPS:
            known = {term.slug for term in self.taxonomy[group]}
            values = data.getlist(group)
            if unknown := [value for value in values if value not in known]:
                data.setlist(group, [value for value in values if value in known])
                label = self.base_filters[group].label.lower()
                self.notices.extend(
                    f"“{value[:50]}” is not a {label} option we know, so it was not used"
                    for value in unknown
                )
        return data

    # --- cleaned values ------------------------------------------------------------------
    @property
    def values(self) -> dict:
        """Cleaned data after validation; invalid parameters are dropped (and reported)."""
        self.is_valid()
        return self.form.cleaned_data

    def selected_ids(self, group: str) -> list[int]:
        slugs = set(self.values.get(group) or [])
        return [term.id for term in self.taxonomy[group] if term.slug in slugs]

    @property
    def place(self) -> geo.PostcodeLocation | None:
        return self.values.get("place")

    @property
    def miles(self) -> int:
        return int(self.values.get("within") or DEFAULT_DISTANCE)

    @property
    def query_text(self) -> str:
        """The words as typed."""
        return self.values.get("q") or ""

    @cached_property
    def spelling_correction(self) -> str | None:
        """The words with misspellings corrected, when any were (and not asked for as typed)."""
        if not self.query_text or self.values.get("as_typed"):
            return None
        from directory.search.spelling import correct_spelling

        return correct_spelling(self.query_text, taxonomy=self.taxonomy)

    @property
    def match_text(self) -> str:
        """The words searched for: as typed, or corrected."""
        return self.spelling_correction or self.query_text

    @cached_property
    def search_query(self) -> SearchQuery:
        query = parse_search_query(self.match_text)
        if query.plain and connection.vendor == "postgresql":
            from directory.search.spelling import unknown_words

            words = [w for group in query.required for term in group for w in term]
            unknown = unknown_words(list(dict.fromkeys(words)))
            # Names that only look like the words are a fallback for words found nowhere (a
            # group none of whose terms any text has), never mixed in with real matches.
            found = [any(unknown.isdisjoint(term) for term in group) for group in query.required]
            query = replace(query, plain=not all(found))
        return query

    @cached_property
    def named_terms(self) -> dict[str, list]:
        """The service taxonomy terms the words name, by group: a term of at most three words
        (of four letters or more) of which one is a word of the query (or of its synonyms), or
        all are a phrase of it: "women", "housing" (Accommodation), "Yorkshire". Best match
        ranks organisations with them first, and the page offers them as filters."""
        if not self.query_text:
            return {}
        # A phrase names a term by all its words ("prison leaver"), a word by itself.
        keys = {synonym_key(term) for group in self.search_query.required for term in group}
        named: dict[str, list] = {}
        for group in SERVICE_TAXONOMY_GROUPS:
            for term in self.taxonomy[group]:
                words = [w for w in words_of(term.name) if w not in STOP_WORDS and len(w) > 3]
                names = {synonym_key(words_of(term.name)), *(synonym_key([w]) for w in words)}
                if len(words) <= 3 and keys.intersection(names):
                    named.setdefault(group, []).append(term)
        return named

    def named_terms_condition(self) -> Q | None:
        """Organisations with a service in a named term of each group the words name."""
        if not self.named_terms:
            return None
        condition = Q()
        for group, terms in self.named_terms.items():
            named = TERM_FILTERS[group].condition([t.id for t in terms], self.taxonomy)
            condition &= Q(pk__in=Service.objects.filter(named).values("organisation_id"))
        return condition

    @property
    def sort_order(self) -> str:
        chosen = self.values.get("sort")
        if chosen == "distance" and self.place is None:
            chosen = None
        if chosen:
            return chosen
        if self.query_text:
            return "best"
        return "distance" if self.place else "name"

    def state_key(self) -> str:
        """The search state that decides the results and counts (not sort or page), as text."""
        values = self.values
        parts = [f"q={self.search_query.key if self.query_text else ''}"]
        for name in sorted(self.filters):
            if name in {"q", "sort", "postcode", "within"}:
                continue
            value = values.get(name)
            parts.append(f"{name}={sorted(value) if isinstance(value, list) else value}")
        if place := self.place:
            parts.append(f"near={place.postcode}/{self.miles}")
        return hashlib.sha256("&".join(parts).encode()).hexdigest()

    # --- conditions --------------------------------------------------------------------------
    def service_conditions(self) -> dict[str, Q]:
        """Conditions on one Service, by group."""
        conditions = {}
        for definition in SERVICE_TERM_FILTERS:
            if ids := self.selected_ids(definition.param):
                conditions[definition.param] = definition.condition(ids, self.taxonomy)
        if ACCEPTING_REFERRALS.applies(self.values):
            conditions[ACCEPTING_REFERRALS.name] = ACCEPTING_REFERRALS.condition()
        if place := self.place:
            # A service is near when it has a delivery location within the distance, covers
            # the postcode's region, or belongs to an organisation based near (based_within).
            near_regions = [t.id for t in self.taxonomy["region"] if t.slug == place.region_slug]
            conditions[NEAR.group] = (
                Q(pk__in=locations_within(place, self.miles).values("service_id"))
                | REGION.condition(near_regions, self.taxonomy)
                | Q(organisation__in=based_within(place, self.miles).values("pk"))
            )
        return conditions

    def organisation_conditions(self) -> dict[str, Q]:
        """Conditions on the Organisation itself, by group (the text query is separate)."""
        values = self.values
        conditions = {}
        for definition in ORGANISATION_TERM_FILTERS:
            if ids := self.selected_ids(definition.param):
                conditions[definition.param] = definition.condition(ids, self.taxonomy)
        for interest in INTEREST_FILTERS:
            if ids := self.selected_ids(interest.param):
                conditions[interest.param] = self.partnership_interest_condition(interest, ids)
        for flag in YES_NO_FILTERS:
            if flag.scope is Scope.ORGANISATION and flag.applies(values):
                conditions[flag.name] = flag.condition()
        if (level := EVIDENCE.level(values)) is not None:
            conditions[EVIDENCE.param] = EVIDENCE.condition(level)
        if values.get(VERIFIED_RECENTLY.param):
            conditions[VERIFIED_RECENTLY.param] = VERIFIED_RECENTLY.condition()
        return conditions

    def partnership_interest_condition(
        self, interest: PartnershipInterestFilter, role_ids: list[int]
    ) -> Q:
        """Organisations that seek or offer one of the roles, in a chosen region and pathway
        when regions or pathways are chosen (definitions.PartnershipInterestFilter)."""
        interests = PartnershipInterest.objects.filter(
            direction=interest.direction, role_id__in=role_ids
        )
        for param in interest.within_chosen:
            if ids := self.selected_ids(param):
                covering = TERM_FILTERS[param].covering_ids(ids, self.taxonomy)
                interests = interests.filter(**{f"{param}_id__in": covering})
        return Q(pk__in=interests.values("organisation_id"))

    def matching_services(self, *, exclude: str | None = None) -> QuerySet[Service] | None:
        """Services meeting every service condition but `exclude`'s; None when there are none."""
        conditions = [q for group, q in self.service_conditions().items() if group != exclude]
        if not conditions:
            return None
        combined = Q()
        for condition in conditions:
            combined &= condition
        return Service.objects.filter(combined)

    def services_condition(self, *, exclude: str | None = None) -> Q | None:
        """That one service of the organisation meets every service condition but `exclude`'s
        (None when there are none). An organisation based near the postcode is near without
        a service: it needs one only for the other service conditions."""
        services = self.matching_services(exclude=exclude)
        if services is None:
            return None
        found = Q(pk__in=services.values("organisation_id"))
        if set(self.service_conditions()) - {exclude} == {"near"}:
            found |= Q(pk__in=based_within(self.place, self.miles).values("pk"))
        return found

    def text_condition(self) -> Q:
        return text_condition(self.match_text, self.search_query) if self.query_text else Q()

    def condition(self, *, exclude: str | None = None) -> Q:
        """Every condition except group `exclude`'s, as one Q on Organisation (text excluded)."""
        combined = Q()
        for group, condition in self.organisation_conditions().items():
            if group != exclude:
                combined &= condition
        if (services := self.services_condition(exclude=exclude)) is not None:
            combined &= services
        return combined

    def filter_queryset(self, queryset):
        if connection.vendor == "postgresql":
            from directory.search.document_search import DocumentSearch

            matching = DocumentSearch(self).matching_ids()
            return queryset.filter(pk__in=RawSQL(matching.text, matching.params))
        return queryset.filter(self.text_condition() & self.condition())
