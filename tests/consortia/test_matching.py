"""The partner matching ranking: a pure function, tested without a database."""

import pytest

from consortia.matching import PartnerProfile, suggest_partners

NW, WALES, LONDON = "North West", "Wales", "London"


def profile(key, name, coverage, **extra):
    return PartnerProfile(key=key, name=name, coverage=frozenset(coverage), **extra)


ME = profile(
    1,
    "Us",
    {(NW, "Education"), (WALES, "Education")},
    client_groups=frozenset({"Young adults"}),
    settings=frozenset({"Community"}),
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
        client_groups=frozenset({"Women", "Young adults"}),
        settings=frozenset({"Custody"}),
    )

    (suggestion,) = suggest_partners(ME, [candidate])

    assert suggestion.reason == (
        "adds Health in the North West; Accommodation and Health in Wales; "
        "works with Women; delivers in Custody"
    )
    assert suggestion.score == 3 * 3 + 1 + 1


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
        6, "Group", {(NW, "Education")}, client_groups=frozenset({"Women"}), evidence_level=5
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
    assert suggestion.reason == "adds Health in the North West; Health in Wales"
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
