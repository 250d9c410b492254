"""The organisation search: relevance, same-service filters, facets, postcodes and bad input.

Runs on SQLite and PostgreSQL; tests of PostgreSQL-only behaviour (the trigram fallback) are
skipped on SQLite.
"""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from directory.organisations.models import ClientGroup, Organisation, Pathway, Region
from directory.search import selectors
from directory.search.filters import OrganisationFilterSet
from directory.search.search_index import refresh_search_documents
from directory.search.search_query import parse_search_query
from tests.factories import (
    DeliveryLocationFactory,
    EvidenceItemFactory,
    JusticeDataLabEvidenceFactory,
    OrganisationFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text and trigram search"
)
SEARCH_URL = reverse("directory:organisation_list")


def search(client, **params):
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 200
    return response


def names(response) -> list[str]:
    return [organisation.name for organisation in response.context["page_obj"].object_list]


def term(model, slug):
    return model.objects.get(slug=slug)


def organisation(name="Example Trust", *, services=(), **fields) -> Organisation:
    """A published organisation with the given services (dicts of ServiceFactory arguments)."""
    created = OrganisationFactory(name=name, **fields)
    for service in services:
        ServiceFactory(organisation=created, **service)
    refresh_search_documents(organisation_ids=[created.pk])
    return created


# --- Text ------------------------------------------------------------------------------------


def test_exact_name_match_outranks_a_description_mention(client):
    organisation("Harbour Mentoring", description="We help people into work.")
    organisation("Anchor Project", description="We grew out of the Harbour Mentoring scheme.")
    organisation("Unrelated Trust", description="Nothing to see.")
    assert names(search(client, q="harbour mentoring")) == ["Harbour Mentoring", "Anchor Project"]


def test_service_names_are_searched(client):
    organisation("Anchor Project", services=[{"name": "Debt advice clinic"}])
    organisation("Other Project")
    assert names(search(client, q="debt")) == ["Anchor Project"]


def test_phrase_query_needs_the_words_together(client):
    organisation("Together", summary="Housing support for families.")
    organisation("Apart", summary="Support with debt, and housing advice.")
    assert names(search(client, q='"housing support"')) == ["Together"]
    assert sorted(names(search(client, q="housing support"))) == ["Apart", "Together"]


def test_excluded_word(client):
    organisation("Women First", summary="Housing for women.")
    organisation("Open Door", summary="Housing for anyone.")
    assert names(search(client, q="housing -women")) == ["Open Door"]


def test_either_word(client):
    organisation("Debt Line", summary="Debt advice.")
    organisation("Job Club", summary="Employment support.")
    organisation("Allotment", summary="Gardening.")
    assert sorted(names(search(client, q="debt or employment"))) == ["Debt Line", "Job Club"]


def test_search_sees_service_changes_after_refresh(client):
    created = organisation("Anchor Project")
    assert names(search(client, q="allotment")) == []
    ServiceFactory(organisation=created, name="Allotment gardening")
    refresh_search_documents(organisation_ids=[created.pk])
    assert names(search(client, q="allotment")) == ["Anchor Project"]


def test_refresh_with_no_ids_updates_everything():
    OrganisationFactory.create_batch(3)
    assert refresh_search_documents() == 3


@postgres_only
@pytest.mark.parametrize("query", ["Nacrow", "nacro", "NACRO"])
def test_misspelt_name_still_finds_the_organisation(client, query):
    organisation("Nacro")
    organisation("Catch22")
    assert names(search(client, q=query)) == ["Nacro"]


@postgres_only
def test_partial_name_finds_the_organisation(client):
    organisation("St Giles Trust")
    organisation("Shelter")
    assert names(search(client, q="St Gile")) == ["St Giles Trust"]


@pytest.mark.parametrize(
    ("text", "required", "excluded"),
    [
        ("debt advice", [[("debt",)], [("advice",)]], []),
        ('"housing support" -women', [[("housing", "support")]], [("women",)]),
        ("debt or employment", [[("debt",), ("employment",)]], []),
        ("or debt", [[("debt",)]], []),
        ('"unclosed phrase', [[("unclosed", "phrase")]], []),
        ('- -- ""', [], []),
    ],
)
def test_parse_search_query(text, required, excluded):
    parsed = parse_search_query(text, synonyms=False)
    assert ([list(group) for group in parsed.required], list(parsed.excluded)) == (
        required,
        excluded,
    )


# --- Same-service filters ----------------------------------------------------------------


