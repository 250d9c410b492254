"""The Open Referral UK API: real responses validated against the profile's official JSON
Schemas (shared/standards/oruk-3.0), pagination, filters, shapes, visibility, identifiers,
CORS and bounded queries. test_api_oruk_validator.py reproduces the official validator."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle

from directory.opendata.api import oruk, oruk_openapi
from directory.organisations.models import Organisation, Service
from directory.search.search_index import refresh_search_documents
from tests.factories import (
    ClientGroupFactory,
    DeliveryLocationFactory,
    DeliverySettingFactory,
    JusticeDataLabEvidenceFactory,
    MembershipFactory,
    OrganisationFactory,
    PathwayFactory,
    QualityMarkFactory,
    RegionFactory,
    ServiceFactory,
)
from tests.opendata.oruk_standard import (
    STANDARDS,
    empty_values,
    load_official,
    official_document,
    response_schema,
    schema_errors,
    validator,
)

pytestmark = pytest.mark.django_db

PAGE_FIELDS = [
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
]


def load_schema(name: str) -> dict:
    return load_official(name if name == "openapi.json" else f"compiled/{name}")


def definition(name: str) -> dict:
    """A definition of service_with_definitions.json, its local $refs resolvable."""
    definitions = load_schema("service_with_definitions.json")["definitions"]
    return {"$ref": f"#/definitions/{name}", "definitions": definitions}


def page_of(item_schema: dict) -> dict:
    """The openapi.json Page envelope, every field required, around items of `item_schema`."""
    page = load_schema("openapi.json")["components"]["schemas"]["Page"]
    definitions = item_schema.pop("definitions", None)
    schema = {
        "type": "object",
        "required": [*PAGE_FIELDS, "contents"],
        "properties": {
            **page["properties"],
            "contents": {"type": "array", "items": item_schema},
        },
    }
    if definitions:
        schema["definitions"] = definitions
    return schema


def assert_valid(schema: dict, instance) -> None:
    errors = schema_errors(schema, instance)
    assert not errors, "\n".join(errors)
    assert empty_values(instance) == []


def get_json(client, name: str, *args, status: int = 200, **params):
    response = client.get(reverse(f"oruk:{name}", args=args), params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


@pytest.fixture(autouse=True)
def fresh_throttle():
    # The throttle counts requests in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def full_service():
    """A service with every optional part the directory can fill."""
    organisation = OrganisationFactory(
        name="Northern Lights Housing Trust",
        summary="Homes and support for people leaving prison.",
        description="We find homes and stay alongside people for their first year.",
        company_number="01234567",
        phone="0161 496 0000",
        last_verified_at=timezone.now() - timedelta(days=30),
    )
    organisation.quality_marks.set([QualityMarkFactory(name="Investing in Volunteers")])
    service = ServiceFactory(
        organisation=organisation,
        name="Move-on accommodation",
        description="Shared houses with a key worker.",
        pathways=[PathwayFactory(description="Somewhere safe to live."), PathwayFactory()],
        client_groups=[ClientGroupFactory()],
        settings=[DeliverySettingFactory()],
        regions=[RegionFactory(name="North West"), RegionFactory(name="Wales")],
        eligibility="Adults released in the last six months.",
        accepting_referrals=False,
        spare_capacity="Two rooms from March",
    )
    DeliveryLocationFactory(service=service, name="Salford hub", address="1 Chapel Street")
    DeliveryLocationFactory(service=service, name="Bolton office", latitude=None, longitude=None)
    JusticeDataLabEvidenceFactory(organisation=organisation, service=service)
    return service


@pytest.fixture
def minimal_service():
    """A service with nothing but what the directory requires."""
    organisation = OrganisationFactory(
        name="Small Steps",
        summary="",
        description="",
        website="",
        email="",
        charity_number_ew="",
        legal_form=None,
        last_verified_at=None,
    )
    return ServiceFactory(organisation=organisation, name="Drop-in", description="", pathways=[])


# --- Schemas ---------------------------------------------------------------------------------


def test_the_validator_rejects_what_the_profile_forbids():
    """The schemas really constrain: a record breaking them fails (so the passes mean something)."""
    schema = load_schema("service.json")
    bad = {"id": "not-a-uuid", "name": "A service", "status": "open"}
    assert len(list(validator(schema).iter_errors(bad))) == 2
    assert list(validator(schema).iter_errors({"id": str(uuid.uuid4())}))


def test_the_root_describes_the_api(client):
    body = get_json(client, "root")
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"] == "http://testserver/api/oruk/openapi.json"


def test_the_openapi_url_serves_the_profiles_document_as_corrected(client):
    """The document `openapi_url` points at is the official one with only the changes
    oruk_openapi lists, and the stored copy is exactly what the build makes of the official
    files today (run scripts/build_oruk_openapi.py when the profile changes)."""
    served = client.get(reverse("oruk:openapi")).json()
    assert served["servers"] == [{"url": "http://testserver/api/oruk/"}]
    del served["servers"]
    assert served == official_document()
    stored = json.loads(oruk_openapi.DOCUMENT_PATH.read_text())
    assert stored == oruk_openapi.build_document(STANDARDS)
    official = load_schema("openapi.json")
    assert served["paths"].keys() == official["paths"].keys()
    assert served["info"] == official["info"]
    assert "raw.githubusercontent.com" not in json.dumps(served)


def test_a_fully_filled_service_matches_the_service_schema(client, full_service):
    body = get_json(client, "service_detail", full_service.uuid)
    assert_valid(load_schema("service.json"), body)

    organisation = full_service.organisation
    assert body["id"] == str(full_service.uuid)
    assert body["status"] == "temporarily closed"
    assert body["alert"] == oruk.NOT_ACCEPTING_ALERT
    assert body["assured_date"] == timezone.localdate(organisation.last_verified_at).isoformat()
    assert body["accreditations"] == "Investing in Volunteers"
    assert body["url"].endswith(organisation.get_absolute_url())
    assert [area["name"] for area in body["service_areas"]] == ["North West", "Wales"]
    assert {sal["id"] for sal in body["service_at_locations"]} == {
        str(location.uuid) for location in full_service.locations.all()
    }
    salford = next(
        s for s in body["service_at_locations"] if s["location"]["name"] == "Salford hub"
    )
    assert salford["location"]["latitude"] == pytest.approx(53.4794)
    assert salford["location"]["addresses"][0]["address_1"] == "1 Chapel Street"
    assert salford["location"]["addresses"][0]["postal_code"] == "M1 1AE"
    bolton = next(
        s for s in body["service_at_locations"] if s["location"]["name"] == "Bolton office"
    )
    assert "latitude" not in bolton["location"]
    assert body["contacts"] == [
        {
            "id": body["contacts"][0]["id"],
            "service_id": str(full_service.uuid),
            "name": organisation.name,
            "title": "Public enquiries",
            "email": organisation.email,
            "phones": [
                {
                    "id": body["contacts"][0]["phones"][0]["id"],
                    "contact_id": body["contacts"][0]["id"],
                    "number": "0161 496 0000",
                }
            ],
        }
    ]
    linked = {(a["link_type"], a["taxonomy_term"]["name"]) for a in body["attributes"]}
    expected = {("pathway", p.name) for p in full_service.pathways.all()}
    expected |= {("client_group", c.name) for c in full_service.client_groups.all()}
    expected |= {("delivery_setting", s.name) for s in full_service.settings.all()}
    expected |= {("region", r.name) for r in full_service.regions.all()}
    assert linked == expected
    identifiers = {
        i["identifier_scheme"]: i["identifier"]
        for i in body["organization"]["organization_identifiers"]
    }
    assert identifiers == {"GB-CHC": organisation.charity_number_ew, "GB-COH": "01234567"}
    assert body["organization"]["uri"].startswith("https://register-of-charities")


def test_a_minimal_service_matches_the_service_schema(client, minimal_service):
    body = get_json(client, "service_detail", minimal_service.uuid)
    assert_valid(load_schema("service.json"), body)
    assert body["status"] == "active"
    for absent in ("description", "email", "accreditations", "assured_date", "alert"):
        assert absent not in body
    assert body["service_at_locations"] == []
    assert body["contacts"] == []
    # Required by the profile, and never empty: the name stands in for a description.
    assert body["organization"]["description"] == "Small Steps"
    assert body["organization"]["organization_identifiers"] == []


def test_service_lists_match_the_list_schema(client, full_service, minimal_service):
    body = get_json(client, "service_list")
    assert_valid(page_of(load_schema("service_list.json")), body)
    assert {s["id"] for s in body["contents"]} == {
        str(full_service.uuid),
        str(minimal_service.uuid),
    }


def test_service_at_locations_match_their_schemas(client, full_service, minimal_service):
    body = get_json(client, "service_at_location_list")
    assert_valid(page_of(load_schema("service_at_location_list.json")), body)
    assert body["total_items"] == 2
    location = full_service.locations.get(name="Salford hub")
    detail = get_json(client, "service_at_location_detail", location.uuid)
    assert_valid(load_schema("service_at_location.json"), detail)
    # The profile's OpenAPI document gives this endpoint the service schema: both hold.
    assert_valid(response_schema("/service_at_locations/{id}"), detail)
    assert_valid(load_schema("service.json"), detail)
    assert (detail["id"], detail["name"], detail["status"]) == (
        str(location.uuid),
        "Move-on accommodation",
        "temporarily closed",
    )
    assert detail["service"]["id"] == str(full_service.uuid)
    address = detail["location"]["addresses"][0]
    assert (address["city"], address["state_province"], address["country"]) == (
        "Manchester",
        "England",
        "GB",
    )


@pytest.mark.parametrize(
    ("postcode", "town", "country"),
    [
        ("CF10 1EP", "Cardiff", "Wales"),
        ("SW1A 1AA", "London", "England"),
        # Outside the postcode table (which covers England and Wales): the area's country.
        ("EH1 1YZ", "Edinburgh", "Scotland"),
    ],
)
def test_addresses_have_a_town_and_a_country(client, postcode, town, country):
    location = DeliveryLocationFactory(postcode=postcode, address="")
    detail = get_json(client, "service_at_location_detail", location.uuid)
    address = detail["location"]["addresses"][0]
    assert (address["address_1"], address["city"], address["state_province"]) == (
        location.name,
        town,
        country,
    )


def test_taxonomies_and_terms_match_their_schemas(client, full_service):
    taxonomies = get_json(client, "taxonomy_list")
    assert_valid(page_of(definition("taxonomy")), taxonomies)
    assert [t["name"] for t in taxonomies["contents"]] == [t.name for t in oruk.TAXONOMIES]

    pathways = oruk.TAXONOMIES[0]
    detail = get_json(client, "taxonomy_detail", pathways.id)
    assert_valid(definition("taxonomy"), detail)
    assert {t["id"] for t in detail["taxonomy_terms"]} == {
        str(p.uuid) for p in full_service.pathways.all()
    }

    terms = get_json(client, "taxonomy_term_list")
    assert_valid(page_of(definition("taxonomy_term")), terms)
    # Two pathways, a client group, a setting and two regions.
    assert terms["total_items"] == 6
    pathway = full_service.pathways.get(description="Somewhere safe to live.")
    term = get_json(client, "taxonomy_term_detail", pathway.uuid)
    assert_valid(definition("taxonomy_term"), term)
    assert term["description"] == "Somewhere safe to live."
    assert term["taxonomy_id"] == pathways.id
    assert term["code"] == pathway.slug
    assert term["term_uri"].endswith(f"?pathway={pathway.slug}")

    only_pathways = get_json(client, "taxonomy_term_list", taxonomy_id=pathways.id)
    assert only_pathways["total_items"] == 2


# --- Identifiers ---------------------------------------------------------------------------


def test_identifiers_are_stable_uuids(client, full_service):
    first = get_json(client, "service_detail", full_service.uuid)
    second = get_json(client, "service_detail", full_service.uuid)
    assert first == second
    assert first["organization_id"] == str(full_service.organisation.uuid)
    # The taxonomies' identifiers are fixed: clients may hard-code them.
    assert oruk.TAXONOMIES[0].id == str(
        uuid.uuid5(uuid.UUID("5b0e7f3c-2f6a-4a51-9d1e-6c7c1b2f9a40"), "taxonomy:pathway")
    )
    ids = [area["id"] for area in first["service_areas"]] + [a["id"] for a in first["attributes"]]
    assert len(set(ids)) == len(ids)


# --- Pagination ------------------------------------------------------------------------------


@pytest.fixture
def five_services():
    organisation = OrganisationFactory(name="Five Services Trust")
    return [ServiceFactory(organisation=organisation, position=n) for n in range(5)]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"per_page": 2},
            {"total_items": 5, "total_pages": 3, "page_number": 1, "size": 2},
        ),
        (
            {"per_page": 2, "page": 3},
            {"page_number": 3, "size": 1, "first_page": False, "last_page": True, "empty": False},
        ),
        (
            {"per_page": 2, "page": 2},
            {"first_page": False, "last_page": False, "empty": False},
        ),
        ({"per_page": 2, "page": 9}, {"page_number": 9, "size": 0, "empty": True}),
        ({"page": 10**30}, {"page_number": 10**30, "size": 0, "last_page": True}),
        ({}, {"total_pages": 1, "size": 5, "first_page": True, "last_page": True}),
    ],
)
def test_lists_are_paginated_as_the_standard_says(client, five_services, params, expected):
    body = get_json(client, "service_list", **params)
    assert {key: body[key] for key in expected} == expected
    assert len(body["contents"]) == body["size"]


def test_pages_follow_the_service_order_without_overlap(client, five_services):
    pages = [get_json(client, "service_list", per_page=2, page=n)["contents"] for n in (1, 2, 3)]
    ids = [service["id"] for page in pages for service in page]
    assert ids == [str(service.uuid) for service in five_services]


def test_an_empty_list_is_one_empty_page(client):
    body = get_json(client, "service_list")
    assert body == {
        "total_items": 0,
        "total_pages": 1,
        "page_number": 1,
        "size": 0,
        "first_page": True,
        "last_page": True,
        "empty": True,
        "contents": [],
    }


def test_per_page_is_capped(client, five_services, monkeypatch):
    monkeypatch.setattr(oruk, "MAX_PER_PAGE", 3)
    body = get_json(client, "service_list", per_page=1000)
    assert body["size"] == 3
    assert body["total_pages"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "two"},
        {"per_page": "0"},
        {"per_page": "1.5"},
        {"page": "²"},
        {"modified_after": "0001-01-01T00:00:00+05:00"},
        {"modified_after": "soon", "taxonomy_id": str(uuid.uuid4())},
        {"modified_after": "yesterday"},
        {"modified_after": "2025-13-01"},
        {"modified_after": "2025-02-30T10:00:00"},
        {"modified_after": "2025-01-01T25:00:00Z"},
        {"taxonomy_term_id": "accommodation"},
        {"taxonomy_id": "12345"},
        {"organization_id": "x"},
        {"search": "x" * 201},
    ],
)
@pytest.mark.parametrize("endpoint", ["service_list", "service_at_location_list"])
def test_bad_parameters_get_a_json_400(client, five_services, endpoint, params):
    body = get_json(client, endpoint, status=400, **params)
    assert body["status"] == 400
    assert body["detail"]
    # The parameter at fault is named (modified_after when two are wrong: it is read first).
    assert list(body["errors"]) == [
        "modified_after" if "modified_after" in params else [*params][0]
    ]
    assert_valid({"$ref": "#/components/schemas/Error", **official_document()}, body)


# --- Filters ---------------------------------------------------------------------------------


def test_text_search_finds_services_by_their_words_or_their_organisation(client):
    housing = ServiceFactory(name="Supported housing")
    mentoring = ServiceFactory(
        name="Mentoring", organisation=OrganisationFactory(description="Kingfisher project")
    )
    ServiceFactory(name="Employment support")
    refresh_search_documents()

    def found(**params):
        return {s["id"] for s in get_json(client, "service_list", **params)["contents"]}

    assert found(search="housing") == {str(housing.uuid)}
    assert found(search="kingfisher") == {str(mentoring.uuid)}
    # The first Open Referral UK standard called it "text".
    assert found(text="housing") == {str(housing.uuid)}


def test_taxonomy_filters(client, full_service, minimal_service):
    region = full_service.regions.first()
    body = get_json(client, "service_list", taxonomy_term_id=str(region.uuid))
    assert [s["id"] for s in body["contents"]] == [str(full_service.uuid)]
    body = get_json(client, "service_list", taxonomy_term_id=str(uuid.uuid4()))
    assert body["empty"]
    pathways = oruk.TAXONOMIES[0]
    body = get_json(client, "service_list", taxonomy_id=pathways.id)
    assert [s["id"] for s in body["contents"]] == [str(full_service.uuid)]
    body = get_json(client, "service_list", taxonomy_id=str(uuid.uuid4()))
    assert body["empty"]
    locations = get_json(client, "service_at_location_list", taxonomy_term_id=str(region.uuid))
    assert locations["total_items"] == 2


def test_organization_filter(client, full_service, minimal_service):
    body = get_json(client, "service_list", organization_id=str(minimal_service.organisation.uuid))
    assert [s["id"] for s in body["contents"]] == [str(minimal_service.uuid)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-01", {"recent"}),
        ("2025-06-01T00:00:00Z", {"recent"}),
        ("2025-06-01T01:00:00+01:00", {"recent"}),
        # A "+" the client forgot to percent-encode arrives as a space.
        ("2025-06-01T01:00:00 01:00", {"recent"}),
        ("2025-01-01", {"recent", "old"}),
        ("2030-01-01T00:00:00Z", set()),
    ],
)
def test_modified_after(client, value, expected):
    old = ServiceFactory(name="old")
    recent = ServiceFactory(name="recent")
    long_ago = timezone.make_aware(timezone.datetime(2025, 3, 1))
    lately = timezone.make_aware(timezone.datetime(2025, 7, 1))
    for service, moment in ((old, long_ago), (recent, lately)):
        Service.objects.filter(pk=service.pk).update(updated_at=moment)
        Organisation.objects.filter(pk=service.organisation_id).update(updated_at=moment)
    body = get_json(client, "service_list", modified_after=value)
    assert {s["name"] for s in body["contents"]} == expected


def test_a_change_to_the_organisation_counts_as_a_change_to_its_services(client):
    service = ServiceFactory()
    Service.objects.filter(pk=service.pk).update(
        updated_at=timezone.make_aware(timezone.datetime(2024, 1, 1))
    )
    body = get_json(client, "service_list", modified_after="2025-01-01")
    assert [s["id"] for s in body["contents"]] == [str(service.uuid)]
    assert body["contents"][0]["last_modified"].endswith("Z")


# --- Visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [s for s in Organisation.Status if s != Organisation.Status.PUBLISHED]
)
def test_only_published_organisations_appear(client, full_service, status):
    hidden = ServiceFactory(organisation=OrganisationFactory(status=status))
    hidden_location = DeliveryLocationFactory(service=hidden)
    listed = get_json(client, "service_list")
    assert [s["id"] for s in listed["contents"]] == [str(full_service.uuid)]
    locations = get_json(client, "service_at_location_list")
    assert str(hidden_location.uuid) not in {s["id"] for s in locations["contents"]}
    get_json(client, "service_detail", hidden.uuid, status=404)
    get_json(client, "service_at_location_detail", hidden_location.uuid, status=404)


@pytest.mark.parametrize(
    "endpoint",
    ["service_detail", "service_at_location_detail", "taxonomy_detail", "taxonomy_term_detail"],
)
@pytest.mark.parametrize("bad_id", ["9f0c2b1e-4d7a-4c55-8e3b-0a1d2c3e4f50", "not-a-uuid", "1"])
def test_unknown_ids_are_not_found(client, endpoint, bad_id):
    body = get_json(client, endpoint, bad_id, status=404)
    assert body == {"status": 404, "detail": "Not found", "errors": {}}


@pytest.mark.parametrize(
    "path", ["/api/oruk/organizations", "/api/oruk/services/", "/api/oruk/a/b/c", "/api/oruk/%00"]
)
def test_unknown_addresses_are_json_404s_open_to_every_origin(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["detail"] == "Not found"


def test_nothing_private_is_ever_published(client, full_service):
    """People's emails and names, and the organisation's internal fields, appear nowhere."""
    member = MembershipFactory(organisation=full_service.organisation).user
    organisation = full_service.organisation
    organisation.completed_sections = ["secret-section-key"]
    organisation.save()
    location = full_service.locations.first()
    responses = [
        client.get(reverse("oruk:service_list")),
        client.get(reverse("oruk:service_detail", args=[full_service.uuid])),
        client.get(reverse("oruk:service_at_location_list")),
        client.get(reverse("oruk:service_at_location_detail", args=[location.uuid])),
    ]
    for response in responses:
        text = response.content.decode()
        for private in (member.email, member.full_name, "secret-section-key", '"version"'):
            assert private not in text


# --- HTTP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, full_service, method):
    url = reverse("oruk:service_detail", args=[full_service.uuid])
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Service.objects.filter(pk=full_service.pk).exists()


def test_preflight_requests_are_answered(client):
    response = client.options(reverse("oruk:service_list"), HTTP_ORIGIN="https://example.com")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_head_requests_work(client, full_service):
    response = client.head(reverse("oruk:service_list"))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_public_data_may_be_cached_for_a_while(client, full_service):
    response = client.get(reverse("oruk:service_list"))
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Cache-Control" not in client.get(reverse("oruk:service_list"), {"page": "x"})


def test_requests_are_throttled_per_ip(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    url = reverse("oruk:root")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    response = client.get(url)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert int(response["Retry-After"]) > 0
    other = client.get(url, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


# --- Queries ---------------------------------------------------------------------------------


def many_full_services(count: int) -> None:
    pathways = [PathwayFactory(), PathwayFactory()]
    regions = [RegionFactory(), RegionFactory()]
    marks = [QualityMarkFactory(), QualityMarkFactory()]
    for _ in range(count):
        organisation = OrganisationFactory()
        organisation.quality_marks.set(marks)
        service = ServiceFactory(
            organisation=organisation,
            pathways=pathways,
            regions=regions,
            client_groups=[ClientGroupFactory()],
        )
        DeliveryLocationFactory(service=service)
        DeliveryLocationFactory(service=service)


@pytest.mark.parametrize("endpoint", ["service_list", "service_at_location_list"])
def test_lists_take_a_fixed_number_of_queries(client, django_assert_max_num_queries, endpoint):
    many_full_services(12)
    with django_assert_max_num_queries(5):
        body = get_json(client, endpoint, per_page=200)
    assert body["size"] >= 12


def test_details_take_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    many_full_services(1)
    service = Service.objects.get()
    with django_assert_max_num_queries(8):
        get_json(client, "service_detail", service.uuid)
    with django_assert_max_num_queries(8):
        get_json(client, "service_at_location_detail", service.locations.first().uuid)
    with django_assert_max_num_queries(5):
        get_json(client, "taxonomy_term_list", per_page=200)


# --- Postcodes -------------------------------------------------------------------------------


@pytest.fixture
def places():
    """A service in Manchester, one in Cardiff, and a national one delivered in Cardiff."""
    manchester = ServiceFactory(regions=[RegionFactory(slug="greater-manchester")])
    cardiff = ServiceFactory(regions=[RegionFactory(slug="wales")])
    national = ServiceFactory(regions=[RegionFactory(slug="national", is_national=True)])
    return {
        "manchester": DeliveryLocationFactory(service=manchester),
        "cardiff": DeliveryLocationFactory(service=cardiff, latitude=51.4816, longitude=-3.1791),
        "national": DeliveryLocationFactory(service=national, latitude=51.4816, longitude=-3.1791),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"postcode": "M1 1AE", "proximity": "5000"}, {"manchester"}),
        ({"postcode": "CF10 1EP", "proximity": "5000"}, {"cardiff", "national"}),
        # Without a proximity: services whose area covers the postcode.
        ({"postcode": "M1 1AE"}, {"manchester", "national"}),
        ({}, {"manchester", "cardiff", "national"}),
    ],
)
def test_service_at_locations_near_a_postcode(client, places, params, expected):
    body = get_json(client, "service_at_location_list", **params)
    ids = {sal["id"] for sal in body["contents"]}
    assert ids == {str(places[name].uuid) for name in expected}


@pytest.mark.parametrize(
    "params",
    [
        {"postcode": "not a postcode"},
        {"postcode": "M99 9ZZ"},
        {"postcode": "EH1 1YZ"},
        {"proximity": "5000"},
        {"postcode": "M1 1AE", "proximity": "far"},
        {"postcode": "M1 1AE", "proximity": "0"},
        {"postcode": "M1 1AE", "proximity": "-5"},
        {"postcode": "M1 1AE", "proximity": "300000"},
    ],
)
def test_bad_postcode_searches_get_a_json_400(client, places, params):
    body = get_json(client, "service_at_location_list", status=400, **params)
    assert body["detail"]


# --- The profile's other filters and shapes ------------------------------------------------


@pytest.fixture
def ages():
    """Services for young adults, for older people, for both, and for anyone."""
    young = ClientGroupFactory(slug="young-adults")
    older = ClientGroupFactory(slug="older-people")
    women = ClientGroupFactory(slug="women")
    return {
        "young": ServiceFactory(name="young", client_groups=[young]),
        "older": ServiceFactory(name="older", client_groups=[older]),
        "both": ServiceFactory(name="both", client_groups=[young, older]),
        "young women": ServiceFactory(name="young women", client_groups=[young, women]),
        "anyone": ServiceFactory(name="anyone", client_groups=[]),
    }


def test_services_state_the_ages_their_client_groups_set(client, ages):
    body = get_json(client, "service_list")
    found = {s["name"]: (s.get("minimum_age"), s.get("maximum_age")) for s in body["contents"]}
    assert found == {
        "young": (18, 25),
        "older": (50, None),
        "both": (18, None),
        # Women of any age: no age limits.
        "young women": (None, None),
        "anyone": (None, None),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"minimum_age": "18"}, {"young", "older", "both"}),
        ({"minimum_age": "18.5"}, {"older"}),
        ({"minimum_age": "51"}, set()),
        ({"maximum_age": "25"}, {"young"}),
        ({"maximum_age": "24"}, set()),
        ({"minimum_age": "18", "maximum_age": "30"}, {"young"}),
    ],
)
@pytest.mark.parametrize("endpoint", ["service_list", "service_at_location_list"])
def test_age_filters_follow_the_profiles_wording(client, ages, endpoint, params, expected):
    """minimum_age: "a minimum age of at least the specified value"; maximum_age: "a maximum
    age ... equal to or below the specified value" (openapi.json components/parameters)."""
    for service in ages.values():
        DeliveryLocationFactory(service=service)
    body = get_json(client, endpoint, **params)
    names = {item.get("name") or item["service"]["name"] for item in body["contents"]}
    assert names == expected


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"day": "MO"}, "day"),
        ({"start_time": "09:00"}, "start_time"),
        ({"end_time": "17:00"}, "end_time"),
        ({"minimum_age": "old"}, "minimum_age"),
        ({"maximum_age": "-1"}, "maximum_age"),
        ({"maximum_age": "nan"}, "maximum_age"),
        ({"full": "yes"}, "full"),
        ({"minimal": "2"}, "minimal"),
        ({"minimal": "true", "full": "true"}, "minimal"),
        ({"format": "xml"}, "format"),
    ],
)
@pytest.mark.parametrize("endpoint", ["service_list", "service_at_location_list"])
def test_filters_the_directory_cannot_apply_are_refused_by_name(
    client, endpoint, params, parameter
):
    body = get_json(client, endpoint, status=400, **params)
    assert list(body["errors"]) == [parameter]
    assert parameter in body["detail"]


