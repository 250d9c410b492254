"""The directory's own JSON API (/api/v1/) and the API page (/api/): the HTML search's filters,
published organisations only, never a private field, throttling and bounded queries."""

from email.utils import parsedate_to_datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle

from directory.organisations.models import Organisation
from directory.search.filters import SORT_CHOICES, OrganisationFilterSet
from directory.search.search_index import refresh_search_documents
from tests.factories import (
    ClientGroupFactory,
    DeliveryLocationFactory,
    DeliverySettingFactory,
    EvidenceItemFactory,
    IncomeBandFactory,
    JusticeDataLabEvidenceFactory,
    LegalFormFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipInterestFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    QualityMarkFactory,
    RegionFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api_v1:organisation-list")
SEARCH_URL = reverse("directory:organisation_list")
# Fields that belong to the people running a profile or to the workflow, never to the public.
PRIVATE_KEYS = {
    "users",
    "user",
    "members",
    "memberships",
    "invitations",
    "claim_requests",
    "notes",
    "status",
    "version",
    "completed_sections",
    "registration_token",
    "search_text",
    "verified_by",
    "verified_at",
    "document",
    "history",
    "id",
    "pk",
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    # The throttle counts requests in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory():
    """A few published organisations with distinct services, one left out of default search as
    long unverified, and one draft: every search filter tells some of them apart."""
    accommodation = PathwayFactory(name="Accommodation", slug="accommodation")
    work = PathwayFactory(name="Work", slug="work")
    women = ClientGroupFactory(name="Women", slug="women")
    custody = DeliverySettingFactory(name="In custody", slug="custody")
    community = DeliverySettingFactory(name="In the community", slug="community")
    north_west = RegionFactory(name="North West", slug="north-west")
    wales = RegionFactory(name="Wales", slug="wales")
    mark = QualityMarkFactory(name="PQASSO", slug="pqasso")
    subcontractor = PartnershipRoleFactory(name="Subcontractor", slug="subcontractor")
    lead = PartnershipRoleFactory(name="Lead provider", slug="lead-provider")
    created = {
        "harbour": OrganisationFactory(
            name="Harbour Housing",
            summary="Homes for women.",
            description="We never split families up.",
            legal_form=LegalFormFactory(name="Charity", slug="charity"),
            income_band=IncomeBandFactory(name="Under £100,000", slug="small"),
        ),
        "anchor": OrganisationFactory(
            name="Anchor Jobs",
            last_verified_at=timezone.now() - timezone.timedelta(days=400),
            lived_experience_led=True,
            open_to_partnership=True,
            postcode="CF10 1EP",  # based in Wales
            legal_form=LegalFormFactory(name="CIC", slug="cic"),
            income_band=IncomeBandFactory(name="£100,000 to £1m", slug="medium"),
        ),
        "split": OrganisationFactory(
            name="Split Services",
            legal_form=None,
            charity_number_ew="",
            charity_number_scotland="SC012345",
        ),
        "old": OrganisationFactory(
            name="Old Trust",
            last_verified_at=timezone.now() - timezone.timedelta(days=800),
            freshness_stage=Organisation.Freshness.HIDDEN,
        ),
        "draft": OrganisationFactory(name="Draft Trust", status=Organisation.Status.DRAFT),
    }
    created["harbour"].quality_marks.set([mark])
    created["split"].partnership_roles.set([subcontractor])
    harbour_housing = ServiceFactory(
        organisation=created["harbour"],
        name="Women's housing",
        pathways=[accommodation],
        client_groups=[women],
        settings=[community],
        regions=[north_west],
    )
    ServiceFactory(
        organisation=created["anchor"],
        name="Job club",
        pathways=[work],
        settings=[custody],
        regions=[wales],
        accepting_referrals=False,
    )
    # Accommodation in Wales and women's work in the North West: no single service matches
    # "accommodation for women in the North West".
    ServiceFactory(
        organisation=created["split"], pathways=[accommodation], settings=[custody], regions=[wales]
    )
    split_work = ServiceFactory(
        organisation=created["split"], pathways=[work], client_groups=[women], regions=[north_west]
    )
    old_service = ServiceFactory(
        organisation=created["old"], pathways=[accommodation], regions=[north_west]
    )
    ServiceFactory(organisation=created["draft"], pathways=[accommodation], regions=[north_west])
    # From M1 1AE: Split's office is in the centre of Manchester, Old Trust's about 1.5 miles
    # north and Harbour's in Salford, about 2.5 miles west.
    DeliveryLocationFactory(service=split_work, latitude=53.4794, longitude=-2.2453)
    DeliveryLocationFactory(service=old_service, latitude=53.50, longitude=-2.25)
    DeliveryLocationFactory(service=harbour_housing, latitude=53.49, longitude=-2.30)
    # Harbour offers to subcontract accommodation in the North West; Split looks for a lead
    # provider for its work in Wales.
    PartnershipInterestFactory(
        organisation=created["harbour"],
        direction="offer",
        role=subcontractor,
        region=north_west,
        pathway=accommodation,
    )
    PartnershipInterestFactory(
        organisation=created["split"], direction="seek", role=lead, region=wales, pathway=work
    )
    JusticeDataLabEvidenceFactory(organisation=created["anchor"])
    refresh_search_documents()
    return created


def api_names(client, **params) -> list[str]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content
    return [organisation["name"] for organisation in response.json()["results"]]


def html_names(client, **params) -> list[str]:
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 200
    return [organisation.name for organisation in response.context["page_obj"].object_list]


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


# --- Search ----------------------------------------------------------------------------------


ALL = ["Anchor Jobs", "Harbour Housing", "Split Services"]
NEAR = {"postcode": "M1 1AE", "within": "25"}
# Every filter of OrganisationFilterSet and every sort, with the organisations found, in order.
SEARCHES = [
    ({}, ALL),
    # Split has an accommodation service (a synonym of housing); Harbour's name has the word.
    ({"q": "housing"}, ["Harbour Housing", "Split Services"]),
    # Split's name matches; Harbour only its description: best match first, unless by name.
    ({"q": "split"}, ["Split Services", "Harbour Housing"]),
    ({"q": "split", "sort": "best"}, ["Split Services", "Harbour Housing"]),
    ({"q": "split", "sort": "name"}, ["Harbour Housing", "Split Services"]),
    (
        {"pathway": "accommodation", "client_group": "women", "region": "north-west"},
        ["Harbour Housing"],
    ),
    ({"pathway": "accommodation"}, ["Harbour Housing", "Split Services"]),
    ({"pathway": ["accommodation", "work"], "region": "wales"}, ["Anchor Jobs", "Split Services"]),
    ({"client_group": "women"}, ["Harbour Housing", "Split Services"]),
    ({"region": "north-west"}, ["Harbour Housing", "Split Services"]),
    ({"setting": "custody"}, ["Anchor Jobs", "Split Services"]),
    # Within one service: Harbour's accommodation is in the community.
    ({"setting": "custody", "pathway": "accommodation"}, ["Split Services"]),
    ({"setting": ["custody", "community"], "region": "north-west"}, ["Harbour Housing"]),
    ({"legal_form": "cic"}, ["Anchor Jobs"]),
    ({"legal_form": ["charity", "cic"]}, ["Anchor Jobs", "Harbour Housing"]),
    ({"income_band": "small"}, ["Harbour Housing"]),
    ({"income_band": ["small", "medium"]}, ["Anchor Jobs", "Harbour Housing"]),
    ({"partnership_role": "subcontractor"}, ["Split Services"]),
    ({"open_to_partnership": "true"}, ["Anchor Jobs"]),
    ({"offers_role": "subcontractor"}, ["Harbour Housing"]),
    ({"offers_role": "subcontractor", "region": "north-west"}, ["Harbour Housing"]),
    ({"seeks_role": "lead-provider", "pathway": "work"}, ["Split Services"]),
    # Split has accommodation, but seeks a lead provider only for its work.
    ({"seeks_role": "lead-provider", "pathway": "accommodation"}, []),
    ({"quality_mark": "pqasso"}, ["Harbour Housing"]),
    # Anchor's own address is in Cardiff; Split is registered only in Scotland.
    ({"based_in": "wales"}, ["Anchor Jobs"]),
    ({"registered_in_england_or_wales": "true"}, ["Anchor Jobs", "Harbour Housing"]),
    ({"accepting_referrals": "true"}, ["Harbour Housing", "Split Services"]),
    ({"has_evidence": "true"}, ["Anchor Jobs"]),
    ({"min_evidence_level": "3"}, ["Anchor Jobs"]),
    ({"has_evidence": "true", "min_evidence_level": "5"}, []),
    ({"has_jdl": "true"}, ["Anchor Jobs"]),
    ({"lived_experience_led": "true"}, ["Anchor Jobs"]),
    ({"verified_recently": "true"}, ["Harbour Housing", "Split Services"]),
    (
        {"include_out_of_date": "true"},
        ["Anchor Jobs", "Harbour Housing", "Old Trust", "Split Services"],
    ),
    (
        {"include_out_of_date": "true", "pathway": "accommodation", "region": "north-west"},
        ["Harbour Housing", "Old Trust"],
    ),
    # Near a postcode: nearest first, unless sorted otherwise.
    ({"postcode": "M1 1AE", "within": "1"}, ["Split Services"]),
    (NEAR, ["Split Services", "Harbour Housing"]),
    ({**NEAR, "sort": "distance"}, ["Split Services", "Harbour Housing"]),
    ({**NEAR, "sort": "name"}, ["Harbour Housing", "Split Services"]),
    ({**NEAR, "include_out_of_date": "true"}, ["Split Services", "Old Trust", "Harbour Housing"]),
    ({**NEAR, "pathway": "accommodation"}, ["Harbour Housing"]),
    # Words as typed: no spelling correction ("zzqx" is like no word of the directory).
    ({"q": "zzqx", "as_typed": "true"}, []),
    # Split Services was verified last (created last), Anchor Jobs over a year ago.
    ({"sort": "verified"}, ["Split Services", "Harbour Housing", "Anchor Jobs"]),
]


def test_every_filter_and_sort_of_the_search_is_compared():
    used = {name for params, _ in SEARCHES for name in params}
    assert used == set(OrganisationFilterSet.base_filters)
    sorts = {params["sort"] for params, _ in SEARCHES if "sort" in params}
    assert sorts == {value for value, _ in SORT_CHOICES}


@pytest.mark.parametrize(("params", "expected"), SEARCHES)
def test_the_api_searches_exactly_as_the_search_page_does(client, directory, params, expected):
    names = api_names(client, **params)
    assert html_names(client, **params) == names
    assert names == expected


def test_results_summarise_the_services(client, directory):
    response = client.get(LIST_URL, {"q": "housing"})
    result = response.json()["results"][0]
    assert result["services"] == ["Women's housing"]
    assert result["pathways"] == ["Accommodation"]
    assert result["client_groups"] == ["Women"]
    assert result["regions"] == ["North West"]
    assert result["accepting_referrals"] is True
    assert result["api_url"].endswith(
        reverse("api_v1:organisation-detail", args=[directory["harbour"].slug])
    )
    assert result["profile_url"].endswith(directory["harbour"].get_absolute_url())


def test_results_are_paginated(client, directory):
    body = client.get(LIST_URL, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert "page=2" in body["next"]
    second = client.get(body["next"]).json()
    assert [r["name"] for r in second["results"]] == ["Split Services"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pathway": "no-such-pathway"}, "pathway"),
        ({"region": ["north-west", "atlantis"]}, "region"),
        ({"min_evidence_level": "9"}, "min_evidence_level"),
        ({"sort": "cheapest"}, "sort"),
        ({"within": "7"}, "within"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_search_parameters_get_a_400_naming_them(client, directory, params, field):
    response = client.get(LIST_URL, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_page_past_the_end_is_not_found(client, directory):
    response = client.get(LIST_URL, {"page": 99})
    assert response.status_code == 404
    assert "page 1" in response.json()["detail"]


def test_the_list_takes_a_fixed_number_of_queries(client, directory, django_assert_max_num_queries):
    for _ in range(15):
        organisation = OrganisationFactory()
        ServiceFactory(organisation=organisation, client_groups=[ClientGroupFactory()])
        ServiceFactory(organisation=organisation)
    with django_assert_max_num_queries(6):
        body = client.get(LIST_URL, {"page_size": 50}).json()
    assert len(body["results"]) == 18


# --- Profiles --------------------------------------------------------------------------------


def test_a_profile_has_services_locations_and_evidence(client, directory):
    anchor = directory["anchor"]
    service = anchor.services.get()
    DeliveryLocationFactory(service=service, name="Cardiff office")
    EvidenceItemFactory(organisation=anchor, title="Case studies 2024")
    response = client.get(reverse("api_v1:organisation-detail", args=[anchor.slug]))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Anchor Jobs"
    assert body["services"][0]["name"] == "Job club"
    assert body["services"][0]["accepting_referrals"] is False
    assert body["services"][0]["regions"] == [{"slug": "wales", "name": "Wales"}]
    assert body["services"][0]["locations"][0]["name"] == "Cardiff office"
    jdl = next(e for e in body["evidence"] if e["kind"] == "jdl")
    assert jdl["jdl_cohort_size"] == 212
    assert jdl["jdl_cohort_rate"] == "27.4"
    assert body["registers"][0]["number"] == anchor.charity_number_ew


def test_a_profile_takes_a_fixed_number_of_queries(
    client, directory, django_assert_max_num_queries
):
    harbour = directory["harbour"]
    for _ in range(3):
        service = ServiceFactory(organisation=harbour, client_groups=[ClientGroupFactory()])
        DeliveryLocationFactory(service=service)
        EvidenceItemFactory(organisation=harbour, service=service)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("api_v1:organisation-detail", args=[harbour.slug]))
    assert len(response.json()["services"]) == 4


@pytest.mark.parametrize("slug", ["draft-trust", "no-such-organisation"])
def test_unpublished_and_unknown_profiles_are_not_found(client, directory, slug):
    directory["draft"].slug = "draft-trust"
    directory["draft"].save()
    response = client.get(reverse("api_v1:organisation-detail", args=[slug]))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_nothing_private_is_ever_exposed(client, directory):
    harbour = directory["harbour"]
    member = MembershipFactory(organisation=harbour).user
    harbour.completed_sections = ["about", "services"]
    harbour.save()
    EvidenceItemFactory(organisation=harbour, verified_by=member, verified_by_moderator=True)
    responses = [
        client.get(LIST_URL),
        client.get(reverse("api_v1:organisation-detail", args=[harbour.slug])),
    ]
    for response in responses:
        assert response.status_code == 200
        assert not all_keys(response.json()) & PRIVATE_KEYS
        text = response.content.decode()
        assert member.email not in text
        assert member.full_name not in text
        assert "Draft Trust" not in text


# --- HTTP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, directory, method):
    url = reverse("api_v1:organisation-detail", args=[directory["harbour"].slug])
    assert getattr(client, method)(url).status_code == 405
    assert getattr(client, method)(LIST_URL).status_code == 405
    assert Organisation.objects.filter(pk=directory["harbour"].pk).exists()


def test_requests_are_throttled_per_ip(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert [client.get(LIST_URL).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(LIST_URL, REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_openapi_schema_describes_the_search(client):
    response = client.get(reverse("api_v1:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/organisations/"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"q", "pathway", "region", "has_jdl", "sort", "page", "page_size"} <= parameters
    assert "/api/v1/organisations/{slug}/" in schema["paths"]


# --- The API page ----------------------------------------------------------------------------


def test_the_api_page_is_linked_from_every_page_and_has_examples(client):
    home = client.get(reverse("home"))
    assert f'href="{reverse("api_docs")}"' in home.content.decode()
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'curl "http://testserver/api/v1/organisations/?' in text
    assert 'curl "http://testserver/api/oruk/services?' in text
    assert "<script>" not in text
    assert "style=" not in text


# --- Strict parameters, one error shape ------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "accepted"),
    [
        ({"has_jdl": "0"}, "has_jdl", "true or false"),
        ({"has_jdl": "no"}, "has_jdl", "true or false"),
        ({"open_to_partnership": "maybe"}, "open_to_partnership", "true or false"),
        ({"page_size": "0"}, "page_size", "from 1 to 100"),
        ({"page_size": "-3"}, "page_size", "from 1 to 100"),
        ({"page_size": "x"}, "page_size", "from 1 to 100"),
        ({"page_size": "101"}, "page_size", "from 1 to 100"),
        ({"page": "0"}, "page", "1 or more"),
        ({"page": "two"}, "page", "1 or more"),
        ({"page": ""}, "page", "1 or more"),
    ],
)
def test_bad_booleans_and_pages_are_a_400_saying_what_is_accepted(
    client, directory, params, field, accepted
):
    response = client.get(LIST_URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    assert list(body["errors"]) == [field]
    assert accepted in body["errors"][field][0]


@pytest.mark.parametrize("value", ["true", "false"])
def test_booleans_take_true_and_false(client, directory, value):
    expected = ["Anchor Jobs"] if value == "true" else ALL
    assert api_names(client, has_jdl=value) == expected


def test_every_error_has_the_same_shape(client, directory, monkeypatch):
    page_past_end = client.get(LIST_URL, {"page": 99})
    unknown = client.get(reverse("api_v1:organisation-detail", args=["nobody"]))
    elsewhere = client.get("/api/v1/no-such-thing/\n")
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/minute"})
    cache.clear()
    client.get(LIST_URL)
    throttled = client.get(LIST_URL)
    for response, status in (
        (page_past_end, 404),
        (unknown, 404),
        (elsewhere, 404),
        (throttled, 429),
    ):
        assert response.status_code == status
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert set(response.json()) == {"detail", "errors"}
        assert response.json()["errors"] == {}


# --- A schema that tells the truth -----------------------------------------------------------


def test_missing_links_are_null_and_the_schema_says_they_may_be(client, directory):
    harbour = directory["harbour"]
    harbour.website = ""
    harbour.email = ""
    harbour.save()
    EvidenceItemFactory(organisation=harbour, url="", service=None)
    body = client.get(reverse("api_v1:organisation-detail", args=[harbour.slug])).json()
    assert (body["website"], body["email"]) == (None, None)
    assert (body["evidence"][0]["url"], body["evidence"][0]["service"]) == (None, None)

    schema = client.get(reverse("api_v1:schema"), {"format": "json"}).json()["components"]
    evidence = schema["schemas"]["EvidenceItem"]["properties"]
    assert evidence["url"]["nullable"] and evidence["url"]["format"] == "uri"
    assert evidence["service"]["nullable"]
    organisation = schema["schemas"]["Organisation"]["properties"]
    assert organisation["website"]["nullable"] and organisation["email"]["nullable"]


def test_every_operation_documents_its_errors_in_one_shape(client):
    schema = client.get(reverse("api_v1:schema"), {"format": "json"}).json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "errors"}
    operations = [ops["get"] for ops in schema["paths"].values()]
    assert len(operations) == 4
    for operation in operations:
        responses = operation["responses"]
        assert {"200", "304", "404", "406", "429"} <= set(responses)
        for status in set(responses) - {"200", "304"}:
            content = responses[status]["content"]["application/json"]["schema"]
            assert content == {"$ref": "#/components/schemas/Error"}
    listing = schema["paths"]["/api/v1/organisations/"]["get"]
    assert "400" in listing["responses"]
    page_size = next(p for p in listing["parameters"] if p["name"] == "page_size")
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 100)


# --- HTTP: CORS, caching, conditional GET ----------------------------------------------------


def test_any_site_may_read_the_api(client, directory):
    response = client.get(LIST_URL, HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(LIST_URL, HTTP_ORIGIN="https://example.org")
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_a_list_answers_304_to_its_etag_until_it_changes(client, directory):
    first = client.get(LIST_URL)
    assert first["Cache-Control"] == "public, max-age=300"
    etag = first["ETag"]
    again = client.get(LIST_URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
    assert client.get(LIST_URL, {"page_size": 1}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    directory["harbour"].name = "Harbour Homes"
    directory["harbour"].save()
    refresh_search_documents()
    changed = client.get(LIST_URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_profile_has_a_last_modified_date_for_conditional_gets(client, directory):
    harbour = directory["harbour"]
    url = reverse("api_v1:organisation-detail", args=[harbour.slug])
    first = client.get(url)
    modified = first["Last-Modified"]
    # The latest change to the organisation or its services (made a moment after it).
    newest = max([harbour.updated_at, *harbour.services.values_list("updated_at", flat=True)])
    assert parsedate_to_datetime(modified) == newest.replace(microsecond=0)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    later = newest + timezone.timedelta(seconds=5)
    harbour.services.update(updated_at=later)
    changed = client.get(url, HTTP_IF_MODIFIED_SINCE=modified)
    assert changed.status_code == 200
    assert parsedate_to_datetime(changed["Last-Modified"]) == later.replace(microsecond=0)


def test_the_reference_runs_swagger_ui_from_the_sites_own_files(client):
    response = client.get(reverse("api_reference"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in text
    assert "<script>" not in text and "<style>" not in text and "https://" not in text
    script = client.get(reverse("api_reference"), {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api_v1:schema") in script.content.decode()


def test_the_schema_explains_authentication_limits_errors_and_licence(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "77/minute"},
    }
    schema = client.get(reverse("api_v1:schema"), {"format": "json"}).json()
    description = schema["info"]["description"]
    for words in ("**Authentication**: none", "77 a minute per IP address", "If-None-Match"):
        assert words in description
    assert "Open Government Licence" in description
    page = client.get(reverse("api_docs")).content.decode()
    assert "77 requests a minute" in page
    assert f'href="{reverse("api_reference")}"' in page
    assert f'href="{reverse("open_data")}"' in page
