"""PostgreSQL's search documents (directory.search.document_search) against the tables themselves.

A random but repeatable directory, built once for the module (tests/module_data.py), and random
searches over it: the documents must find the same organisations, in the same order, with the
same counts beside every option, as the relational search (directory.search.filters and
selectors.relational_search_counts), which SQLite uses; and the counts made in memory
(directory.search.facet_index) must be the documents' own, tiers and distances included.
"""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.utils import timezone

from directory.organisations.models import (
    ClientGroup,
    DeliverySetting,
    EvidenceItem,
    IncomeBand,
    LegalForm,
    Organisation,
    PartnershipRole,
    Pathway,
    QualityMark,
    Region,
)
from directory.search import document_search, facet_index, selectors
from directory.search.filters import OrganisationFilterSet
from directory.search.search_index import search_data_version
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    ServiceFactory,
)
from tests.module_data import committed_for_the_module

# PostgreSQL only, as there.
from tests.search.test_document_search import READ_IN_INDEX_ORDER, pytestmark  # noqa: F401

SEED = 20261201
GROUPS = {
    "pathway": Pathway,
    "client_group": ClientGroup,
    "setting": DeliverySetting,
    "region": Region,
    "legal_form": LegalForm,
    "income_band": IncomeBand,
    "partnership_role": PartnershipRole,
    "offers_role": PartnershipRole,
    "seeks_role": PartnershipRole,
    "quality_mark": QualityMark,
    "based_in": Region,
}
FLAGS = [
    "open_to_partnership",
    "accepting_referrals",
    "has_evidence",
    "has_jdl",
    "lived_experience_led",
    "verified_recently",
    "include_out_of_date",
    "registered_in_england_or_wales",
]
# Every few organisations registered only in Scotland or Northern Ireland, or in both Scotland
# and England and Wales (by their numbers, as place_selectors.registered_only_elsewhere).
REGISTERED = [
    {},
    {"charity_number_ew": "", "charity_number_scotland": "SC012345"},
    {"charity_number_ew": "", "company_number": "NI612345"},
    {"charity_number_scotland": "SC012345"},
    {"charity_number_ew": "", "company_number": "01234567", "charity_number_ni": "NIC100016"},
]
# Own addresses in four regions, in Scotland, and none.
POSTCODES = ["M1 1AE", "SW1A 1AA", "LS1 4DY", "CF10 1EP", "G1 1XQ", ""]
# Near Manchester (M1 1AE), and places that are not.
PLACES = [(53.4794, -2.2453), (53.55, -2.1), (51.5072, -0.1276), (52.4862, -1.8904)]


def _some(rng: random.Random, items, most: int):
    return rng.sample(list(items), rng.randint(0, min(most, len(items))))


@pytest.fixture(scope="module")
def directory(django_db_setup, django_db_blocker):
    """48 organisations with everything a search looks at, drawn at random (repeatably)."""
    with committed_for_the_module(django_db_blocker):
        call_command("load_taxonomies", verbosity=0)
        yield _random_directory()


def _random_directory() -> dict[str, list]:
    rng = random.Random(SEED)
    terms = {name: list(model.objects.all()) for name, model in GROUPS.items()}
    statuses = [Organisation.Status.PUBLISHED] * 5 + [Organisation.Status.DRAFT]
    for number in range(48):
        organisation = OrganisationFactory(
            name=f"{rng.choice(['Harbour', 'Bridge', 'Anchor', 'Step'])} Project {number}",
            status=rng.choice(statuses),
            legal_form=rng.choice(terms["legal_form"]),
            income_band=rng.choice([None, *terms["income_band"]]),
            lived_experience_led=rng.random() < 0.4,
            open_to_partnership=rng.random() < 0.5,
            last_verified_at=timezone.now() - timedelta(days=rng.randint(1, 800)),
            freshness_stage=rng.choice(["current"] * 6 + ["hidden"]),
            **REGISTERED[number % len(REGISTERED)],
            postcode=POSTCODES[number % len(POSTCODES)],
        )
        organisation.partnership_roles.set(_some(rng, terms["partnership_role"], 2))
        organisation.quality_marks.set(_some(rng, terms["quality_mark"], 2))
        for _ in range(rng.randint(0, 3)):
            service = ServiceFactory(
                organisation=organisation,
                pathways=_some(rng, terms["pathway"], 3),
                client_groups=_some(rng, terms["client_group"], 2),
                settings=_some(rng, terms["setting"], 2),
                regions=_some(rng, terms["region"], 2),
                accepting_referrals=rng.random() < 0.5,
            )
            for _ in range(rng.randint(0, 2)):
                latitude, longitude = rng.choice(PLACES)
                DeliveryLocationFactory(service=service, latitude=latitude, longitude=longitude)
        for _ in range(rng.randint(0, 2)):
            EvidenceItemFactory(
                organisation=organisation,
                kind=rng.choice([EvidenceItem.Kind.JUSTICE_DATA_LAB, EvidenceItem.Kind.CASE_STUDY]),
                nesta_level=rng.randint(1, 5),
            )
        for _ in range(rng.randint(0, 2)):
            PartnershipInterestFactory(
                organisation=organisation,
                direction=rng.choice(["seek", "offer"]),
                role=rng.choice(terms["partnership_role"]),
                region=rng.choice(terms["region"]),
                pathway=rng.choice(terms["pathway"]),
            )
    return terms


