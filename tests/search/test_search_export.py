"""CSV and JSON downloads of search results."""

import csv
import io
import json

import pytest
from django.urls import reverse

from directory.opendata import open_data
from directory.organisations.models import Pathway, Region
from directory.search.exports import column_headings
from directory.search.search_index import refresh_search_documents
from directory.search.selectors import EXPORT_COLUMNS
from tests.factories import JusticeDataLabEvidenceFactory, OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_has_the_same_filters_and_escapes_formulas(client, taxonomies):
    london = Region.objects.get(slug="london")
    accommodation = Pathway.objects.get(slug="accommodation")
    dangerous = OrganisationFactory(name='=HYPERLINK("http://evil","Click")', summary="@risky")
    ServiceFactory(
        organisation=dangerous, name="-Housing", regions=[london], pathways=[accommodation]
    )
    ServiceFactory(
        organisation=dangerous, name="Mentoring", regions=[london], pathways=[accommodation]
    )
    JusticeDataLabEvidenceFactory(organisation=dangerous)
    ServiceFactory(
        organisation=OrganisationFactory(name="Elsewhere"),
        regions=[Region.objects.get(slug="wales")],
    )
    refresh_search_documents()

    response = client.get(reverse("directory:organisation_export_csv"), {"region": "london"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["Name"] == '\'=HYPERLINK("http://evil","Click")'
    assert row["Summary"] == "'@risky"
    assert row["Services"] == "'-Housing; Mentoring"
    assert row["Pathways"] == "Accommodation"
    assert row["Regions"] == "London"
    assert row["Justice Data Lab results"] == "1"
    assert row["Accepting referrals"] == "yes"
    assert row["Profile web address"].endswith(dangerous.get_absolute_url())


def test_csv_export_with_no_results_has_a_header(client):
    rows = b"".join(
        client.get(reverse("directory:organisation_export_csv"), {"q": "nothing"}).streaming_content
    )
    assert rows.decode().startswith(
        "\ufeffName,Profile web address,Summary,Legal form,Charity number,"
    )


def test_csv_headings_are_words_and_the_open_data_keeps_machine_names():
    headings = column_headings([*EXPORT_COLUMNS, "shortlist_note"])

    assert headings[:5] == [
        "Name",
        "Profile web address",
        "Summary",
        "Legal form",
        "Charity number",
    ]
    assert "Highest Nesta level" in headings and "Distance in miles" in headings
    assert headings[-1] == "Shortlist note"
    assert not [heading for heading in headings if "_" in heading or heading[0].islower()]
    assert open_data.COLUMNS[:2] == ("name", "profile_url")


def test_json_export(client):
    OrganisationFactory(name="Alpha")
    OrganisationFactory(name="Beta", status="draft")
    response = client.get(reverse("directory:organisation_export_json"))
    data = json.loads(b"".join(response.streaming_content))
    assert [row["name"] for row in data] == ["Alpha"]
    assert data[0]["accepting_referrals"] is False


def test_export_streams_in_chunks(client, monkeypatch):
    monkeypatch.setattr("directory.search.selectors.EXPORT_CHUNK", 2)
    OrganisationFactory.create_batch(5)
    response = client.get(reverse("directory:organisation_export_csv"))
    assert len(csv_rows(response)) == 5
