"""What people type, on either engine (docs/search.md, "What people type"): whole words,
apostrophes and possessives, hyphens, synonyms kept as data, phrases with stop words,
misspellings corrected from the directory's own words, taxonomy words, and empty results."""

import pytest
from django.urls import reverse

from directory.organisations.models import ClientGroup, DeliverySetting, Organisation, Pathway
from directory.search.models import SearchSynonym
from directory.search.search_query import parse_search_query
from tests.search.test_search import names, organisation, search, term

pytestmark = pytest.mark.django_db

SHORT = {"summary": "", "description": ""}


def test_a_word_never_matches_inside_another_word(client):
    organisation("Gateshead Food Bank", **SHORT)
    organisation("Navigate Careers", **SHORT)
    organisation("Prison Gate Mentors", **SHORT)
    assert names(search(client, q="gate")) == ["Prison Gate Mentors"]


def test_plurals_and_stems_match(client):
    organisation("Prison Gates Project", **SHORT)
    assert names(search(client, q="gate")) == ["Prison Gates Project"]


@pytest.mark.parametrize("typed", ["women's", "women’s", "womens", "women", "WOMEN'S"])
def test_apostrophes_and_possessives_find_the_same(client, typed):
    organisation("Irwell Women’s Centre", **SHORT)
    organisation("Humber Women's Space", **SHORT)
    organisation("Mens Sheds", **SHORT)
    assert sorted(names(search(client, q=typed))) == [
        "Humber Women's Space",
        "Irwell Women’s Centre",
    ]


@pytest.mark.parametrize("typed", ["re-offending", "reoffending", "re offending"])
def test_hyphenated_words_match_joined_or_apart(client, typed):
    organisation("Alpha", summary="We cut re-offending.", description="")
    organisation("Beta", summary="We cut reoffending.", description="")
    assert sorted(names(search(client, q=typed))) == ["Alpha", "Beta"]


def test_ex_offenders_written_apart_or_hyphenated(client):
    organisation("Fresh Start Ex-Offenders Network", **SHORT)
    organisation("Ex Offenders Allotment", **SHORT)
    assert sorted(names(search(client, q="ex-offenders"))) == sorted(
        names(search(client, q="ex offenders"))
    )
    assert len(names(search(client, q="ex offenders"))) == 2


def test_synonyms_find_each_other(client):
    organisation("Haven Housing", **SHORT)
    organisation("Oak Accommodation Project", **SHORT)
    organisation("Cedar Homes", **SHORT)
    organisation("Work Ready", **SHORT)
    for typed in ["housing", "accommodation", "homes", "accomodation"]:
        assert sorted(names(search(client, q=typed))) == [
            "Cedar Homes",
            "Haven Housing",
            "Oak Accommodation Project",
        ], typed


def test_a_phrase_synonym_finds_its_group(client):
    organisation("Beacon", summary="Help for prison leavers.", description="")
    organisation("Lantern", summary="For people with convictions.", description="")
    organisation("Candle", summary="A lunch club.", description="")
    assert sorted(names(search(client, q="ex-offender"))) == ["Beacon", "Lantern"]


def test_synonyms_are_data_that_moderators_edit(client):
    organisation("Turning Point Lodge", summary="A hostel.", description="")
    assert names(search(client, q="refuge")) == []
    SearchSynonym.objects.create(terms="refuge\nhostel")
    assert names(search(client, q="refuge")) == ["Turning Point Lodge"]


def test_the_name_ranks_the_words_as_typed_above_their_synonyms(client):
    organisation("Aardvark Homes", summary="Housing for families.", description="")
    organisation("Zebra Housing", **SHORT)
    assert names(search(client, q="housing")) == ["Zebra Housing", "Aardvark Homes"]


def test_within_a_tier_the_better_match_comes_first_then_synonyms(client):
    """In one tier (the words in the summary), the best match of the words as typed first
    (SQLite's bm25, PostgreSQL's ts_rank_cd), then a match found only by a synonym."""
    organisation("Aardvark Trust", summary="Debt advice, benefits and mentoring.", description="")
    organisation("Beaver Trust", summary="Befriending for older prisoners.", description="")
    organisation("Zebra Trust", summary="Mentoring: one to one mentoring.", description="")
    assert names(search(client, q="mentoring")) == ["Zebra Trust", "Aardvark Trust", "Beaver Trust"]


def test_a_quoted_phrase_matches_its_words_in_order_stop_words_included(client):
    organisation("Cumbria Through the Gate", **SHORT)
    organisation("Gate Lodge", summary="Meets people at the gate.", description="")
    organisation("Gatehouse", summary="Through a gate at the back.", description="")
    assert names(search(client, q='"through the gate"')) == ["Cumbria Through the Gate"]


def test_a_phrase_with_stop_words_allows_possessives_and_plurals_and_no_other_words(client):
    organisation("Alder Trust", summary="Support at the prison’s gates on release.", description="")
    organisation("Birch Trust", summary="Support at the old gate.", description="")
    organisation("Cedar Trust", summary="Support at the prisons.", description="")
    assert names(search(client, q='"at the prison gate"')) == ["Alder Trust"]


def test_a_phrase_with_stop_words_follows_edits_of_a_service(client):
    service = {"name": "Resettlement", "description": "Resettlement.", "settings": []}
    created = organisation("Alder Trust", **SHORT, services=[service])
    assert names(search(client, q='"through the gate"')) == []
    created.services.update(description="We meet people through the gate.")
    from directory.search.search_index import refresh_search_documents

    refresh_search_documents(organisation_ids=[created.pk])
    assert names(search(client, q='"through the gate"')) == ["Alder Trust"]


