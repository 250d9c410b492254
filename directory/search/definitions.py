"""What each organisation search filter means, written once.

Each search parameter is declared here: the model field or relation it reads, whether it must
hold within one service or of the organisation, the search-document column that holds it, and
what "National" means for it. The three ways the search is run are made from these
declarations: the ORM conditions (filters.py: SQLite, and the relational counts), the SQL over
the search documents (document_search.py: PostgreSQL) and the numpy conditions of the counts
kept in memory (facet_index.py). Postcode distance, partnership interest in a place and the
words are written by hand in each for speed; tests/search/test_filter_definitions.py runs a
case of every declaration through all three and fails when one has none or they disagree.

Rules that hold for every filter:
- several options of one filter find organisations with any of them; different filters must
  all hold;
- the SERVICE filters (and a postcode) must all hold for one service of the organisation;
- a service whose regions include National covers every region (`covering_ids`).
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from math import cos, radians

from django.db.models import Q
from django.utils import timezone

from directory.organisations.models import (
    EvidenceItem,
    Organisation,
    PartnershipInterest,
    Service,
)
from directory.organisations.place_selectors import registered_only_elsewhere


class Scope(enum.Enum):
    """Where a filter's condition must hold."""

    SERVICE = "within one service, with the other service filters"
    ORGANISATION = "of the organisation"


def linked_to(relation, ids: list[int]) -> Q:
    """Rows linked to any of `ids` through a many-to-many, as a subquery (so that several such
    conditions on one service never share a join, and PostgreSQL can hash it once)."""
    field = relation.field
    linked = relation.through.objects.filter(**{f"{field.m2m_reverse_name()}__in": ids})
    return Q(pk__in=linked.values(field.m2m_column_name()))


def term_bits(terms, ids: Iterable[int]) -> int:
    """The document bits of those of `terms` (TaxonomyTermRow) whose id is in `ids`."""
    wanted = set(ids)
    return sum(1 << t.bit for t in terms if t.id in wanted and t.bit is not None)


@dataclass(frozen=True)
class TermFilter:
    """A filter whose options are taxonomy terms: any chosen term of the organisation, or of
    one of its services."""

    param: str
    scope: Scope
    field: str  # the many-to-many or foreign key of Service or Organisation
    mask_column: str  # its bit mask on the documents (a service's and the union of them)
    national_covers_every_region: bool = False

    def covering_ids(self, ids: Iterable[int], taxonomy) -> list[int]:
        """The terms that satisfy a choice of `ids`: with the National region's, where a
        service whose regions include National covers every region."""
        ids = list(ids)
        if self.national_covers_every_region:
            ids += [t.id for t in taxonomy["region"] if t.is_national and t.id not in ids]
        return ids

    def covering_every_term(self) -> Q:
        """The terms that satisfy any choice, as a condition on the term model (the National
        region, for regions; none otherwise): for reads that have no taxonomy at hand."""
        return Q(is_national=True) if self.national_covers_every_region else Q(pk__in=[])

    def mask(self, ids: Iterable[int], taxonomy) -> int:
        """The document bits of the terms that satisfy a choice of `ids`."""
        return term_bits(taxonomy[self.param], self.covering_ids(ids, taxonomy))

    def bit_numbers(self, ids: Iterable[int], taxonomy) -> list[int]:
        """The same terms as bit numbers (a service document's `<param>_numbers` array)."""
        wanted = set(self.covering_ids(ids, taxonomy))
        return [t.bit for t in taxonomy[self.param] if t.id in wanted]

    def condition(self, ids: list[int], taxonomy) -> Q:
        """The ORM condition on a Service or an Organisation (as `scope` says)."""
        model = Service if self.scope is Scope.SERVICE else Organisation
        field = model._meta.get_field(self.field)
        ids = self.covering_ids(ids, taxonomy)
        if field.many_to_many:
            return linked_to(getattr(model, self.field), ids)
        return Q(**{f"{field.attname}__in": ids})


