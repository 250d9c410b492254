"""The partner matching ranking: a pure function, tested without a database."""

import pytest

from consortia.matching import PartnerProfile, suggest_partners

NW, WALES, LONDON = "North West", "Wales", "London"


def profile(key, name, coverage, **extra):
    return PartnerProfile(key=key, name=name, coverage=frozenset(coverage), **extra)


def in_regions(names: set[str], *regions: str) -> frozenset[tuple[str, str]]:
    return frozenset((region, name) for region in regions for name in names)


ME = profile(
    1,
    "Us",
    {(NW, "Education"), (WALES, "Education")},
    client_groups=in_regions({"Young adults"}, NW, WALES),
    settings=in_regions({"Community"}, NW, WALES),
)


def test_suggests_an_organisation_adding_pathways_in_a_shared_region_with_the_reason():
    candidate = profile(2, "Housing First", {(NW, "Accommodation"), (NW, "Health")})

    (suggestion,) = suggest_partners(ME, [candidate])

    assert suggestion.profile is candidate
    assert suggestion.score == 6
    assert suggestion.reason == "adds Accommodation and Health in the North West"


def test_reason_names_each_region_and_new_client_groups_and_settings():
    candidate = profile(
        2,
        "Both",
        {(NW, "Health"), (WALES, "Accommodation"), (WALES, "Health")},
        client_groups=in_regions({"Women", "Young adults"}, NW, WALES),
        settings=in_regions({"Custody"}, WALES),
    )

    (suggestion,) = suggest_partners(ME, [candidate])

    assert suggestion.reason == (
        "adds Health in the North West; Accommodation and Health in Wales; "
        "works with Women in the North West and Wales; delivers in Custody in Wales"
    )
    assert suggestion.score == 3 * 3 + 2 * 1 + 1


@pytest.mark.parametrize(
    "candidate",
    [
        pytest.param(profile(2, "Elsewhere", {(LONDON, "Accommodation")}), id="no-shared-region"),
        pytest.param(
            profile(2, "Closed", {(NW, "Accommodation")}, open_to_partnership=False),
            id="not-open",
        ),
        pytest.param(profile(2, "Same", {(NW, "Education")}), id="adds-nothing"),
        pytest.param(profile(1, "Itself", {(NW, "Accommodation")}), id="itself"),
        pytest.param(
            profile(2, "Only elsewhere", {(NW, "Education"), (LONDON, "Health")}),
            id="adds-only-outside-shared-regions",
        ),
    ],
)
def test_does_not_suggest(candidate):
    assert suggest_partners(ME, [candidate]) == []


def test_ranks_by_what_is_added_then_evidence_then_name():
    one_pathway_strong = profile(2, "B strong", {(NW, "Health")}, evidence_level=5)
    two_pathways_weak = profile(3, "C broad", {(NW, "Health"), (NW, "Finance")})
    one_pathway_weak_a = profile(4, "A weak", {(NW, "Drugs")}, evidence_level=1)
    one_pathway_weak_z = profile(5, "Z weak", {(NW, "Drugs")}, evidence_level=1)
    only_a_client_group = profile(
        6, "Group", {(NW, "Education")}, client_groups=in_regions({"Women"}, NW), evidence_level=5
    )

    ranked = suggest_partners(
        ME,
        [
            only_a_client_group,
            one_pathway_weak_z,
            one_pathway_strong,
            one_pathway_weak_a,
            two_pathways_weak,
        ],
    )

    assert [s.profile.name for s in ranked] == ["C broad", "B strong", "A weak", "Z weak", "Group"]


def test_limit_keeps_the_best():
    candidates = [profile(n, f"Org {n}", {(NW, f"Pathway {n}")}) for n in range(2, 10)]
    assert len(suggest_partners(ME, candidates, limit=3)) == 3


NATIONAL = "National (England and Wales)"


def test_a_national_candidate_shares_every_region_of_the_organisation():
    candidate = profile(2, "Everywhere", {(NATIONAL, "Health"), (NATIONAL, "Education")})

    (suggestion,) = suggest_partners(ME, [candidate], national=NATIONAL)

    # Education is already covered in both of ME's regions; Health is added in each.
    assert suggestion.reason == "adds Health in the North West and Wales"
    assert suggestion.score == 2 * 3
    # Without knowing which region is national, it shares none.
    assert suggest_partners(ME, [candidate]) == []


