"""Confidential delivery locations (refuges, women's housing, approved premises): only the
postcode district is kept, distances are measured from the district's centre, and nothing more
precise than "Leeds, LS7" reaches any page, download or API."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from directory.organisations import geo
from directory.organisations.models import DeliveryLocation, Organisation, Region
from directory.search.search_index import refresh_search_documents
from tests.factories import DeliveryLocationFactory, ServiceFactory
from tests.registration.registration_helpers import (
    current_version,
    draft_with_admin,
    errors_of,
    location_data,
    url,
)

pytestmark = pytest.mark.django_db

SECRETS = ("Hope House", "12 Chapel Row", "LS7 1AB", "LS71AB")


@pytest.fixture
def admin_client(client, taxonomies):
    organisation, user = draft_with_admin(name="Safe Haven Women's Trust")
    client.force_login(user)
    client.organisation = organisation
    client.service = ServiceFactory(
        organisation=organisation, regions=[Region.objects.get(slug="yorkshire-and-the-humber")]
    )
    return client


def add_location(admin_client, **overrides):
    organisation = admin_client.organisation
    return admin_client.post(
        url("location_add", organisation, service=admin_client.service.uuid),
        location_data(organisation, **overrides),
    )


def confidential_refuge(admin_client, postcode="ls7 1ab") -> DeliveryLocation:
    response = add_location(
        admin_client,
        name="Hope House",
        address="12 Chapel Row",
        postcode=postcode,
        confidential="True",
    )
    assert response.status_code == 302, errors_of(response)
    return admin_client.service.locations.get()


def test_the_form_says_why_and_for_what_a_location_is_kept_confidential(admin_client):
    organisation = admin_client.organisation
    response = admin_client.get(
        url("location_add", organisation, service=admin_client.service.uuid)
    )
    page = response.content.decode()
    assert "a refuge, women's housing or approved premises" in page
    assert "like “Leeds, LS7”" in page
    assert "the postcode district, like LS7, is enough" in page
    # The address is asked for only under "Publish the address" (revealed with JavaScript,
    # shown beneath it without), and the published answer is selected at first.
    assert 'data-aria-controls="conditional_confidential_0"' in page
    assert page.index("Publish the address") < page.index('name="address"')
    assert page.index('name="address"') < page.index("Keep the address confidential")
    assert response.context["form"]["confidential"].value() is False


def test_a_confidential_location_keeps_only_its_postcode_district(admin_client):
    location = confidential_refuge(admin_client)

    district = geo.lookup_district("LS7")
    assert (location.name, location.address, location.postcode) == ("Hope House", "", "LS7")
    assert (location.latitude, location.longitude) == (district.latitude, district.longitude)
    exact = geo.lookup_postcode("LS7 1AB")
    assert (
        geo.distance_miles(exact.latitude, exact.longitude, location.latitude, location.longitude)
        > 0.1
    )
    # The history keeps nothing more precise either.
    assert {row.postcode for row in location.history.all()} == {"LS7"}
    assert location.public_place == "Leeds, LS7"


def test_a_confidential_location_needs_only_its_district(admin_client):
    location = confidential_refuge(admin_client, postcode="ls7")
    assert location.postcode == "LS7"


@pytest.mark.parametrize(
    ("postcode", "confidential", "message"),
    [
        ("LS7", "False", "Enter a full postcode, like LS7 3AB, or make it a confidential address"),
        ("ZZ9", "True", "Enter a real postcode"),
        ("EH1", "True", "Enter a postcode in England or Wales"),
        ("LS7 1AB 1", "True", "Enter a real postcode"),
    ],
)
def test_a_district_alone_is_refused_for_a_published_address(
    admin_client, postcode, confidential, message
):
    response = add_location(admin_client, postcode=postcode, confidential=confidential)
    assert response.status_code == 200
    assert message in " ".join(errors_of(response)["postcode"])
    assert response.context["form"]["confidential"].value() == confidential
    assert not DeliveryLocation.objects.exists()
    assert current_version(admin_client.organisation) == 1


def test_the_database_keeps_no_address_for_a_confidential_location():
    with pytest.raises(IntegrityError):
        DeliveryLocationFactory(confidential=True, postcode="LS7", address="12 Chapel Row")


def test_the_database_keeps_no_full_postcode_for_a_confidential_location():
    with pytest.raises(IntegrityError):
        DeliveryLocationFactory(confidential=True, postcode="LS7 1AB", address="")


@pytest.fixture
def published_refuge(admin_client, settings, tmp_path):
    location = confidential_refuge(admin_client)
    Organisation.objects.filter(pk=admin_client.organisation.pk).update(
        status=Organisation.Status.PUBLISHED
    )
    refresh_search_documents()
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    call_command("export_open_data", stdout=io.StringIO())
    return location


def public_outputs(client, location: DeliveryLocation) -> dict[str, str]:
    organisation = location.service.organisation
    pages = {
        "profile": reverse("directory:organisation_detail", args=[organisation.slug]),
        "search": reverse("directory:organisation_list") + "?postcode=LS1+1UR",
        "csv": reverse("directory:organisation_export_csv") + "?postcode=LS1+1UR",
        "json": reverse("directory:organisation_export_json"),
        "open data csv": reverse("open_data_download", kwargs={"kind": "csv"}),
        "open data json": reverse("open_data_download", kwargs={"kind": "json"}),
        "v1 list": reverse("api_v1:organisation-list"),
        "v1 detail": reverse("api_v1:organisation-detail", args=[organisation.slug]),
        "oruk services": reverse("oruk:service_list"),
        "oruk service": reverse("oruk:service_detail", args=[location.service.uuid]),
        "oruk service at locations": reverse("oruk:service_at_location_list"),
        "oruk service at location": reverse(
            "oruk:service_at_location_detail", args=[location.uuid]
        ),
    }
    outputs = {}
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        body = response.getvalue() if response.streaming else response.content
        outputs[name] = body.decode("utf-8-sig")
    return outputs


def test_a_confidential_location_is_published_only_as_its_town_and_district(
    client, published_refuge
):
    outputs = public_outputs(client, published_refuge)
    for name, text in outputs.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} in the {name}"
    assert "Leeds, LS7 (confidential address)" in outputs["profile"]
    [location] = json.loads(outputs["v1 detail"])["services"][0]["locations"]
    assert (location["name"], location["address"], location["postcode"]) == (
        "Leeds, LS7",
        "",
        "LS7",
    )
    assert location["confidential"] is True
    oruk = json.loads(outputs["oruk service at location"])["location"]
    assert oruk["name"] == "Leeds, LS7"
    assert (oruk["addresses"][0]["address_1"], oruk["addresses"][0]["postal_code"]) == (
        "Leeds, LS7",
        "LS7",
    )


def test_distance_to_a_confidential_location_is_measured_from_its_district(
    client, published_refuge
):
    response = client.get(reverse("directory:organisation_list"), {"postcode": "LS7 1AB"})
    [found] = response.context["page_obj"].object_list
    searcher = geo.lookup_postcode("LS7 1AB")
    centre = geo.lookup_district("LS7")
    expected = geo.distance_miles(
        searcher.latitude, searcher.longitude, centre.latitude, centre.longitude
    )
    assert found.miles == pytest.approx(expected, abs=0.05)
    assert found.miles > 0.1
