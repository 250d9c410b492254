"""/api/v1/opportunities/: the opportunity list's FilterSet, published ones only, no private
field, read-only, bounded queries, described in the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from consortia.models import Opportunity
from tests.factories import (
    ClientGroupFactory,
    CommissionerProfileFactory,
    ExpressionOfInterestFactory,
    OpportunityFactory,
    PartnershipRoleFactory,
    PathwayFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api_v1:opportunity-list")
PAGE_URL = reverse("opportunities:list")
# Who posted (as a person), the responses and the workflow are never public.
PRIVATE_KEYS = {
    "id",
    "pk",
    "status",
    "posted_by_id",
    "user",
    "email",
    "full_name",
    "expressions_of_interest",
    "responses",
    "message",
    "history",
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def opportunities():
    north_west = RegionFactory(name="North West", slug="north-west")
    wales = RegionFactory(name="Wales", slug="wales")
    housing = PathwayFactory(name="Accommodation", slug="accommodation")
    work = PathwayFactory(name="Employment", slug="employment")
    women = ClientGroupFactory(name="Women", slug="women")
    mentor = PartnershipRoleFactory(name="Mentoring partner", slug="mentoring-partner")
    commissioner = CommissionerProfileFactory(body_name="Probation Service Wales").user
    housing_partner = OpportunityFactory(
        title="Housing partner in the North West",
        regions=[north_west],
        pathways=[housing],
        value_band="under_50k",
        closes_on=in_days(10),
    )
    housing_partner.client_groups.set([women])
    return {
        "housing": housing_partner,
        "jobs": OpportunityFactory(
            title="Employment support in Wales",
            description="Mentoring into work after release.",
            regions=[wales],
            pathways=[work],
            roles_sought=[mentor],
            value_band="over_1m",
            is_subcontract=True,
            closes_on=in_days(20),
            posted_by=commissioner,
            organisation=None,
        ),
        "closed": OpportunityFactory(
            title="Closed last week", regions=[wales], pathways=[housing], closes_on=in_days(-7)
        ),
        "withdrawn": OpportunityFactory(
            title="Withdrawn one", regions=[wales], status=Opportunity.Status.WITHDRAWN
        ),
    }


def api_titles(client, params) -> list[str]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200, response.content
    return [opportunity["title"] for opportunity in response.json()["results"]]


def page_titles(client, params) -> list[str]:
    response = client.get(PAGE_URL, params)
    assert response.status_code == 200
    return [opportunity.title for opportunity in response.context["page_obj"].object_list]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Housing partner in the North West", "Employment support in Wales"]),
        ({"region": "wales"}, ["Employment support in Wales"]),
        (
            {"region": "wales", "include_closed": "true"},
            ["Closed last week", "Employment support in Wales"],
        ),
        ({"pathway": "accommodation"}, ["Housing partner in the North West"]),
        ({"client_group": "women"}, ["Housing partner in the North West"]),
        ({"role": "mentoring-partner"}, ["Employment support in Wales"]),
        ({"value_band": ["over_1m", "250k_1m"]}, ["Employment support in Wales"]),
        ({"is_subcontract": "true"}, ["Employment support in Wales"]),
        ({"q": "mentoring release"}, ["Employment support in Wales"]),
        ({"q": "nothing like it"}, []),
    ],
    ids=[
        "no filter",
        "region",
        "include closed",
        "pathway",
        "client group",
        "role",
        "value band",
        "subcontract",
        "text",
        "no match",
    ],
)
def test_the_api_filters_exactly_as_the_opportunities_page(client, opportunities, params, expected):
    assert api_titles(client, params) == expected
    assert page_titles(client, params) == expected


def test_an_opportunity_shows_what_its_page_shows(client, opportunities):
    jobs = opportunities["jobs"]
    body = client.get(reverse("api_v1:opportunity-detail", args=[jobs.uuid])).json()

    assert body["title"] == "Employment support in Wales"
    assert body["posted_by"] == {
        "name": "Probation Service Wales",
        "organisation_slug": None,
        "profile_url": None,
    }
    assert body["regions"] == [{"slug": "wales", "name": "Wales"}]
    assert body["roles_sought"] == [{"slug": "mentoring-partner", "name": "Mentoring partner"}]
    assert body["value_band"] == "over_1m"
    assert body["value_band_label"] == "Over £1 million"
    assert body["is_subcontract"] is True
    assert body["is_open_for_responses"] is True
    assert body["closes_on"] == in_days(20).isoformat()
    assert body["page_url"] == "http://testserver" + jobs.get_absolute_url()
    housing = client.get(LIST_URL, {"pathway": "accommodation"}).json()["results"][0]
    organisation = opportunities["housing"].organisation
    assert housing["posted_by"]["name"] == organisation.name
    assert housing["posted_by"]["organisation_slug"] == organisation.slug
    assert housing["api_url"].endswith(
        reverse("api_v1:opportunity-detail", args=[opportunities["housing"].uuid])
    )


def test_a_closed_opportunity_is_still_readable_but_a_withdrawn_one_is_not(client, opportunities):
    closed = client.get(reverse("api_v1:opportunity-detail", args=[opportunities["closed"].uuid]))
    withdrawn = client.get(
        reverse("api_v1:opportunity-detail", args=[opportunities["withdrawn"].uuid])
    )

    assert closed.status_code == 200
    assert closed.json()["is_open_for_responses"] is False
    assert withdrawn.status_code == 404


def test_nothing_private_is_ever_exposed(client, opportunities):
    housing = opportunities["housing"]
    eoi = ExpressionOfInterestFactory(
        opportunity=housing, submitted_by=UserFactory(), message="Our confidential pitch"
    )
    people = [housing.posted_by, opportunities["jobs"].posted_by, eoi.submitted_by]
    responses = [
        client.get(LIST_URL, {"include_closed": "true"}),
        client.get(reverse("api_v1:opportunity-detail", args=[housing.uuid])),
        client.get(reverse("api_v1:opportunity-detail", args=[opportunities["jobs"].uuid])),
    ]
    for response in responses:
        assert response.status_code == 200
        body = response.json()
        assert not all_keys(body) & PRIVATE_KEYS, all_keys(body) & PRIVATE_KEYS
        text = response.content.decode()
        for person in people:
            assert person.email not in text
            assert person.full_name not in text
        assert "Our confidential pitch" not in text
        assert "Withdrawn one" not in text


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in all_keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in all_keys(item)}
    return set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "atlantis"}, "region"),
        ({"value_band": "priceless"}, "value_band"),
        ({"q": "x" * 201}, "q"),
    ],
    ids=["unknown region", "unknown value band", "query too long"],
)
def test_bad_parameters_get_a_400_naming_them(client, opportunities, params, field):
    response = client.get(LIST_URL, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_list_is_paginated_in_a_fixed_number_of_queries(
    client, opportunities, django_assert_max_num_queries
):
    for _ in range(10):
        OpportunityFactory().client_groups.set([ClientGroupFactory()])
    with django_assert_max_num_queries(8):
        body = client.get(LIST_URL, {"page_size": 5}).json()

    assert body["count"] == 12
    assert len(body["results"]) == 5
    assert "page=2" in body["next"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client, opportunities, method):
    detail = reverse("api_v1:opportunity-detail", args=[opportunities["housing"].uuid])

    assert getattr(client, method)(LIST_URL).status_code == 405
    assert getattr(client, method)(detail).status_code == 405
    assert Opportunity.objects.filter(pk=opportunities["housing"].pk).exists()


def test_the_openapi_schema_describes_the_filters(client):
    schema = client.get(reverse("api_v1:schema"), {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/opportunities/"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"q", "region", "pathway", "client_group", "role", "value_band"} <= parameters
    assert {"is_subcontract", "include_closed", "page", "page_size"} <= parameters
    assert "/api/v1/opportunities/{uuid}/" in schema["paths"]


def test_the_api_page_has_an_opportunities_example(client):
    text = client.get(reverse("api_docs")).content.decode()

    assert 'curl "http://testserver/api/v1/opportunities/?region=wales' in text
