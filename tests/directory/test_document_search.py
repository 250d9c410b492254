"""PostgreSQL's search documents (directory.document_search) against the tables themselves.

A random but repeatable directory, and random searches over it: the documents must find the
same organisations, in the same order, with the same counts beside every option, as the
relational search (directory.filters and selectors.relational_search_counts), which SQLite
uses. Then the triggers that keep the documents in step, and paging across best-match tiers.
"""

import random
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from consortia.models import PartnershipInterest
from directory import document_search, selectors
from directory.filters import OrganisationFilterSet
from directory.models import (
    ClientGroup,
    DeliveryLocation,
    DeliverySetting,
    EvidenceItem,
    IncomeBand,
    LegalForm,
    Organisation,
    PartnershipRole,
    Pathway,
    QualityMark,
    Region,
    Service,
)
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    QualityMarkFactory,
    ServiceFactory,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL search documents"),
    pytest.mark.django_db,
]

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
}
FLAGS = [
    "open_to_partnership",
    "accepting_referrals",
    "has_evidence",
    "has_jdl",
    "lived_experience_led",
    "verified_recently",
    "include_out_of_date",
]
# Near Manchester (M1 1AE), and places that are not.
PLACES = [(53.4794, -2.2453), (53.55, -2.1), (51.5072, -0.1276), (52.4862, -1.8904)]


def _some(rng: random.Random, items, most: int):
    return rng.sample(list(items), rng.randint(0, min(most, len(items))))


@pytest.fixture
def directory(taxonomies):
    """48 organisations with everything a search looks at, drawn at random (repeatably)."""
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


# Parts of an order up to SMALL_PART rows are found whole and sorted; larger ones are read in
# index order: both ways, whatever the sizes here.
READ_IN_INDEX_ORDER = pytest.mark.parametrize(
    "small_part", [document_search.SMALL_PART, 0], ids=["sorted", "index order"]
)


@READ_IN_INDEX_ORDER
def test_documents_find_count_and_order_as_the_tables_do(directory, monkeypatch, small_part):
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    searches = random_searches(directory, 80)
    found_something = 0
    for params in searches:
        filterset = OrganisationFilterSet(params)
        expected = selectors.relational_search_counts(filterset=filterset)
        counts = document_search.DocumentSearch(filterset).counts()
        assert counts.total == expected.total, params.urlencode()
        assert counts.facets == expected.facets, params.urlencode()

        order = relational_order(filterset)
        results = selectors.SearchResults(filterset)
        assert [o.pk for o in results[0 : len(order) + 5]] == order, params.urlencode()
        found_something += bool(order)
    # The random searches are not all empty.
    assert found_something > len(searches) // 3


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


@pytest.fixture
def wordy(taxonomies):
    """Organisations that mention "hostel" in each part of their profile."""
    OrganisationFactory(name="Hostel", summary="Beds.")
    for n in range(3):
        OrganisationFactory(name=f"Northern Hostel Trust {n}", summary="Beds.")
    for n in range(3):
        OrganisationFactory(name=f"Summary Mention {n}", summary="We run a hostel.")
    service = ServiceFactory(organisation=OrganisationFactory(name="Service Name Mention"))
    service.name = "Hostel places"
    service.save()
    for n in range(3):
        OrganisationFactory(name=f"Description Mention {n}", description="Our hostel opened.")
    OrganisationFactory(name="Hostels Cymru")
    OrganisationFactory(name="Hosstel Futures", summary="Beds.")  # alike, not a match


@READ_IN_INDEX_ORDER
def test_best_match_tiers_page_by_page(wordy, monkeypatch, small_part):
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    filterset = OrganisationFilterSet(QueryDict("q=hostel"))
    results = selectors.SearchResults(filterset)
    names = [o.name for o in results[0:100]]
    assert names == [
        "Hostel",
        "Hostels Cymru",
        "Northern Hostel Trust 0",
        "Northern Hostel Trust 1",
        "Northern Hostel Trust 2",
        "Service Name Mention",
        "Summary Mention 0",
        "Summary Mention 1",
        "Summary Mention 2",
        "Description Mention 0",
        "Description Mention 1",
        "Description Mention 2",
        "Hosstel Futures",
    ]
    assert results.count() == len(names)
    for size in (1, 2, 5):
        pages = [o.name for start in range(0, 20, size) for o in results[start : start + size]]
        assert pages == names, size


def test_phrase_and_exclusion_keep_their_tiers(wordy):
    names = [
        o.name
        for o in selectors.SearchResults(OrganisationFilterSet(QueryDict("q=hostel -northern")))[
            0:100
        ]
    ]
    assert "Northern Hostel Trust 0" not in names
    assert names[:2] == ["Hostel", "Hostels Cymru"]
    assert "Hosstel Futures" not in names  # only plain queries look for alike names