@dataclass(frozen=True)
class YesNoFilter:
    """A tick box: the organisation, or one of its services, for which `document` is true."""

    param: str
    scope: Scope
    condition: Callable[[], Q]  # the ORM condition on a Service or an Organisation
    # SQL over a document `{alias}` (``d`` an organisation's, ``s`` a service's); for a service
    # filter, a column of both (the organisation's being the union of its services').
    document: str
    group: str = ""  # the condition's name, when not `param`
    applies_when_ticked: bool = True  # False: applies unless the box is ticked
    counted: bool = True  # whether its option shows a count

    @property
    def name(self) -> str:
        return self.group or self.param

    def applies(self, values: dict) -> bool:
        return bool(values.get(self.param)) == self.applies_when_ticked

    def sql(self, alias: str = "d") -> str:
        return self.document.format(alias=alias)


@dataclass(frozen=True)
class EvidenceLevelFilter:
    """Evidence of impact of at least a Nesta standard level (level 1 when only ticked)."""

    param: str
    level_param: str
    levels: range
    document_column: str  # the organisation's best evidence level on its document

    def level(self, values: dict) -> int | None:
        """The level asked for, None when the filter is not used."""
        if values.get(self.level_param):
            return int(values[self.level_param])
        return self.levels[0] if values.get(self.param) else None

    @staticmethod
    def condition(level: int) -> Q:
        evidence = EvidenceItem.objects.filter(nesta_level__gte=level)
        return Q(pk__in=evidence.values("organisation_id"))


@dataclass(frozen=True)
class RecentFilter:
    """A date of the organisation within a time of now."""

    param: str
    field: str  # the model field, and the document column of the same name
    within: timedelta

    def since(self):
        return timezone.now() - self.within

    def condition(self) -> Q:
        return Q(**{f"{self.field}__gte": self.since()})


@dataclass(frozen=True)
class PartnershipInterestFilter:
    """Organisations that offer or seek (`direction`) one of the chosen partnership roles, in a
    chosen region and pathway when regions or pathways are chosen (of the filters named in
    `within_chosen`: a National interest covers every region, as the region filter says)."""

    param: str
    direction: str
    mask_column: str  # the roles offered or sought in any place, on the document
    within_chosen: tuple[str, ...] = ("region", "pathway")


@dataclass(frozen=True)
class NearFilter:
    """Near a postcode (`param`), within `distance_param` miles, for one service: a delivery
    location within the distance (equirectangular: `miles_per_degree`), or a region covering
    the postcode's (National included); an organisation that lists no delivery locations is
    near by its own address and needs no service unless other service filters are chosen."""

    param: str
    distance_param: str
    scope: Scope
    group: str  # the condition's name


@dataclass(frozen=True)
class TextFilter:
    """The words (websearch syntax, search_query.py), matched by each engine's text index."""

    param: str


# Miles per degree of latitude; longitude degrees shrink with cos(latitude).
MILES_PER_DEGREE = 69.05


def miles_per_degree(latitude: float) -> tuple[float, float]:
    """Miles per degree of latitude and of longitude near `latitude`: the equirectangular
    distance every path measures (accurate to well under 1% across England and Wales)."""
    return MILES_PER_DEGREE, MILES_PER_DEGREE * cos(radians(latitude))


VERIFIED_WITHIN = timedelta(days=365)