def random_searches(terms, count: int):
    rng = random.Random(SEED + count)
    searches = []
    for _ in range(count):
        params = QueryDict(mutable=True)
        for group in rng.sample(list(GROUPS), rng.randint(0, 4)):
            params.setlist(group, [t.slug for t in _some(rng, terms[group], 2)])
        for flag in rng.sample(FLAGS, rng.randint(0, 2)):
            params[flag] = "yes"
        if rng.random() < 0.2:
            params["min_evidence_level"] = str(rng.randint(1, 5))
        if rng.random() < 0.25:
            params["postcode"] = "M1 1AE"
            params["within"] = rng.choice(["5", "25", "100"])
        params["sort"] = rng.choice(["name", "verified", "distance"])
        searches.append(params)
    return searches


def relational_order(filterset) -> list[int]:
    """The matches in order, found in the tables themselves (the SQLite way)."""
    organisations = Organisation.objects.published().filter(filterset.condition())
    ordered = selectors.ordered_queryset(filterset=filterset, organisations=organisations)
    return list(ordered.values_list("pk", flat=True))


@READ_IN_INDEX_ORDER
def test_documents_find_count_and_order_as_the_tables_do(directory, monkeypatch, small_part):
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    searches = random_searches(directory, 80)
    found_something = by_own_address = 0
    for params in searches:
        filterset = OrganisationFilterSet(params)
        expected = selectors.relational_search_counts(filterset=filterset)
        counts = document_search.DocumentSearch(filterset).counts()
        assert counts.total == expected.total, params.urlencode()
        assert counts.facets == expected.facets, params.urlencode()

        order = relational_order(filterset)
        results = selectors.SearchResults(filterset)
        page = results[0 : len(order) + 5]
        assert [o.pk for o in page] == order, params.urlencode()
        found_something += bool(order)
        by_own_address += sum(o.miles_from_own_address for o in page)
    # The random searches are not all empty, and some find organisations that list no
    # delivery locations by their own address.
    assert found_something > len(searches) // 3
    assert by_own_address > 0


@READ_IN_INDEX_ORDER
def test_pages_of_a_search_add_up_to_its_results(directory, monkeypatch, small_part):
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    filterset = OrganisationFilterSet(QueryDict("postcode=M1+1AE&within=100&sort=distance"))
    results = selectors.SearchResults(filterset)
    everything = [o.pk for o in results[0:1000]]
    pages = [o.pk for start in range(0, len(everything), 3) for o in results[start : start + 3]]
    assert pages == everything == relational_order(filterset)
    distances = [o.miles for o in results[0:1000] if o.miles is not None]
    assert distances == sorted(distances)


# Words of the random directory's names: one word, a phrase, an exclusion, "or", a misspelt
# word, an exact name, and words that match nothing.
QUERIES = [
    "harbour",
    '"bridge project"',
    "project -anchor",
    "step or anchor",
    "harbor",
    "Step Project 12",
    "zzyzx",
]


def test_counts_in_memory_are_the_documents_counts(directory):
    index = facet_index.FacetIndex()
    index.refresh(search_data_version())
    rng = random.Random(SEED)
    searches = random_searches(directory, 80)
    for params in searches[:40]:
        params["q"] = rng.choice(QUERIES)
    for params in searches:
        search = document_search.DocumentSearch(OrganisationFilterSet(params))
        assert index.counts(search) == search.counts(), params.urlencode()


@READ_IN_INDEX_ORDER
def test_pages_read_by_id_are_the_pages_read_by_condition(directory, monkeypatch, small_part):
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    index = facet_index.FacetIndex()
    index.refresh(search_data_version())
    rng = random.Random(SEED + 1)
    searches = random_searches(directory, 60)
    for params in searches[:30]:
        params["q"] = rng.choice(QUERIES)
        params["sort"] = rng.choice(["best", "name", "distance"])
    for params in searches:
        filterset = OrganisationFilterSet(params)
        by_condition = document_search.DocumentSearch(filterset)
        counts = by_condition.counts()
        by_id = document_search.DocumentSearch(filterset)
        by_id.members = index.members(by_id)
        assert by_id.members is not None
        for offset, limit in [(0, 1000), (2, 3)]:
            pages = [
                [
                    (line.organisation_id, line.miles)
                    for line in document_search.result_lines(
                        search, filterset.sort_order, counts, limit=limit, offset=offset
                    )
                ]
                for search in (by_condition, by_id)
            ]
            assert pages[0] == pages[1], params.urlencode()
