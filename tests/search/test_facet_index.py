"""The search counts kept in memory (directory.search.facet_index) as the directory changes.

Transactional: the index reads only what has been committed, and follows changes by the
documents' versions, which must be numbered in commit order (migration 0016). Random searches
compared with the documents' own counts: test_document_search_agreement.py.
"""

import logging
import runpy
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from directory.organisations.models import Organisation, PartnershipRole, Pathway, Region
from directory.search import facet_index, selectors
from directory.search.document_search import DocumentSearch
from directory.search.facet_index import FacetIndex
from directory.search.filters import OrganisationFilterSet
from directory.search.search_index import search_data_version
from tests.factories import (
    DeliveryLocationFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    ServiceFactory,
)
from tests.search.test_document_search import POSTGRES_ONLY

pytestmark = [*POSTGRES_ONLY, pytest.mark.django_db(transaction=True)]

SEARCHES = [
    "",
    "region=north-west",
    "pathway=accommodation&client_group=women&region=north-west",
    "q=harbour&region=london",
    "q=harbor",
    "postcode=M1+1AE&within=25&sort=distance",
    "offers_role=lead-provider&region=north-west&pathway=accommodation",
    "accepting_referrals=yes&include_out_of_date=yes",
    "registered_in_england_or_wales=yes&region=london",
    "based_in=london&based_in=wales&pathway=accommodation",
]


def _search(query: str) -> DocumentSearch:
    return DocumentSearch(OrganisationFilterSet(QueryDict(query)))


def _assert_counts_as_the_documents(index: FacetIndex) -> None:
    for query in SEARCHES:
        search = _search(query)
        assert index.counts(search) == search.counts(), query


def _service(organisation, region: str, pathway: str = "accommodation"):
    return ServiceFactory(
        organisation=organisation,
        regions=[Region.objects.get(slug=region)],
        pathways=[Pathway.objects.get(slug=pathway)],
    )


@pytest.fixture
def directory(taxonomies):
    """Six organisations, with services, a delivery location and a partnership interest."""
    organisations = [OrganisationFactory(name=f"Harbour Trust {n}") for n in range(6)]
    for organisation, region in zip(organisations, ["north-west", "london", "wales"], strict=False):
        _service(organisation, region)
    DeliveryLocationFactory(
        service=organisations[0].services.get(), latitude=53.4794, longitude=-2.2453
    )
    PartnershipInterestFactory(
        organisation=organisations[1],
        direction="offer",
        role=PartnershipRole.objects.get(slug="lead-provider"),
        region=Region.objects.get(slug="north-west"),
        pathway=Pathway.objects.get(slug="accommodation"),
    )
    return organisations


def test_the_index_follows_each_change_as_reading_everything_again_would(directory):
    index = FacetIndex()
    index.refresh(search_data_version())
    _assert_counts_as_the_documents(index)

    first, second, third, fourth, fifth = directory[:5]  # the sixth stays as it was
    _service(first, "london", "health")
    Organisation.objects.filter(pk=second.pk).update(status=Organisation.Status.DRAFT)
    third.delete()
    OrganisationFactory(name="Harbour New")
    DeliveryLocationFactory(service=_service(fourth, "wales"), latitude=53.48, longitude=-2.24)
    PartnershipInterestFactory(
        organisation=fifth,
        direction="offer",
        role=PartnershipRole.objects.get(slug="lead-provider"),
        region=Region.objects.get(slug="national"),
        pathway=Pathway.objects.get(slug="accommodation"),
    )
    Organisation.objects.filter(pk=fifth.pk).update(name="Lighthouse Project")
    Organisation.objects.filter(pk=first.pk).update(
        charity_number_ew="", charity_number_scotland="SC012345"
    )
    moved = Organisation.objects.get(pk=fifth.pk)
    moved.postcode = "SW1A 1AA"
    moved.save()
    version = search_data_version()
    assert version > index.version
    with CaptureQueriesContext(connection) as reads:
        index.refresh(version)
    # Whether the table was emptied, the documents changed since, then their services,
    # locations and interests together.
    assert len(reads) == 3, [r["sql"][:80] for r in reads]
    assert "version > " in reads[1]["sql"]

    everything = FacetIndex()
    everything.refresh(version)
    for name, table in everything.tables.items():
        for column, values in table.columns.items():
            np.testing.assert_array_equal(index.tables[name][column], values, f"{name}.{column}")
    # A query's matches are brought up to date by matching the changed organisations only.
    harbour = _search("q=harbour")
    with CaptureQueriesContext(connection) as matching:
        index.counts(harbour)
    assert len(matching) == 1 and "= ANY('{" in matching[0]["sql"]
    _assert_counts_as_the_documents(index)


def test_an_unchanged_directory_is_not_read_again(directory):
    index = FacetIndex()
    index.refresh(search_data_version())
    with CaptureQueriesContext(connection) as reads:
        index.refresh(search_data_version())
    assert len(reads) == 1  # the version only


def test_versions_are_numbered_in_commit_order(directory):
    """A transaction that changes the directory first but commits last gets the later
    version, so a reader that has seen the earlier one cannot miss it."""
    first, second = directory[:2]

    def change_second_and_commit():
        try:
            Organisation.objects.filter(pk=second.pk).update(summary="Changed second")
        finally:
            connection.close()

    with transaction.atomic():
        Organisation.objects.filter(pk=first.pk).update(summary="Changed first")
        other = threading.Thread(target=change_second_and_commit)
        other.start()
        other.join()
        seen_meanwhile = dict(
            Organisation.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "summary")
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT organisation_id, version FROM directory_search_document "
            "WHERE organisation_id = ANY(%s)",
            [[first.pk, second.pk]],
        )
        versions = dict(cursor.fetchall())
        cursor.execute("SELECT count(*) FROM directory_search_document WHERE version <= 0")
        provisional = cursor.fetchone()[0]
    assert seen_meanwhile[second.pk] == "Changed second"  # committed while the first was open
    assert versions[first.pk] > versions[second.pk] > 0
    assert provisional == 0


class Rollback(Exception):
    pass


def test_uncommitted_writes_are_counted_by_their_transaction_and_never_kept(directory):
    def total() -> int:
        return selectors.search_counts(filterset=OrganisationFilterSet(QueryDict(""))).total

    assert total() == 6
    with pytest.raises(Rollback), transaction.atomic():
        OrganisationFactory()
        assert total() == 7
        raise Rollback
    assert total() == 6


def test_gunicorn_reads_the_search_data_before_forking_its_workers(directory, monkeypatch):
    settings = runpy.run_path(str(Path(__file__).parents[2] / "deploy" / "gunicorn.conf.py"))
    index = FacetIndex()
    monkeypatch.setattr(facet_index, "_index", index)
    with transaction.atomic():
        assert facet_index.load() is False  # uncommitted writes are never read into it
    assert index.version is None

    settings["when_ready"](SimpleNamespace(log=logging.getLogger("gunicorn.error")))
    assert connection.connection is None  # not shared with the workers forked next
    assert index.version == search_data_version()
    assert len(index.tables["documents"]) == len(directory)


def test_an_emptied_directory_is_read_again_whole(directory):
    index = FacetIndex()
    index.refresh(search_data_version())
    # As flushing a test database does: no document keeps a version to say what went.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE directory_organisation CASCADE")
    OrganisationFactory(name="After the flush")
    index.refresh(search_data_version())
    assert len(index.tables["documents"]) == 1
    _assert_counts_as_the_documents(index)
