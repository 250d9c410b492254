"""Partnership interest in the organisation search: open to approaches now, and the roles an
organisation offers or seeks, within the chosen regions and pathways, with facet counts."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from directory.organisations.models import PartnershipRole, Pathway, Region
from directory.search import selectors
from directory.search.definitions import INTEREST_FILTERS_BY_PARAM
from directory.search.filters import OrganisationFilterSet
from tests.factories import OrganisationFactory, PartnershipInterestFactory, ServiceFactory

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("directory:organisation_list")


def term(model, slug):
    return model.objects.get(slug=slug)


def organisation(name, regions, pathways=("accommodation",), **fields):
    created = OrganisationFactory(name=name, **fields)
    ServiceFactory(
        organisation=created,
        regions=[term(Region, slug) for slug in regions],
        pathways=[term(Pathway, slug) for slug in pathways],
    )
    return created


def interest(organisation, direction, role, region, pathway):
    return PartnershipInterestFactory(
        organisation=organisation,
        direction=direction,
        role=term(PartnershipRole, role),
        region=term(Region, region),
        pathway=term(Pathway, pathway),
    )


@pytest.fixture
def organisations(taxonomies):
    """Offers subcontracting for accommodation in the North West; seeks a lead provider in
    London; offers mentoring nationally; and one with no interest that is open now."""
    subcontractor = organisation("Subcontractor NW", ["north-west"], open_to_partnership=True)
    interest(subcontractor, "offer", "subcontractor", "north-west", "accommodation")
    seeker = organisation("Seeker London", ["london", "north-west"])
    interest(seeker, "seek", "lead-provider", "london", "accommodation")
    national = organisation(
        "National Mentors",
        ["national"],
        ["accommodation", "education-skills-and-work"],
        open_to_partnership=True,
    )
    interest(national, "offer", "volunteer-mentoring-partner", "national", "accommodation")
    interest(national, "offer", "subcontractor", "national", "education-skills-and-work")
    organisation("Open Only", ["wales"], open_to_partnership=True)
    organisation("Not Interested", ["wales"])


def names(client, query: str) -> list[str]:
    response = client.get(f"{SEARCH_URL}?{query}")
    assert response.status_code == 200
    return sorted(o.name for o in response.context["page_obj"].object_list)


def facet(client, query: str, param: str) -> dict[str, tuple[int, bool]]:
    response = client.get(f"{SEARCH_URL}?{query}")
    group = next(g for g in response.context["result"].facets if g.param == param)
    return {option.value: (option.count, option.selected) for option in group.options}


@pytest.mark.usefixtures("organisations")
@pytest.mark.parametrize(
    "query,expected",
    [
        ("open_to_partnership=yes", ["National Mentors", "Open Only", "Subcontractor NW"]),
        ("offers_role=subcontractor", ["National Mentors", "Subcontractor NW"]),
        ("seeks_role=lead-provider", ["Seeker London"]),
        ("seeks_role=subcontractor", []),
        (
            "offers_role=subcontractor&offers_role=volunteer-mentoring-partner",
            ["National Mentors", "Subcontractor NW"],
        ),
        # Within the chosen pathway: the national subcontracting is for education only.
        ("offers_role=subcontractor&pathway=accommodation", ["Subcontractor NW"]),
        # Within the chosen region; a national interest counts in every region.
        ("offers_role=volunteer-mentoring-partner&region=wales", ["National Mentors"]),
        ("offers_role=subcontractor&region=north-west", ["National Mentors", "Subcontractor NW"]),
        ("seeks_role=lead-provider&region=london", ["Seeker London"]),
        # Seeker London works in the North West too, but seeks a lead provider only in London.
        ("seeks_role=lead-provider&region=north-west", []),
        (
            "offers_role=subcontractor&open_to_partnership=yes",
            ["National Mentors", "Subcontractor NW"],
        ),
    ],
    ids=[
        "open-now",
        "offers",
        "seeks",
        "seeks-nobody",
        "offers-either",
        "offers-in-pathway",
        "offers-nationally-in-region",
        "offers-in-region",
        "seeks-in-region",
        "seeks-elsewhere",
        "offers-and-open",
    ],
)
def test_partnership_filters(client, query, expected):
    assert names(client, query) == expected


def test_a_national_interest_counts_in_every_region(taxonomies):
    national = organisation("National Mentors", ["national"])
    interest(national, "offer", "volunteer-mentoring-partner", "national", "accommodation")
    filterset = OrganisationFilterSet(QueryDict("region=wales"))
    offers = INTEREST_FILTERS_BY_PARAM["offers_role"]
    condition = filterset.partnership_interest_condition(
        offers, [term(PartnershipRole, "volunteer-mentoring-partner").pk]
    )
    assert list(national.__class__.objects.filter(condition)) == [national]
    elsewhere = filterset.partnership_interest_condition(
        offers, [term(PartnershipRole, "subcontractor").pk]
    )
    assert not national.__class__.objects.filter(elsewhere).exists()


@pytest.mark.usefixtures("organisations")
def test_partnership_facets_count_as_if_their_own_group_were_not_chosen(client):
    query = "offers_role=subcontractor"
    assert facet(client, query, "offers_role") == {
        "subcontractor": (2, True),
        "volunteer-mentoring-partner": (1, False),
    }
    # Among those offering subcontracting: both are open to approaches now, nobody seeks.
    assert facet(client, query, "open_to_partnership") == {"yes": (2, False)}
    assert facet(client, query, "seeks_role") == {}
    assert facet(client, "", "seeks_role") == {"lead-provider": (1, False)}
    # The pathway narrows the interest counts too.
    assert facet(client, "pathway=accommodation", "offers_role") == {
        "subcontractor": (1, False),
        "volunteer-mentoring-partner": (1, False),
    }


@pytest.mark.usefixtures("organisations")
def test_partnership_counts_match_the_results():
    filterset = OrganisationFilterSet(
        QueryDict("offers_role=subcontractor&open_to_partnership=yes")
    )
    counts = selectors.search_counts(filterset=filterset)
    total, counts = counts.total, counts.facets
    assert total == filterset.qs.count() == 2
    assert counts["offers_role"]["subcontractor"] == 2
    assert counts["open_to_partnership"]["yes"] == 2


@pytest.mark.usefixtures("organisations")
def test_an_unknown_role_is_explained_and_the_rest_of_the_search_kept(client):
    response = client.get(SEARCH_URL, {"offers_role": ["nonsense", "subcontractor"]})
    content = response.content.decode()
    assert "“nonsense” is not a offers to partner as option we know" in content
    assert sorted(o.name for o in response.context["page_obj"].object_list) == [
        "National Mentors",
        "Subcontractor NW",
    ]


@pytest.mark.usefixtures("organisations")
def test_csv_and_api_use_the_same_filters(client):
    csv = client.get(reverse("directory:organisation_export_csv"), {"seeks_role": "lead-provider"})
    assert csv.status_code == 200
    body = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Seeker London" in body and "Subcontractor NW" not in body
    api = client.get("/api/v1/organisations/", {"offers_role": "volunteer-mentoring-partner"})
    assert api.status_code == 200
    assert [o["name"] for o in api.json()["results"]] == ["National Mentors"]