def test_service_filters_match_within_one_service(client, taxonomies):
    accommodation, women = term(Pathway, "accommodation"), term(ClientGroup, "women")
    organisation(
        "Split Across Services",
        services=[
            {"pathways": [accommodation], "regions": [term(Region, "wales")]},
            {"client_groups": [women], "regions": [term(Region, "london")]},
        ],
    )
    organisation(
        "Wrong Place",
        services=[
            {
                "pathways": [accommodation],
                "client_groups": [women],
                "regions": [term(Region, "wales")],
            }
        ],
    )
    organisation(
        "One Service Does It All",
        services=[
            {
                "pathways": [accommodation],
                "client_groups": [women],
                "regions": [term(Region, "north-west")],
            }
        ],
    )
    response = search(client, pathway="accommodation", client_group="women", region="north-west")
    assert names(response) == ["One Service Does It All"]


def test_a_national_service_covers_every_region(client, taxonomies):
    organisation("Everywhere", services=[{"regions": [term(Region, "national")]}])
    organisation("London Only", services=[{"regions": [term(Region, "london")]}])
    assert names(search(client, region="north-west")) == ["Everywhere"]
    assert names(search(client, region="london")) == ["Everywhere", "London Only"]


def test_organisation_level_filters(client, taxonomies):
    with_evidence = organisation("Evidenced", lived_experience_led=True)
    JusticeDataLabEvidenceFactory(organisation=with_evidence)
    low = organisation("Case Studies Only")
    EvidenceItemFactory(organisation=low, nesta_level=1)
    organisation("Nothing Yet", last_verified_at=None)
    assert names(search(client, has_jdl="yes")) == ["Evidenced"]
    assert names(search(client, has_evidence="yes")) == ["Case Studies Only", "Evidenced"]
    assert names(search(client, min_evidence_level="3")) == ["Evidenced"]
    assert names(search(client, lived_experience_led="yes")) == ["Evidenced"]
    assert "Nothing Yet" not in names(search(client, verified_recently="yes"))


def test_only_published_organisations_are_found(client):
    organisation("Published Project")
    for status in ["draft", "submitted", "changes_requested", "rejected", "archived"]:
        organisation(f"Hidden {status}", status=status)
    response = search(client)
    assert names(response) == ["Published Project"]
    assert b"Hidden" not in response.content


# --- Facets --------------------------------------------------------------------------------


def facet(response, param) -> dict[str, tuple[int, bool]]:
    group = next(g for g in response.context["result"].facets if g.param == param)
    return {option.value: (option.count, option.selected) for option in group.options}


def test_facet_counts_ignore_their_own_group(client, taxonomies):
    accommodation, education = (
        term(Pathway, "accommodation"),
        term(Pathway, "education-skills-and-work"),
    )
    north_west, london = term(Region, "north-west"), term(Region, "london")
    organisation("A", services=[{"pathways": [accommodation], "regions": [north_west]}])
    organisation("B", services=[{"pathways": [accommodation], "regions": [london]}])
    organisation("C", services=[{"pathways": [education], "regions": [london]}])
    organisation("D", services=[{"pathways": [education], "regions": [term(Region, "national")]}])

    response = search(client, region="london", pathway="accommodation")
    assert names(response) == ["B"]
    # The region group counts as if no region were chosen (D's National service counts too)...
    assert facet(response, "region")["london"] == (1, True)
    assert facet(response, "region")["north-west"] == (1, False)
    # ...and the pathway group as if no pathway were chosen, within London.
    assert facet(response, "pathway") == {
        "accommodation": (1, True),
        "education-skills-and-work": (2, False),
    }


def test_selected_option_with_no_results_is_still_shown(client, taxonomies):
    organisation("A", services=[{"regions": [term(Region, "london")]}])
    response = search(client, region="wales", q="A")
    assert facet(response, "region")["wales"] == (0, True)
    assert "north-east" not in facet(response, "region")


def test_organisation_level_facet_counts(client, taxonomies):
    organisation("Lived", lived_experience_led=True, services=[{"accepting_referrals": True}])
    organisation("Not lived", services=[{"accepting_referrals": True}])
    response = search(client, lived_experience_led="yes")
    assert response.context["result"].total == 1
    assert facet(response, "lived_experience_led") == {"yes": (1, True)}
    assert facet(response, "accepting_referrals") == {"yes": (1, False)}


