"""Open data downloads: the export command, the /data/ page and the file downloads."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.organisations.models import Organisation
from tests.factories import OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("open_data")


@pytest.fixture(autouse=True)
def open_data_root(settings, tmp_path):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    return settings.OPEN_DATA_ROOT


@pytest.fixture
def directory():
    published = [
        OrganisationFactory(name="Bridges Home", summary='=HYPERLINK("http://x")'),
        OrganisationFactory(name="Anchor Women's Centre"),
    ]
    for organisation in published:
        ServiceFactory(organisation=organisation)
    OrganisationFactory(name="Draft Secret", status=Organisation.Status.DRAFT)
    OrganisationFactory(name="Archived Secret", status=Organisation.Status.ARCHIVED)
    return published


def download(client, kind) -> bytes:
    response = client.get(reverse("open_data_download", kwargs={"kind": kind}))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_export_writes_every_published_organisation_as_csv_and_json(client, directory):
    out = io.StringIO()
    call_command("export_open_data", stdout=out)

    assert "Wrote 2 organisations" in out.getvalue()
    rows = list(csv.DictReader(io.StringIO(download(client, "csv").decode("utf-8-sig"))))
    assert [row["name"] for row in rows] == ["Anchor Women's Centre", "Bridges Home"]
    # A cell a spreadsheet would run as a formula is defused.
    assert rows[1]["summary"].startswith("'=")
    assert "distance_miles" not in rows[0]
    records = json.loads(download(client, "json"))
    assert [record["name"] for record in records] == ["Anchor Women's Centre", "Bridges Home"]
    assert set(records[0]) == set(rows[0])


def test_private_and_unpublished_data_is_not_exported(client, directory):
    call_command("export_open_data", stdout=io.StringIO())

    everything = download(client, "csv") + download(client, "json")
    assert b"Secret" not in everything
    for private in (b"completed_sections", b"registration_token", b"accept_contact_from"):
        assert private not in everything


def test_what_organisations_want_from_partners_is_exported_as_on_the_profile_and_api(
    client, directory
):
    bridges = directory[0]
    bridges.partnership_notes = "A housing partner in Leeds, to bid together next spring."
    bridges.save()
    call_command("export_open_data", stdout=io.StringIO())

    rows = {
        row["name"]: row
        for row in csv.DictReader(io.StringIO(download(client, "csv").decode("utf-8-sig")))
    }
    records = {record["name"]: record for record in json.loads(download(client, "json"))}
    api = client.get(reverse("api_v1:organisation-detail", args=[bridges.slug])).json()
    profile = client.get(bridges.get_absolute_url()).content.decode()
    for published in (rows, records):
        assert published["Bridges Home"]["partnership_notes"] == bridges.partnership_notes
        assert published["Anchor Women's Centre"]["partnership_notes"] == ""
    assert api["partnership_notes"] == bridges.partnership_notes
    assert bridges.partnership_notes in profile


def test_page_shows_the_date_the_row_count_and_the_links(client, directory):
    call_command("export_open_data", stdout=io.StringIO())

    response = client.get(PAGE)

    html = response.content.decode()
    assert response.context["metadata"]["organisations"] == 2
    assert "2 published organisations" in html
    assert reverse("open_data_download", kwargs={"kind": "csv"}) in html
    assert reverse("open_data_download", kwargs={"kind": "json"}) in html
    assert reverse("api_docs") in html
    assert "Open Government Licence" in html


def test_downloads_never_query_the_database(client, directory, django_assert_num_queries):
    call_command("export_open_data", stdout=io.StringIO())

    with django_assert_num_queries(0):
        download(client, "csv")
        client.get(PAGE)


def test_before_the_first_export_the_page_says_so_and_downloads_are_not_found(client):
    response = client.get(PAGE)

    assert response.status_code == 200
    assert "have not been generated yet" in response.content.decode()
    assert client.get(reverse("open_data_download", kwargs={"kind": "csv"})).status_code == 404


@pytest.mark.parametrize("kind", ["xml", "metadata", "..%2Fsecret", "CSV"])
def test_unknown_download_kinds_are_not_found(client, directory, kind):
    call_command("export_open_data", stdout=io.StringIO())

    assert client.get(f"/data/organisations.{kind}").status_code == 404


def test_a_rebuild_replaces_the_files_and_leaves_no_temporary_files(
    client, directory, open_data_root
):
    call_command("export_open_data", stdout=io.StringIO())
    Organisation.objects.filter(name="Bridges Home").update(status=Organisation.Status.ARCHIVED)

    call_command("export_open_data", stdout=io.StringIO())

    assert client.get(PAGE).context["metadata"]["organisations"] == 1
    assert sorted(p.name for p in open_data_root.iterdir()) == [
        "metadata.json",
        "organisations.csv",
        "organisations.json",
    ]