def test_full_lists_nest_whole_records(client, full_service):
    services = get_json(client, "service_list", full="true")
    assert_valid(response_schema("/services"), services)
    assert_valid(load_schema("service.json"), services["contents"][0])
    assert len(services["contents"][0]["service_at_locations"]) == 2
    locations = get_json(client, "service_at_location_list", full="1")
    assert_valid(response_schema("/service_at_locations"), locations)
    first = locations["contents"][0]
    assert first["location"]["addresses"][0]["postal_code"] == "M1 1AE"
    assert first["service"]["attributes"]
    assert get_json(client, "service_list", full="false") == get_json(client, "service_list")


def test_minimal_lists_give_ids_and_dates_in_one_page(client, five_services, monkeypatch):
    monkeypatch.setattr(oruk, "DEFAULT_PER_PAGE", 2)
    body = get_json(client, "service_list", minimal="true")
    assert body["total_pages"] == 1
    assert [set(item) for item in body["contents"]] == [{"id", "last_modified"}] * 5
    assert body["contents"][0]["id"] == str(five_services[0].uuid)


@pytest.mark.parametrize("shape", [{}, {"minimal": "true"}, {"full": "true"}])
def test_ndjson_streams_every_record_without_pages(client, five_services, shape, monkeypatch):
    monkeypatch.setattr(oruk, "NDJSON_CHUNK", 2)
    response = client.get(reverse("oruk:service_list"), {"format": "ndjson", **shape})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Access-Control-Allow-Origin"] == "*"
    records = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [record["id"] for record in records] == [str(s.uuid) for s in five_services]
    if not shape:
        for record in records:
            assert_valid(load_schema("service_list.json"), record)