def test_facet_counts_match_the_results(taxonomies):
    accommodation = term(Pathway, "accommodation")
    for n in range(3):
        organisation(
            f"Org {n}", services=[{"pathways": [accommodation], "accepting_referrals": n != 0}]
        )
    filterset = OrganisationFilterSet(QueryDict("pathway=accommodation&accepting_referrals=yes"))
    counts = selectors.search_counts(filterset=filterset)
    total, counts = counts.total, counts.facets
    assert total == filterset.qs.count() == 2
    assert counts["pathway"]["accommodation"] == 2
    assert counts["accepting_referrals"]["yes"] == 2


def test_query_count_is_bounded_whatever_the_page_size(
    client, django_assert_max_num_queries, taxonomies
):
    def build(n):
        for _ in range(n):
            service = ServiceFactory(
                pathways=[term(Pathway, "accommodation")], regions=[term(Region, "london")]
            )
            DeliveryLocationFactory(service=service)
            EvidenceItemFactory(organisation=service.organisation)
        refresh_search_documents()

    params = {
        "q": "mentoring",
        "pathway": "accommodation",
        "region": "london",
        "has_evidence": "yes",
        "postcode": "M1 1AE",
    }
    build(2)
    search(client, q=params["q"])  # synonyms and known words are read once a minute
    with django_assert_max_num_queries(12) as few:
        assert search(client, **params).context["result"].total == 2
    build(60)
    with django_assert_max_num_queries(12) as many:
        assert search(client, **params, page_size="100").context["result"].total == 62
    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize(
    "q", ["accomodation", "ex-offenders", '"through the gate"', "housing", "Harbur"]
)
def test_what_people_type_stays_within_the_query_budget(client, django_assert_max_num_queries, q):
    """The benchmark's cases for a misspelt word, a synonym and a phrase with stop words, with
    nothing cached (the synonyms, known words and vocabulary read afresh)."""
    organisation("Harbour Accommodation Trust", services=[{"name": "Housing for ex-offenders"}])
    caches["search"].clear()
    with django_assert_max_num_queries(12):
        search(client, q=q)


# --- Postcodes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("not a postcode", "Enter a real postcode, like SW1A 1AA"),
        ("M99 9ZZ", "We could not find the postcode M99 9ZZ. Check it and try again"),
        (
            "EH1 1YZ",
            "Enter a postcode in England or Wales. This directory only covers England and Wales",
        ),
    ],
)
def test_postcode_errors(client, postcode, message):
    organisation("Anchor Project")
    response = search(client, postcode=postcode)
    assert message in response.content.decode()
    assert b"govuk-error-summary" in response.content
    assert names(response) == ["Anchor Project"]


def test_near_a_postcode_by_distance(client, taxonomies):
    manchester = ServiceFactory(
        organisation=OrganisationFactory(name="Manchester Hub"), regions=[term(Region, "wales")]
    )
    DeliveryLocationFactory(service=manchester, latitude=53.4794, longitude=-2.2453)
    salford = ServiceFactory(
        organisation=OrganisationFactory(name="Salford Base"), regions=[term(Region, "wales")]
    )
    DeliveryLocationFactory(service=salford, latitude=53.49, longitude=-2.30)
    london = ServiceFactory(
        organisation=OrganisationFactory(name="London Base"), regions=[term(Region, "london")]
    )
    DeliveryLocationFactory(service=london, latitude=51.5, longitude=-0.12)
    # Based in London, so found by the regions their services cover, not by their address.
    ServiceFactory(
        organisation=OrganisationFactory(name="Covers Greater Manchester", postcode="SW1A 1AA"),
        regions=[term(Region, "greater-manchester")],
    )
    ServiceFactory(
        organisation=OrganisationFactory(name="A National One", postcode="SW1A 1AA"),
        regions=[term(Region, "national")],
    )

    response = search(client, postcode="m1 1ae", within="25")
    # Located services nearest first, then region-wide ones (no distance) by name.
    assert names(response) == [
        "Manchester Hub",
        "Salford Base",
        "A National One",
        "Covers Greater Manchester",
    ]
    miles = [o.miles for o in response.context["page_obj"].object_list]
    assert miles[0] < 1
    assert 2 < miles[1] < 4
    assert miles[2:] == [None, None]
    assert "Within 25 miles of M1 1AE" in response.content.decode()


def sort_options(response) -> list[tuple[str, str, bool]]:
    """The "Sort by" options: (value sent, label, selected)."""
    content = response.content.decode()
    select = content[
        content.index('id="id_sort"') : content.index("</select>", content.index('id="id_sort"'))
    ]
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]+)<', select
        )
    ]


