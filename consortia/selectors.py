"""Reads of the consortia app."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, Count, F, Max, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Upper

from accounts.fields import one_line
from directory.organisations.models import (
    EvidenceItem,
    Organisation,
    PartnershipInterest,
    Pathway,
    Region,
    Service,
)
from directory.search.definitions import REGION

from .appraisal import AppraisalInputs, AppraisalResult, appraise
from .filters import OpportunityFilterSet
from .matching import PartnerProfile, PartnerSuggestion, suggest_partners
from .models import (
    Consortium,
    ConsortiumMembership,
    OfferAppraisal,
    Opportunity,
)


def offer_appraisal_list(*, user) -> QuerySet[OfferAppraisal]:
    """A user's saved appraisals, newest change first, with their organisations."""
    return OfferAppraisal.objects.owned_by(user).select_related("organisation")


def offer_appraisal_result(appraisal: OfferAppraisal) -> AppraisalResult:
    """The results of a saved appraisal, recomputed from its stored inputs."""
    return appraise(AppraisalInputs.from_dict(appraisal.inputs))


# The most words of a search for an organisation to invite that narrow it (each is a LIKE).
INVITE_SEARCH_MAX_WORDS = 6


def consortium_invitable_organisations(*, consortium: Consortium) -> QuerySet[Organisation]:
    """Published organisations that are neither invited to the consortium nor members of it."""
    current = consortium.memberships.filter(
        status__in=[ConsortiumMembership.Status.INVITED, ConsortiumMembership.Status.ACCEPTED]
    ).values("organisation")
    return Organisation.objects.published().exclude(pk__in=current)


def consortium_invite_matches(
    *, consortium: Consortium, query: str, limit: int
) -> tuple[list[Organisation], bool]:
    """At most `limit` invitable organisations whose name has every word of `query`, or whose
    charity, company or society number it is, names starting with it first; and whether there
    were more. Bounded: one query, whatever the size of the directory."""
    # Control characters (a NUL is refused by PostgreSQL) are spaces, as in any one-line field.
    query = one_line(query)
    words = query.split()[:INVITE_SEARCH_MAX_WORDS]
    if not words:
        return [], False
    number = query.strip().upper()
    name_has_words = Q()
    for word in words:
        name_has_words &= Q(name__icontains=word)
    matches = list(
        consortium_invitable_organisations(consortium=consortium)
        .filter(
            name_has_words
            | Q(charity_number_ew=number)
            | Q(company_number=number)
            | Q(society_number=number)
        )
        .annotate(starts_with_query=Q(name__istartswith=" ".join(words)))
        .order_by("-starts_with_query", Upper("name"), "pk")
        .only("pk", "name", "slug", "town", "charity_number_ew")[: limit + 1]
    )
    return matches[:limit], len(matches) > limit


@dataclass(frozen=True)
class BestEvidence:
    """An outcome rate (0-100) that an organisation's own evidence supports, and whence."""

    rate: Decimal
    source: str


def offer_appraisal_best_evidence(*, user) -> BestEvidence | None:
    """From the strongest Justice Data Lab report of the user's organisations (verified,
    significant, highest Nesta level, newest), the share of its cohort not proven to reoffend
    within a year; None without one."""
    if not user.is_authenticated:
        return None
    report = (
        EvidenceItem.objects.filter(
            organisation__memberships__user=user,
            kind=EvidenceItem.Kind.JUSTICE_DATA_LAB,
            jdl_cohort_rate__isnull=False,
        )
        .select_related("organisation")
        .order_by(
            "-verified_by_moderator",
            F("jdl_significant").desc(nulls_last=True),
            "-nesta_level",
            "-year",
            "pk",
        )
        .first()
    )
    if report is None:
        return None
    return BestEvidence(
        rate=Decimal(100) - report.jdl_cohort_rate,
        source=f"{report.organisation.name}'s Justice Data Lab report ({report.year}): "
        f"{100 - report.jdl_cohort_rate:f}% of the people supported did not reoffend within a year",
    )


def opportunity_search_queryset() -> QuerySet[Opportunity]:
    """Published opportunities with what the list page shows, for OpportunityFilterSet."""
    return (
        Opportunity.objects.published()
        .select_related("organisation", "posted_by__commissioner_profile")
        .prefetch_related("regions", "pathways", "roles_sought")
    )


# The opportunity list's multiple-choice filters, and the field each one's options are.
OPPORTUNITY_FACETS = {
    "region": "regions__slug",
    "pathway": "pathways__slug",
    "client_group": "client_groups__slug",
    "role": "roles_sought__slug",
    "value_band": "value_band",
}