def test_probation_never_finds_probate(client):
    organisation("Leeds Probate Advice", **SHORT)
    organisation("Leeds Probation Volunteers", **SHORT)
    assert names(search(client, q="probation")) == ["Leeds Probation Volunteers"]
    assert names(search(client, q="probate")) == ["Leeds Probate Advice"]


def test_a_misspelt_word_is_corrected_and_the_words_as_typed_offered(client):
    organisation("Oak Accommodation Project", **SHORT)
    response = search(client, q="accomodation")
    assert names(response) == ["Oak Accommodation Project"]
    page = response.content.decode()
    assert "Showing results for <strong>accommodation</strong>" in page
    assert "as_typed=yes" in page
    as_typed = search(client, q="accomodation", as_typed="yes")
    # No word matches (PostgreSQL still lists names that look alike, labelled as such).
    found = as_typed.context["page_obj"].object_list
    real = [o for o in found if not getattr(o, "name_only_alike", False)]
    assert real == []
    assert "Showing results for" not in as_typed.content.decode()


def test_a_known_word_is_not_corrected(client):
    organisation("Oak Accommodation Project", **SHORT)
    organisation("Accomodation Typo Trust", **SHORT)
    response = search(client, q="accomodation")
    assert names(response) == ["Accomodation Typo Trust"]
    assert response.context["spelling_correction"] is None


def test_taxonomy_words_find_rank_and_offer_the_filter(client, taxonomies):
    accommodation, women = term(Pathway, "accommodation"), term(ClientGroup, "women")
    organisation("Aardvark Project", summary="Open to women.", description="")
    organisation(
        "Zebra Project",
        **SHORT,
        services=[{"name": "Hostel", "pathways": [accommodation], "client_groups": [women]}],
    )
    organisation("Yak Women's Group", **SHORT)
    response = search(client, q="women")
    # Zebra says nothing of women but serves them: found, and ranked by its service after the
    # name and before a mention.
    assert names(response) == ["Yak Women's Group", "Zebra Project", "Aardvark Project"]
    offers = [offer.label for offer in response.context["filter_offers"]]
    assert offers == ["Filter by people supported: Women"]
    housing = search(client, q="housing")
    assert [o.label for o in housing.context["filter_offers"]] == [
        "Filter by pathway: Accommodation"
    ]


def test_no_results_offers_the_nearest_broader_search_and_no_downloads(client, taxonomies):
    women = term(ClientGroup, "women")
    accommodation = term(Pathway, "accommodation")
    organisation(
        "Oak Project",
        **SHORT,
        services=[{"name": "Hostel", "pathways": [accommodation], "client_groups": []}],
    )
    organisation(
        "Elm Project",
        **SHORT,
        services=[{"name": "Hostel", "pathways": [accommodation], "client_groups": []}],
    )
    response = search(client, q="hostel", client_group=women.slug, accepting_referrals="")
    assert names(response) == []
    broader = response.context["broader_search"]
    assert broader.count == 2
    assert "client_group" not in broader.url
    page = response.content.decode()
    assert "Nearest broader search" in page
    assert reverse("directory:organisation_export_csv") not in page
    assert "Save this search" not in page
    found = search(client, q="hostel")
    assert reverse("directory:organisation_export_csv") in found.content.decode()


def test_the_text_index_follows_edits(client):
    created = organisation("Oak Project", **SHORT)
    Organisation.objects.filter(pk=created.pk).update(name="Birch Project")
    from directory.search.search_index import refresh_search_documents

    refresh_search_documents(organisation_ids=[created.pk])
    assert names(search(client, q="oak")) == []
    assert names(search(client, q="birch")) == ["Birch Project"]


@pytest.mark.parametrize(
    ("text", "tsquery"),
    [
        ("women's", "(women)"),
        ("re-offending", "(re <-> offending | reoffending)"),
        ('"through the gate" -probate', "(through & the & gate) & !(probate)"),
        ('"peer support" -"on the gate"', "(peer <-> support) & !(on <-> the <-> gate)"),
        ("the and of", ""),
    ],
)
def test_the_query_both_engines_run(text, tsquery):
    assert parse_search_query(text, synonyms=False).tsquery() == tsquery


@pytest.mark.parametrize(
    ("text", "weights", "phrase_tsquery"),
    [
        ("gate", "", None),
        (
            '"through the gate"',
            "A",
            "(through:A | throughs:A | throughes:A) <-> (the:A | thes:A | thees:A) "
            "<-> (gate:A | gates:A | gatees:A)",
        ),
        ('"peer support"', "", None),
        ("probation", "AB", "(probation:*AB)"),
    ],
)
def test_what_postgresql_matches_as_written(text, weights, phrase_tsquery):
    assert parse_search_query(text, synonyms=False).phrase_tsquery(weights) == phrase_tsquery


def test_a_phrase_in_the_name_ranks_above_a_phrase_elsewhere(client, taxonomies):
    gate = term(DeliverySetting, "through-the-gate")
    organisation(
        "Aardvark Gate Project", **SHORT, services=[{"name": "Mentoring", "settings": [gate]}]
    )
    organisation("Zebra Through the Gate", **SHORT)
    response = search(client, q='"through the gate"')
    assert names(response) == ["Zebra Through the Gate", "Aardvark Gate Project"]
    assert [o.label for o in response.context["filter_offers"]] == [
        "Filter by delivery setting: Through the gate"
    ]