def organisation_document(organisation) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT published, name, pathway_bits, region_bits, quality_mark_bits, "
            f"offered_role_bits, has_verified_evidence, evidence_level, version "
            f"FROM {document_search.DOCUMENTS} WHERE organisation_id = %s",
            [organisation.pk],
        )
        row = cursor.fetchone()
    keys = [
        "published",
        "name",
        "pathway_bits",
        "region_bits",
        "quality_mark_bits",
        "offered_role_bits",
        "has_verified_evidence",
        "evidence_level",
        "version",
    ]
    return dict(zip(keys, row, strict=True)) if row else {}


def found(text: str) -> list[str]:
    filterset = OrganisationFilterSet(QueryDict(f"q={text}"))
    return [o.name for o in selectors.SearchResults(filterset)[0:50]]


def test_every_write_keeps_the_documents_in_step(taxonomies):
    """Without any call to refresh_search_documents: the triggers do it."""
    accommodation = Pathway.objects.get(slug="accommodation")
    wales = Region.objects.get(slug="wales")
    organisation = OrganisationFactory(name="Dragon Futures")
    before = organisation_document(organisation)
    assert before["published"] and before["pathway_bits"] == 0

    service = ServiceFactory(organisation=organisation, pathways=[], regions=[])
    service.pathways.add(accommodation)
    service.regions.add(wales)
    document = organisation_document(organisation)
    assert document["pathway_bits"] == 1 << document_search_bit("pathway", accommodation)
    assert document["version"] > before["version"]

    Organisation.objects.filter(pk=organisation.pk).update(name="Dragon Hope")
    assert found("dragon hope") == ["Dragon Hope"]

    # In Manchester, then moved to Cardiff: no longer within five miles of M1 1AE.
    location = DeliveryLocationFactory(service=service, latitude=53.4794, longitude=-2.2453)
    assert miles_from_manchester() == {"Dragon Hope": 0.6}
    DeliveryLocation.objects.filter(pk=location.pk).update(latitude=51.48, longitude=-3.18)
    assert miles_from_manchester() == {}

    evidence = EvidenceItemFactory(organisation=organisation, nesta_level=4)
    EvidenceItem.objects.filter(pk=evidence.pk).update(verified_by_moderator=True)
    document = organisation_document(organisation)
    assert document["has_verified_evidence"] and document["evidence_level"] == 4

    interest = PartnershipInterestFactory(organisation=organisation, direction="offer")
    assert organisation_document(organisation)["offered_role_bits"] != 0
    PartnershipInterest.objects.filter(pk=interest.pk).delete()
    assert organisation_document(organisation)["offered_role_bits"] == 0

    service.regions.clear()
    assert organisation_document(organisation)["region_bits"] == 0
    Service.objects.filter(pk=service.pk).delete()
    assert organisation_document(organisation)["pathway_bits"] == 0

    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.ARCHIVED)
    assert not organisation_document(organisation)["published"]
    assert found("dragon hope") == []

    version = organisation_document(organisation)["version"]
    Organisation.objects.filter(pk=organisation.pk).update(status=Organisation.Status.PUBLISHED)
    Organisation.objects.filter(pk=organisation.pk).delete()
    # Kept, unpublished, so that the search-data version moves on.
    gone = organisation_document(organisation)
    assert not gone["published"] and gone["version"] > version


def miles_from_manchester() -> dict[str, float]:
    query = QueryDict("postcode=M1+1AE&within=5&sort=distance")
    results = selectors.SearchResults(OrganisationFilterSet(query))[0:50]
    return {o.name: round(o.miles, 1) for o in results if o.miles is not None}


def document_search_bit(taxonomy: str, term) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bit FROM directory_search_bit WHERE taxonomy = %s AND term_id = %s",
            [taxonomy, term.pk],
        )
        return cursor.fetchone()[0]


def test_a_new_term_takes_a_free_bit_and_a_deleted_one_gives_it_back(taxonomies):
    taken = {document_search_bit("quality_mark", mark) for mark in QualityMark.objects.all()}
    mark = QualityMarkFactory()
    bit = document_search_bit("quality_mark", mark)
    assert bit not in taken

    organisation = OrganisationFactory()
    organisation.quality_marks.add(mark)
    assert organisation_document(organisation)["quality_mark_bits"] == 1 << bit
    assert found_with(quality_mark=mark.slug) == [organisation.pk]

    mark.delete()
    assert organisation_document(organisation)["quality_mark_bits"] == 0
    assert (
        QualityMarkFactory().pk
        and document_search_bit("quality_mark", QualityMark.objects.latest("pk")) == bit
    )


def found_with(**params) -> list[int]:
    query = QueryDict(mutable=True)
    query.update(params)
    return [o.pk for o in selectors.SearchResults(OrganisationFilterSet(query))[0:50]]


def test_a_taxonomy_keeps_at_most_63_terms(taxonomies):
    existing = QualityMark.objects.count()
    for n in range(QualityMark.MAX_TERMS - existing):
        QualityMarkFactory(name=f"Mark {n}", slug=f"mark-{n}")
    extra = QualityMark(name="One too many", slug="one-too-many")
    with pytest.raises(ValidationError, match="at most 63 terms"):
        extra.full_clean()