def test_a_sort_left_at_its_default_lets_the_next_search_choose(client, taxonomies):
    located = ServiceFactory(organisation=OrganisationFactory(name="Zed Near"))
    DeliveryLocationFactory(service=located, latitude=53.4794, longitude=-2.2453)
    far = ServiceFactory(organisation=OrganisationFactory(name="Able Far"))
    DeliveryLocationFactory(service=far, latitude=53.7, longitude=-2.3)

    # By name by default, which sends no order: so adding a postcode sorts nearest first.
    options = sort_options(search(client))
    assert ("", "Name (A to Z)", True) in options and (
        "verified",
        "Recently verified",
        False,
    ) in options
    response = search(client, postcode="M1 1AE", sort="")
    assert names(response) == ["Zed Near", "Able Far"]
    assert ("", "Distance", True) in sort_options(response)
    assert len(re.findall(r"· \d+\.\d miles away</p>", response.content.decode())) == 2
    # An order the person chose is sent, and kept when they add a postcode.
    response = search(client, postcode="M1 1AE", sort="name")
    assert names(response) == ["Able Far", "Zed Near"]
    assert ("name", "Name (A to Z)", True) in sort_options(response)


def test_filter_groups_start_closed_unless_chosen_from(client, taxonomies):
    ServiceFactory(regions=[term(Region, "wales")])
    content = search(client, region="wales").content.decode()
    assert '<details class="app-facet__details" id="facet-region" open>' in content
    assert 'Region <span class="app-facet__selected">(1 selected)</span></summary>' in content
    assert '<details class="app-facet__details" id="facet-pathway">' in content
    # Skip to the results; the postcode has its own button; the toggle is for JavaScript.
    assert '<a class="govuk-link" href="#search-results">Skip to results</a>' in content
    assert 'Search<span class="govuk-visually-hidden"> near this postcode</span>' in content
    assert "app-filter-toggle govuk-!-display-none" in content


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 201},
        {"q": "\x00\x01 nul"},
        {"q": "&&& !!! ::: *:"},
        {"q": "'\"\\"},
        {"q": "(unbalanced"},
        {"q": "a <-> b"},
        {"region": "atlantis"},
        {"region": ["london", "atlantis"]},
        {"sort": "nonsense"},
        {"sort": "distance"},
        {"within": "9999"},
        {"min_evidence_level": "7"},
        {"page_size": "100000"},
        {"page": "999999999"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "1" * 50},
        {"accepting_referrals": "banana"},
    ],
)
def test_bad_input_gives_a_normal_page(client, params):
    organisation("Anchor Project")
    response = search(client, **params)
    assert b"Find organisations" in response.content


def test_over_long_query_is_explained(client):
    response = search(client, q="x" * 201)
    assert "Search terms must be 200 characters or fewer" in response.content.decode()


def test_unknown_filter_value_is_explained_and_the_rest_kept(client, taxonomies):
    organisation("London Project", services=[{"regions": [term(Region, "london")]}])
    organisation("Welsh Project", services=[{"regions": [term(Region, "wales")]}])
    response = search(client, region=["london", "atlantis"])
    assert names(response) == ["London Project"]
    assert "“atlantis” is not a region option we know" in response.content.decode()


def test_the_search_state_is_in_the_url(client, taxonomies):
    organisation("London Project", services=[{"regions": [term(Region, "london")]}])
    content = search(client, region="london", q="project", sort="name").content.decode()
    assert 'value="london" checked' in content
    assert 'value="project"' in content
    assert 'href="?q=project&amp;sort=name"' in content  # remove the region tag
    assert "export.csv?region=london&amp;q=project&amp;sort=name" in content


def test_sorting(client):
    organisation("Alpha", last_verified_at=None)
    organisation("Beta")
    assert names(search(client)) == ["Alpha", "Beta"]
    assert names(search(client, sort="verified")) == ["Beta", "Alpha"]


def test_counts_are_cached_until_search_data_changes(client, django_assert_max_num_queries):
    created = organisation("Anchor Project")
    assert search(client).context["result"].total == 1
    with django_assert_max_num_queries(4):
        assert search(client).context["result"].total == 1
    OrganisationFactory(name="Beacon")
    refresh_search_documents(organisation_ids=[created.pk])
    assert search(client).context["result"].total == 2
