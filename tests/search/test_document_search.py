"""PostgreSQL's search documents (directory.search.document_search) against the tables themselves.

The triggers that keep the documents in step, paging across best-match tiers, and the bits
that stand for taxonomy terms. Random searches compared with the relational search (which
SQLite uses): test_document_search_agreement.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict

from directory.organisations.models import (
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    PartnershipInterest,
    Pathway,
    QualityMark,
    Region,
    Service,
)
from directory.search import document_search, schema, selectors, spelling
from directory.search.filters import OrganisationFilterSet
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    QualityMarkFactory,
    ServiceFactory,
)

POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL search documents"),
]
pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db]

# Parts of an order up to SMALL_PART rows are found whole and sorted; larger ones are read in
# index order: both ways, whatever the sizes here.
READ_IN_INDEX_ORDER = pytest.mark.parametrize(
    "small_part", [document_search.SMALL_PART, 0], ids=["sorted", "index order"]
)


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
    OrganisationFactory(name="Hostels Cymru", summary="Beds.")
    OrganisationFactory(name="Hosstel Futures", summary="Beds.")  # alike, not a match


@READ_IN_INDEX_ORDER
def test_best_match_tiers_page_by_page(wordy, monkeypatch, small_part):
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    monkeypatch.setattr(document_search, "RANKED_PART", small_part)
    filterset = OrganisationFilterSet(QueryDict("q=hostel"))
    results = selectors.SearchResults(filterset)
    names = [o.name for o in results[0:100]]
    head = ["Service Name Mention", "Summary Mention 0", "Summary Mention 1", "Summary Mention 2"]
    if small_part:
        # Ranked within the tier: the word weighs more in the shorter texts of the summaries.
        head = [*head[1:], head[0]]
    assert names == [
        "Hostel",
        "Hostels Cymru",
        "Northern Hostel Trust 0",
        "Northern Hostel Trust 1",
        "Northern Hostel Trust 2",
        *head,
        "Description Mention 0",
        "Description Mention 1",
        "Description Mention 2",
    ]  # not "Hosstel Futures": alike names only for words found nowhere
    assert results.count() == len(names)
    for size in (1, 2, 5):
        pages = [o.name for start in range(0, 20, size) for o in results[start : start + size]]
        assert pages == names, size


@READ_IN_INDEX_ORDER
def test_distance_order_pages_through_ties_by_name(taxonomies, monkeypatch, small_part):
    """Organisations at the same distance are in A to Z order across page boundaries (a page
    sorts in full only the rows up to its last by distance, ties included)."""
    monkeypatch.setattr(document_search, "SMALL_PART", small_part)
    near, tied, far = (53.4794, -2.2453), (53.49, -2.30), (53.60, -2.40)
    places = {"Zulu": near, "The Delta": tied, "alpha": tied, "Charlie": tied, "bravo": tied}
    places |= {f"Far {n}": far for n in range(4)}
    for name, (latitude, longitude) in places.items():
        service = ServiceFactory(organisation=OrganisationFactory(name=name))
        DeliveryLocationFactory(service=service, latitude=latitude, longitude=longitude)
    results = selectors.SearchResults(
        OrganisationFilterSet(QueryDict("postcode=M1+1AE&within=25&sort=distance"))
    )
    everything = [o.name for o in results[0:100]]
    assert everything[:5] == ["Zulu", "alpha", "bravo", "Charlie", "The Delta"]
    assert sorted(everything[5:]) == everything[5:] and len(everything) == 9
    for size in (1, 2, 3):
        pages = [o.name for start in range(0, 9, size) for o in results[start : start + size]]
        assert pages == everything, size


@pytest.mark.parametrize("ranked_part", [document_search.RANKED_PART, 1], ids=["ranked", "A-Z"])
def test_a_tier_is_ranked_when_small_enough_else_read_a_to_z(monkeypatch, ranked_part):
    monkeypatch.setattr(document_search, "RANKED_PART", ranked_part)
    OrganisationFactory(name="Aardvark Trust", summary="Debts, benefits and mentoring.")
    OrganisationFactory(name="Zebra Trust", summary="Mentoring: one to one mentoring.")
    filterset = OrganisationFilterSet(QueryDict("q=mentoring"))
    names = [o.name for o in selectors.SearchResults(filterset)[0:10]]
    best_first = ["Zebra Trust", "Aardvark Trust"]
    assert names == (best_first if ranked_part > 1 else sorted(best_first))


def _stored_words(table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT word, count(*) FROM {table} GROUP BY word")
        return dict(cursor.fetchall())


def test_the_spelling_vocabulary_is_counted_and_a_new_word_offered_at_once():
    OrganisationFactory(name="Quokka Mentoring", summary="Mentoring.", description="Wallabies.")
    quokka = OrganisationFactory(name="Quokka Housing", summary="Beds.")
    OrganisationFactory(name="Wombat Draft", summary="Beds.", status=Organisation.Status.DRAFT)
    call_command("count_search_words")
    with connection.cursor() as cursor:
        cursor.execute("SELECT word, uses FROM directory_search_word")
        counted = dict(cursor.fetchall())
    # Names, summaries and service names of published organisations, by organisation.
    assert counted["quokka"] == 2 and counted["beds"] == 1
    assert "wombat" not in counted and "wallabies" not in counted
    assert _stored_words("directory_search_new_word") == {}

    quokka.summary = "Beds, numbats."
    quokka.save()
    assert _stored_words("directory_search_new_word") == {"numbats": 1}
    assert spelling.closest_words(["numbtas"], {}) == {"numbtas": "numbats"}
    call_command("count_search_words")
    assert _stored_words("directory_search_new_word") == {}
    assert "numbats" in _stored_words("directory_search_word")


def test_alike_names_are_the_fallback_for_words_found_nowhere(wordy):
    filterset = OrganisationFilterSet(QueryDict("q=hostelx&as_typed=yes"))
    results = selectors.SearchResults(filterset)[0:100]
    assert results[0].name == "Hostel"
    assert all(o.name_only_alike for o in results)
    found = selectors.SearchResults(wordy_search())[0:100]
    assert found and not any(getattr(o, "name_only_alike", False) for o in found)


def wordy_search() -> OrganisationFilterSet:
    return OrganisationFilterSet(QueryDict("q=hostel"))


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
    # Provisional (negative) until the commit numbers it: a later write's is further from 0.
    assert abs(document["version"]) > abs(before["version"])

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
    assert not gone["published"] and abs(gone["version"]) > abs(version)


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


def test_the_migrations_leave_each_declared_index_as_declared():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        built = dict(cursor.fetchall())
    declared = [statement.split()[2] for statement in schema.INDEXES]
    assert set(declared) <= set(built)
    # Covering (migration search 0005): a postcode search reads the box from the index alone.
    assert built["directory_search_location_place"].endswith(
        "USING btree (latitude, longitude) INCLUDE (organisation_id, published, hidden, name)"
    )