def test_national_work_of_the_organisation_covers_every_region():
    national_me = profile(1, "Us", {(NATIONAL, "Health")})
    regional = profile(2, "Regional", {(NW, "Health"), (NW, "Finance")})

    (suggestion,) = suggest_partners(national_me, [regional], national=NATIONAL)

    assert suggestion.reason == "adds Finance in the North West"


def test_a_pathway_added_nationally_is_said_once():
    both_national = profile(1, "Us", {(NATIONAL, "Education"), (NW, "Health")})
    candidate = profile(2, "Everywhere", {(NATIONAL, "Finance"), (WALES, "Drugs")})

    (suggestion,) = suggest_partners(both_national, [candidate], national=NATIONAL)

    assert suggestion.reason == "adds Finance nationally; Drugs in Wales"
    assert suggestion.score == 2 * 3


# --- Client groups and settings are compared region by region ------------------------------


def test_a_client_group_worked_with_only_elsewhere_is_not_credited():
    north_west_only = profile(1, "North West", {(NW, "Education")})
    # Its women's work is in Wales; in the North West it does Education, for anyone.
    candidate = profile(
        2,
        "Women in Wales",
        {(NW, "Education"), (WALES, "Accommodation")},
        client_groups=in_regions({"Women"}, WALES),
        settings=in_regions({"Custody"}, WALES),
    )

    assert suggest_partners(north_west_only, [candidate]) == []


def test_a_client_group_the_organisation_serves_only_elsewhere_is_still_added():
    # ME works with young adults in both its regions; this one works with women in the North
    # West, which ME does only in Wales.
    women_in_wales = profile(
        1,
        "Us",
        {(NW, "Education"), (WALES, "Education")},
        client_groups=in_regions({"Women"}, WALES),
    )
    candidate = profile(2, "Women NW", {(NW, "Education")}, client_groups=in_regions({"Women"}, NW))

    (suggestion,) = suggest_partners(women_in_wales, [candidate])

    assert suggestion.reason == "works with Women in the North West"
    assert suggestion.score == 1


def test_national_client_groups_count_everywhere_and_are_said_once():
    candidate = profile(
        2, "Everywhere", {(NATIONAL, "Education")}, client_groups=in_regions({"Women"}, NATIONAL)
    )
    national_women = profile(
        1, "Us", {(NW, "Health")}, client_groups=in_regions({"Women"}, NATIONAL)
    )

    (suggestion,) = suggest_partners(ME, [candidate], national=NATIONAL)
    assert suggestion.reason == "works with Women in the North West and Wales"
    assert suggest_partners(national_women, [candidate], national=NATIONAL)[0].reason == (
        "adds Education in the North West"
    )


# --- Open to partnership where it declared interest ----------------------------------------


def test_a_candidate_with_declared_interests_is_open_only_in_their_regions():
    candidate = profile(
        2,
        "Wales only",
        {(NW, "Health"), (WALES, "Health")},
        client_groups=in_regions({"Women"}, NW),
        interest_regions=frozenset({WALES}),
    )

    (suggestion,) = suggest_partners(ME, [candidate])

    assert suggestion.reason == "adds Health in Wales"
    assert suggestion.score == 3


def test_a_candidate_interested_only_outside_the_shared_regions_is_not_suggested():
    candidate = profile(
        2, "London only", {(NW, "Health"), (LONDON, "Health")}, interest_regions=frozenset({LONDON})
    )

    assert suggest_partners(ME, [candidate]) == []


def test_a_national_interest_opens_every_region():
    candidate = profile(
        2,
        "Anywhere",
        {(NW, "Health"), (WALES, "Finance")},
        interest_regions=frozenset({NATIONAL}),
    )

    (suggestion,) = suggest_partners(ME, [candidate], national=NATIONAL)

    assert suggestion.reason == "adds Health in the North West; Finance in Wales"


def test_two_national_organisations_meet_where_the_candidate_wants_partners():
    national_me = profile(1, "Us", {(NATIONAL, "Education")})
    candidate = profile(
        2, "National", {(NATIONAL, "Health")}, interest_regions=frozenset({NW, WALES})
    )

    (suggestion,) = suggest_partners(national_me, [candidate], national=NATIONAL)

    assert suggestion.reason == "adds Health in the North West and Wales"


def test_declared_interests_do_not_open_a_candidate_that_is_not_open_now():
    candidate = profile(
        2,
        "Not now",
        {(NW, "Health")},
        open_to_partnership=False,
        interest_regions=frozenset({NW}),
    )

    assert suggest_partners(ME, [candidate]) == []
