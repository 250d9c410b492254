"""What an entry says about itself: where its own address is, where it is registered, and
result lines without empty facts."""

import pytest
from django.urls import reverse

from directory.organisations.models import Organisation, Pathway, Region
from directory.organisations.place_selectors import organisation_base
from directory.search.search_index import refresh_search_documents
from tests.factories import DeliveryLocationFactory, OrganisationFactory, ServiceFactory

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
    # Entries without services count as organisations, not as services or covered regions.
    assert client.get("/").context["figures"] == {"organisations": 2, "services": 1, "regions": 1}
    assert "Greater Manchester</a>: 0 with services there;" in page
    assert ">1 based there<" in page


def _names(page) -> list[str]:
    return [o.name for o in page.context["page_obj"]]


@pytest.fixture
def around_manchester(taxonomies):
    """Organisations around M1 1AE: by their own address only, or by a delivery location."""
    london = Region.objects.get(slug="london")
    accommodation = Pathway.objects.get(slug="accommodation")
    published(name="Ancoats Trust", postcode="M1 3HE")  # 0.4 miles, no services
    published(name="Stockport Trust", postcode="SK1 1AA")  # 6.0 miles, no services
    published(name="Westminster Trust", postcode="SW1A 1AA")
    published(name="Oldham Trust", postcode="OL1 1AA")  # 6.7 miles, a London service
    ServiceFactory(
        organisation=Organisation.objects.get(name="Oldham Trust"),
        pathways=[accommodation],
        regions=[london],
    )
    # Based at M1 3HE too, but it lists where it works: a delivery location in London.
    piccadilly = published(name="Piccadilly Hub", postcode="M1 3HE")
    DeliveryLocationFactory(
        service=ServiceFactory(organisation=piccadilly, pathways=[accommodation], regions=[london]),
        postcode="SW1A 1AA",
        latitude=51.50101,
        longitude=-0.14159,
    )
    deansgate = published(name="Deansgate Project", postcode="SW1A 1AA")
    DeliveryLocationFactory(  # 0.6 miles
        service=ServiceFactory(organisation=deansgate, pathways=[accommodation], regions=[london])
    )
    refresh_search_documents()
    return accommodation


def test_a_postcode_search_finds_organisations_listing_no_delivery_locations_by_their_address(
    client, around_manchester
):
    search = reverse("directory:organisation_list")

    near = client.get(search, {"postcode": "M1 1AE", "within": "5", "sort": "distance"})
    wider = client.get(search, {"postcode": "M1 1AE", "within": "10", "sort": "distance"})
    by_name = client.get(search, {"postcode": "M1 1AE", "within": "10", "sort": "name"})

    assert _names(near) == ["Ancoats Trust", "Deansgate Project"]
    assert near.context["result"].total == 2
    page = near.content.decode()
    assert "Based 0.4 miles away (no delivery locations listed)" in page
    assert "Based 0.6 miles" not in page and "0.6 miles away" in page
    assert _names(wider) == [
        "Ancoats Trust",
        "Deansgate Project",
        "Stockport Trust",
        "Oldham Trust",
    ]
    assert [o.miles_from_own_address for o in wider.context["page_obj"]] == [
        True,
        False,
        True,
        True,
    ]
    assert _names(by_name) == sorted(_names(wider))


def test_own_address_counts_for_near_and_other_service_filters_still_need_a_service(
    client, around_manchester
):
    search = reverse("directory:organisation_list")
    wanted = {"postcode": "M1 1AE", "within": "10", "pathway": around_manchester.slug}

    page = client.get(search, wanted)

    assert sorted(_names(page)) == ["Deansgate Project", "Oldham Trust"]
    pathways = {g.param: g for g in page.context["result"].facets}["pathway"]
    counts = {o.value: o.count for o in pathways.options}
    assert counts[around_manchester.slug] == 2
    only_near = client.get(search, {"postcode": "M1 1AE", "within": "10"})
    pathways = {g.param: g for g in only_near.context["result"].facets}["pathway"]
    assert {o.value: o.count for o in pathways.options}[around_manchester.slug] == 2
    assert only_near.context["result"].total == 4


def test_a_profile_says_postcode_searches_use_its_address_when_it_lists_no_locations(
    client, around_manchester
):
    message = "It lists no delivery locations, so postcode searches measure the distance"

    ancoats = Organisation.objects.get(name="Ancoats Trust")
    piccadilly = Organisation.objects.get(name="Piccadilly Hub")

    assert message in client.get(ancoats.get_absolute_url()).content.decode()
    assert message not in client.get(piccadilly.get_absolute_url()).content.decode()
    assert (ancoats.latitude, ancoats.longitude) == pytest.approx((53.47806, -2.23548))


def test_a_profile_address_leaves_out_lines_not_given(client, taxonomies):
    imported = published(address_line_1="", address_line_2="", town="Manchester", postcode="M1 3HE")
    full = published(address_line_1="1 High Street", address_line_2="", town="Leeds", postcode="")

    assert "<li>Manchester M1 3HE</li>" in client.get(imported.get_absolute_url()).content.decode()
    assert "<li>1 High Street, Leeds </li>" in client.get(full.get_absolute_url()).content.decode()