def opportunity_facet_counts(*, filterset: OpportunityFilterSet) -> dict[str, dict[str, int]]:
    """For each multiple-choice filter, how many opportunities each of its options would find
    with the other filters kept and its own choice ignored, as the organisation search counts:
    one query."""
    branches = []
    for group, field in OPPORTUNITY_FACETS.items():
        data = filterset.data.copy()
        data.pop(group, None)
        others = OpportunityFilterSet(data, queryset=Opportunity.objects.published()).qs
        branches.append(
            others.order_by()
            .annotate(group=Value(group, output_field=CharField()), option=F(field))
            .values("group", "option")
            .annotate(n=Count("pk", distinct=True))
            .values_list("group", "option", "n")
        )
    counts: dict[str, dict[str, int]] = {group: {} for group in OPPORTUNITY_FACETS}
    for group, option, n in branches[0].union(*branches[1:], all=True):
        if option is not None:
            counts[group][option] = n
    return counts


# --- Partner matching ---


def _partner_profiles(organisations: QuerySet[Organisation]) -> list[PartnerProfile]:
    services = Service.objects.prefetch_related("regions", "pathways", "client_groups", "settings")
    interests = PartnershipInterest.objects.select_related("region")
    organisations = organisations.annotate(
        evidence_level=Max("evidence_items__nesta_level")
    ).prefetch_related(
        Prefetch("services", queryset=services),
        Prefetch("partnership_interests", queryset=interests),
    )
    profiles = []
    for organisation in organisations:
        # Pairs within one service, so that what a service does is kept to where it does it.
        coverage, groups, settings = set(), set(), set()
        for service in organisation.services.all():
            regions = [region.name for region in service.regions.all()]
            for names, terms in [
                (coverage, service.pathways.all()),
                (groups, service.client_groups.all()),
                (settings, service.settings.all()),
            ]:
                names |= {(region, term.name) for region in regions for term in terms}
        interest_regions = {i.region.name for i in organisation.partnership_interests.all()}
        profiles.append(
            PartnerProfile(
                key=organisation.pk,
                name=organisation.name,
                coverage=frozenset(coverage),
                client_groups=frozenset(groups),
                settings=frozenset(settings),
                evidence_level=organisation.evidence_level or 0,
                open_to_partnership=organisation.open_to_partnership,
                interest_regions=frozenset(interest_regions) if interest_regions else None,
            )
        )
    return profiles


def partner_suggestions(*, organisation: Organisation) -> list[tuple[Organisation, str]]:
    """Published organisations open to partnership where this one works and that would
    complement it there, best first, each with why (consortia.matching explains the rules)."""
    (own,) = _partner_profiles(Organisation.objects.filter(pk=organisation.pk))
    national = (
        Region.objects.filter(REGION.covering_every_term()).values_list("name", flat=True).first()
    )
    candidates = (
        Organisation.objects.published()
        .filter(open_to_partnership=True)
        .exclude(pk=organisation.pk)
    )
    if national not in own.regions:
        # Working in one of its regions, or nationally (which covers them all).
        candidates = candidates.filter(
            services__regions__name__in=[*own.regions, national]
        ).distinct()
    suggestions: list[PartnerSuggestion] = suggest_partners(
        own, _partner_profiles(candidates), national=national
    )
    by_pk = Organisation.objects.in_bulk([s.profile.key for s in suggestions])
    return [(by_pk[s.profile.key], s.reason) for s in suggestions]


# --- Consortia ---


@dataclass(frozen=True)
class CoverageCell:
    pathway: Pathway
    organisations: list[str]
    # A pathway the consortium means to deliver in a region it means to cover, with no
    # member delivering it there.
    is_gap: bool


@dataclass(frozen=True)
class CoverageRow:
    region: Region
    cells: list[CoverageCell]


def coverage_grid(
    *,
    regions: list[Region],
    pathways: list[Pathway],
    provided: dict[tuple[int, int], list[str]],
) -> list[CoverageRow]:
    """A regions x pathways grid of who delivers what where; empty cells are gaps."""
    return [
        CoverageRow(
            region=region,
            cells=[
                CoverageCell(
                    pathway=pathway,
                    organisations=sorted(provided.get((region.pk, pathway.pk), [])),
                    is_gap=not provided.get((region.pk, pathway.pk)),
                )
                for pathway in pathways
            ],
        )
        for region in regions
    ]


def consortium_coverage(*, consortium: Consortium) -> list[CoverageRow]:
    """The combined coverage of a consortium's current members over its regions and pathways."""
    regions = list(consortium.regions.all())
    pathways = list(consortium.pathways.all())
    member_ids = consortium.memberships.filter(status=ConsortiumMembership.Status.ACCEPTED).values(
        "organisation"
    )
    pairs = (
        Service.objects.filter(
            organisation__in=member_ids, regions__in=regions, pathways__in=pathways
        )
        .values_list("regions", "pathways", "organisation__name")
        .distinct()
    )
    provided: dict[tuple[int, int], list[str]] = {}
    for region_id, pathway_id, name in pairs:
        names = provided.setdefault((region_id, pathway_id), [])
        if name not in names:
            names.append(name)
    return coverage_grid(regions=regions, pathways=pathways, provided=provided)


def organisation_public_consortia(*, organisation: Organisation) -> QuerySet[Consortium]:
    """The public consortia an organisation is a current member of, for its profile."""
    return Consortium.objects.public().filter(
        memberships__organisation=organisation,
        memberships__status=ConsortiumMembership.Status.ACCEPTED,
    )