REGION = TermFilter(
    "region", Scope.SERVICE, "regions", "region_bits", national_covers_every_region=True
)
SERVICE_TERM_FILTERS = (
    TermFilter("pathway", Scope.SERVICE, "pathways", "pathway_bits"),
    TermFilter("client_group", Scope.SERVICE, "client_groups", "client_group_bits"),
    TermFilter("setting", Scope.SERVICE, "settings", "setting_bits"),
    REGION,
)
ORGANISATION_TERM_FILTERS = (
    TermFilter("legal_form", Scope.ORGANISATION, "legal_form", "legal_form_bits"),
    TermFilter("income_band", Scope.ORGANISATION, "income_band", "income_band_bits"),
    TermFilter(
        "partnership_role", Scope.ORGANISATION, "partnership_roles", "partnership_role_bits"
    ),
    TermFilter("quality_mark", Scope.ORGANISATION, "quality_marks", "quality_mark_bits"),
    # Where the organisation is based by its own address (Organisation.based_region).
    TermFilter("based_in", Scope.ORGANISATION, "based_region", "based_region_bits"),
)
INTEREST_FILTERS = (
    PartnershipInterestFilter(
        "offers_role", PartnershipInterest.Direction.OFFER, "offered_role_bits"
    ),
    PartnershipInterestFilter("seeks_role", PartnershipInterest.Direction.SEEK, "sought_role_bits"),
)
ACCEPTING_REFERRALS = YesNoFilter(
    "accepting_referrals",
    Scope.SERVICE,
    lambda: Q(accepting_referrals=True),
    "{alias}.accepting_referrals",
)
YES_NO_FILTERS = (
    ACCEPTING_REFERRALS,
    YesNoFilter(
        "open_to_partnership",
        Scope.ORGANISATION,
        lambda: Q(open_to_partnership=True),
        "{alias}.open_to_partnership",
    ),
    YesNoFilter(
        "lived_experience_led",
        Scope.ORGANISATION,
        lambda: Q(lived_experience_led=True),
        "{alias}.lived_experience_led",
    ),
    YesNoFilter(
        "has_jdl",
        Scope.ORGANISATION,
        lambda: Q(
            pk__in=EvidenceItem.objects.filter(kind=EvidenceItem.Kind.JUSTICE_DATA_LAB).values(
                "organisation_id"
            )
        ),
        "{alias}.jdl_count > 0",
    ),
    YesNoFilter(
        "registered_in_england_or_wales",
        Scope.ORGANISATION,
        lambda: ~registered_only_elsewhere(),
        "NOT {alias}.registered_only_elsewhere",
        counted=False,
    ),
    # Long-unverified entries stay reachable, but only when asked for.
    YesNoFilter(
        "include_out_of_date",
        Scope.ORGANISATION,
        lambda: ~Q(freshness_stage=Organisation.Freshness.HIDDEN),
        "NOT {alias}.hidden",
        group="fresh",
        applies_when_ticked=False,
        counted=False,
    ),
)
EVIDENCE = EvidenceLevelFilter("has_evidence", "min_evidence_level", range(1, 6), "evidence_level")
VERIFIED_RECENTLY = RecentFilter("verified_recently", "last_verified_at", VERIFIED_WITHIN)
NEAR = NearFilter("postcode", "within", Scope.SERVICE, group="near")
TEXT = TextFilter("q")

DEFINITIONS = (
    TEXT,
    *SERVICE_TERM_FILTERS,
    ACCEPTING_REFERRALS,
    NEAR,
    *ORGANISATION_TERM_FILTERS,
    *INTEREST_FILTERS,
    *YES_NO_FILTERS[1:],
    EVIDENCE,
    VERIFIED_RECENTLY,
)
TERM_FILTERS = {f.param: f for f in (*SERVICE_TERM_FILTERS, *ORGANISATION_TERM_FILTERS)}
INTEREST_FILTERS_BY_PARAM = {f.param: f for f in INTEREST_FILTERS}
# The yes/no filters by the name of their condition.
YES_NO_BY_GROUP = {f.name: f for f in YES_NO_FILTERS}

# Groups matched within a single service, in the order the filter panel shows them.
SERVICE_TAXONOMY_GROUPS = tuple(f.param for f in SERVICE_TERM_FILTERS)
# The filters whose options are taxonomy terms.
TAXONOMY_GROUPS = (*TERM_FILTERS, *INTEREST_FILTERS_BY_PARAM)
# The groups whose options show counts.
FACET_GROUPS = (
    *SERVICE_TAXONOMY_GROUPS,
    ACCEPTING_REFERRALS.param,
    *(f.param for f in ORGANISATION_TERM_FILTERS),
    *INTEREST_FILTERS_BY_PARAM,
    *(f.name for f in YES_NO_FILTERS[1:] if f.counted),
    EVIDENCE.param,
    VERIFIED_RECENTLY.param,
)
