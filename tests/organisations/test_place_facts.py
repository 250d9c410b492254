"""What an entry says about itself: where its own address is, where it is registered, and
result lines without empty facts."""

import pytest
from django.urls import reverse

from directory.organisations.models import Organisation, Region
from directory.organisations.place_selectors import organisation_base
from directory.search.search_index import refresh_search_documents
from tests.factories import OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def published(**fields) -> Organisation:
    return OrganisationFactory(status=Organisation.Status.PUBLISHED, **fields)


def test_a_profile_says_where_its_own_address_is(client, taxonomies):
    manchester = published(postcode="M1 3HE")
    glasgow = published(postcode="G1 1XQ", charity_number_scotland="SC012345", charity_number_ew="")

    assert "Greater Manchester" in client.get(manchester.get_absolute_url()).content.decode()
    page = client.get(glasgow.get_absolute_url()).content.decode()
    assert "Scotland, outside England and Wales" in page
    assert "Registered in Scotland only" in page


@pytest.mark.parametrize(
    ("fields", "only_in"),
    [
        ({"charity_number_scotland": "SC012345"}, "Scotland"),
        ({"charity_number_ni": "NIC100016"}, "Northern Ireland"),
        ({"company_number": "NI612345"}, "Northern Ireland"),
        ({"charity_number_scotland": "SC012345", "charity_number_ew": "1123456"}, ""),
        ({"company_number": "SC612345", "charity_number_ew": "1123456"}, ""),
        ({"company_number": "00142552"}, ""),
        ({}, ""),
    ],
)
def test_organisations_registered_only_in_scotland_or_northern_ireland(taxonomies, fields, only_in):
    organisation = OrganisationFactory.build(
        **{"charity_number_ew": "", "company_number": "", "postcode": "", **fields}
    )

    assert organisation_base(organisation)["registered_only_in"] == only_in


def test_result_lines_leave_out_facts_not_given(client, taxonomies):
    published(name="Anchor", legal_form=None, town="", income_band=None)
    refresh_search_documents()

    page = client.get(reverse("directory:organisation_list")).content.decode()

    assert "Anchor" in page
    assert "not given" not in page


def test_name_order_ignores_case_and_a_leading_the(client, taxonomies):
    for name in ["Zomba Trust", "bohemia counselling", "The Anchor", "dressCode", "Theatre Arts"]:
        published(name=name)
    refresh_search_documents()

    page = client.get(reverse("directory:organisation_list"), {"sort": "name"})

    assert [o.name for o in page.context["page_obj"]] == [
        "The Anchor",
        "bohemia counselling",
        "dressCode",
        "Theatre Arts",
        "Zomba Trust",
    ]


def test_organisations_registered_only_in_scotland_or_northern_ireland_can_be_left_out(
    client, taxonomies
):
    published(name="Glasgow Trust", charity_number_ew="", charity_number_scotland="SC012345")
    published(name="Belfast Trust", charity_number_ew="", company_number="NI612345")
    published(name="Border Trust", charity_number_scotland="SC054321")
    published(name="Camden Trust", charity_number_ew="", company_number="01234567")
    refresh_search_documents()
    search = reverse("directory:organisation_list")

    every = client.get(search, {"sort": "name"})
    in_england_or_wales = client.get(
        search, {"sort": "name", "registered_in_england_or_wales": "yes"}
    )

    assert [o.name for o in every.context["page_obj"]] == [
        "Belfast Trust",
        "Border Trust",
        "Camden Trust",
        "Glasgow Trust",
    ]
    assert [o.name for o in in_england_or_wales.context["page_obj"]] == [
        "Border Trust",
        "Camden Trust",
    ]
    assert in_england_or_wales.context["result"].total == 2
    assert 'name="registered_in_england_or_wales" type="checkbox" value="yes" checked' in (
        in_england_or_wales.content.decode()
    )


def test_based_in_finds_organisations_by_their_own_address(client, taxonomies):
    manchester = published(name="Ancoats Trust", postcode="M1 3HE")
    published(name="Westminster Trust", postcode="SW1A 1AA")
    published(name="Glasgow Trust", postcode="G1 1XQ")
    moved = published(name="Leeds Trust", postcode="M1 3HE")
    moved.postcode = "LS1 4DY"
    moved.save()
    refresh_search_documents()
    search = reverse("directory:organisation_list")

    page = client.get(search, {"based_in": "greater-manchester", "sort": "name"})

    assert [o.name for o in page.context["page_obj"]] == [manchester.name]
    based_in = {g.param: g for g in page.context["result"].facets}["based_in"]
    assert {o.value: o.count for o in based_in.options} == {
        "london": 1,
        "greater-manchester": 1,
        "yorkshire-and-the-humber": 1,
    }
    assert moved.based_region.slug == "yorkshire-and-the-humber"


def test_home_page_region_links_count_what_they_find(client, taxonomies):
    published(name="Westminster Trust", postcode="SW1A 1AA")
    serving = published(name="Camden Project", postcode="M1 3HE")
    ServiceFactory(organisation=serving, regions=[Region.objects.get(slug="london")])
    refresh_search_documents()

    lines = {line["region"].slug: line for line in client.get("/").context["regions"]}
    page = client.get("/").content.decode()

    assert (lines["london"]["serving"], lines["london"]["based"]) == (1, 1)
    assert (lines["greater-manchester"]["serving"], lines["greater-manchester"]["based"]) == (0, 1)
    assert "?based_in=london" in page
    search = reverse("directory:organisation_list")
    for slug, line in lines.items():
        assert client.get(search, {"region": slug}).context["result"].total == line["serving"]
        if slug != "national":
            assert client.get(search, {"based_in": slug}).context["result"].total == line["based"]
    based = client.get(search, {"based_in": "london"}).context["page_obj"]
    assert [o.name for o in based] == ["Westminster Trust"]
