"""Market coverage (/insights/): figures against a hand-counted fixture, links, caching."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory.opendata import insights
from directory.opendata.models import CoverageSnapshot
from directory.organisations.models import (
    ClientGroup,
    EvidenceItem,
    Organisation,
    Pathway,
    Region,
    Service,
)
from directory.shortlists.models import Shortlist
from tests.factories import (
    ClientGroupFactory,
    DeliverySettingFactory,
    EvidenceItemFactory,
    IncomeBandFactory,
    LegalFormFactory,
    OrganisationFactory,
    PathwayFactory,
    RegionFactory,
    ServiceFactory,
    ShortlistFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("insights")


@pytest.fixture
def market():
    """Four published organisations and a draft, counted by hand in the tests below."""
    north_west = RegionFactory(name="North West", slug="north-west", position=1)
    wales = RegionFactory(name="Wales", slug="wales", position=2)
    national = RegionFactory(name="National", slug="national", is_national=True, position=3)
    accommodation = PathwayFactory(name="Accommodation", slug="accommodation", position=1)
    employment = PathwayFactory(name="Employment", slug="employment", position=2)
    women = ClientGroupFactory(name="Women", slug="women")
    custody = DeliverySettingFactory(name="In custody", slug="custody")
    community = DeliverySettingFactory(name="In the community", slug="community")
    charity = LegalFormFactory(name="Charity", slug="charity", position=1)
    cic = LegalFormFactory(name="CIC", slug="cic", position=2)
    small = IncomeBandFactory(name="Under £100,000", slug="small", position=1)
    medium = IncomeBandFactory(name="£100,000 to £1m", slug="medium", position=2)

    a = OrganisationFactory(name="A", legal_form=charity, income_band=small)
    ServiceFactory(
        organisation=a,
        pathways=[accommodation],
        regions=[north_west],
        client_groups=[women],
        settings=[community],
        accepting_referrals=True,
    )
    EvidenceItemFactory(organisation=a, nesta_level=2)
    EvidenceItemFactory(organisation=a, nesta_level=4)
    b = OrganisationFactory(name="B", legal_form=charity, income_band=None)
    ServiceFactory(
        organisation=b,
        pathways=[accommodation, employment],
        regions=[north_west, wales],
        settings=[custody, community],
        accepting_referrals=False,
    )
    c = OrganisationFactory(name="C", legal_form=cic, income_band=small)
    ServiceFactory(
        organisation=c,
        pathways=[employment],
        regions=[national],
        settings=[custody],
        accepting_referrals=True,
    )
    EvidenceItemFactory(organisation=c, nesta_level=1)
    e = OrganisationFactory(name="E", legal_form=cic, income_band=medium)
    # Accepting referrals in the community only: in custody, E is not accepting them.
    for accepting, settings in [(True, [community]), (False, [custody])]:
        ServiceFactory(
            organisation=e,
            pathways=[accommodation],
            regions=[north_west],
            settings=settings,
            accepting_referrals=accepting,
        )
    draft = OrganisationFactory(
        name="Draft", status=Organisation.Status.DRAFT, legal_form=charity, income_band=small
    )
    ServiceFactory(
        organisation=draft, pathways=[accommodation], regions=[north_west], settings=[custody]
    )
    return {"women": women}


def grid(coverage) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (row.region.slug, pathway.slug): (cell.organisations, cell.accepting)
        for row in coverage.grid
        for pathway, cell in zip(coverage.pathways, row.cells, strict=True)
    }


def test_grid_counts_match_the_hand_count(client, market):
    coverage = client.get(URL).context["coverage"]

    assert grid(coverage) == {
        ("north-west", "accommodation"): (3, 2),
        ("north-west", "employment"): (2, 1),
        ("wales", "accommodation"): (1, 0),
        ("wales", "employment"): (2, 1),
        ("national", "accommodation"): (0, 0),
        ("national", "employment"): (1, 1),
    }
    assert coverage.organisations == 4


def test_client_group_filter_counts_within_one_service(client, market):
    coverage = client.get(URL, {"client_group": "women"}).context["coverage"]

    counts = grid(coverage)
    assert counts.pop(("north-west", "accommodation")) == (1, 1)
    assert set(counts.values()) == {(0, 0)}
    assert coverage.organisations == 1


def test_setting_filter_counts_within_one_service(client, market):
    coverage = client.get(URL, {"setting": "custody"}).context["coverage"]

    # B's one service is in custody; C's national one too; E's custody service is not
    # accepting referrals (its community one is); A works only in the community.
    assert grid(coverage) == {
        ("north-west", "accommodation"): (2, 0),
        ("north-west", "employment"): (2, 1),
        ("wales", "accommodation"): (1, 0),
        ("wales", "employment"): (2, 1),
        ("national", "accommodation"): (0, 0),
        ("national", "employment"): (1, 1),
    }
    assert coverage.organisations == 3
    assert coverage.by_legal_form == [("Charity", 1), ("CIC", 2)]
    assert coverage.by_income_band == [
        ("Under £100,000", 1),
        ("£100,000 to £1m", 1),
        ("Not given", 1),
    ]
    evidence = {row.pathway.slug: row.by_level for row in coverage.evidence}
    assert evidence == {
        "accommodation": [2, 0, 0, 0, 0, 0],
        "employment": [1, 1, 0, 0, 0, 0],
    }


def test_setting_and_client_group_are_matched_within_one_service(client, market):
    # A works with women in the community, never in custody.
    in_custody = client.get(URL, {"client_group": "women", "setting": "custody"})
    in_the_community = client.get(URL, {"client_group": "women", "setting": "community"})

    assert set(grid(in_custody.context["coverage"]).values()) == {(0, 0)}
    assert in_custody.context["coverage"].organisations == 0
    counts = grid(in_the_community.context["coverage"])
    assert counts.pop(("north-west", "accommodation")) == (1, 1)
    assert set(counts.values()) == {(0, 0)}


def test_unknown_filter_values_are_ignored(client, market):
    response = client.get(URL, {"client_group": "<b>nobody</b>", "setting": "nowhere"})

    assert response.status_code == 200
    assert grid(response.context["coverage"])[("north-west", "accommodation")] == (3, 2)


def test_charts_and_tables_match_the_hand_count(client, market):
    coverage = client.get(URL).context["coverage"]

    assert coverage.by_legal_form == [("Charity", 2), ("CIC", 2)]
    assert coverage.by_income_band == [
        ("Under £100,000", 2),
        ("£100,000 to £1m", 1),
        ("Not given", 1),
    ]
    evidence = {row.pathway.slug: row.by_level for row in coverage.evidence}
    assert evidence == {
        "accommodation": [2, 0, 0, 0, 1, 0],
        "employment": [1, 1, 0, 0, 0, 0],
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"client_group": "women"},
        {"setting": "custody"},
        {"client_group": "women", "setting": "community"},
    ],
)
def test_every_cell_links_to_a_search_with_the_same_count(client, market, params):
    coverage = client.get(URL, params).context["coverage"]

    for row in coverage.grid:
        for cell in row.cells:
            for url, expected in [
                (cell.url, cell.organisations),
                (cell.accepting_url, cell.accepting),
            ]:
                assert client.get(url).context["result"].total == expected, url


def test_thin_cells_are_marked_as_possible_gaps(client, market):
    response = client.get(URL)
    coverage = response.context["coverage"]
    cells = {
        (row.region.slug, pathway.slug): cell
        for row in coverage.grid
        for pathway, cell in zip(coverage.pathways, row.cells, strict=True)
    }

    assert not cells[("north-west", "accommodation")].is_thin
    assert cells[("wales", "accommodation")].is_thin
    assert response.content.decode().count("Possible gap") == 5


def test_page_has_accessible_svg_charts_without_inline_styles(client, market):
    html = client.get(URL).content.decode()

    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert 'role="img"' in html
    assert "style=" not in html
    assert "<script>" not in html


def test_figures_are_kept_and_counted_again_when_organisations_change(
    client, market, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        client.get(URL)
    # Kept: no counting, only the figures and the names of the terms are read.
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
        coverage = client.get(URL).context["coverage"]
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert grid(coverage)[("wales", "accommodation")] == (1, 0)
    assert coverage.current

    # Added in steps, as the registration flow does: the m2m changes must count too.
    service = ServiceFactory(organisation=OrganisationFactory(name="New"), pathways=[], regions=[])
    service.pathways.set([Pathway.objects.get(slug="accommodation")])
    service.regions.set([Region.objects.get(slug="wales")])

    # Quick to count (a small directory): counted again at once.
    coverage = client.get(URL).context["coverage"]
    assert grid(coverage)[("wales", "accommodation")] == (2, 1)
    assert coverage.current


def test_unpublishing_an_organisation_refreshes_the_figures(client, market):
    assert grid(client.get(URL).context["coverage"])[("wales", "accommodation")] == (1, 0)

    b = Organisation.objects.get(name="B")
    b.status = Organisation.Status.ARCHIVED
    b.save()

    assert grid(client.get(URL).context["coverage"])[("wales", "accommodation")] == (0, 0)


def test_shading_is_proportional_to_the_largest_cell():
    assert [insights._shade(n, 8) for n in (0, 1, 2, 3, 4, 7, 8)] == [0, 1, 1, 2, 2, 4, 4]


# --- Figures counted ahead (CoverageSnapshot) -------------------------------------------------


def refresh() -> str:
    out = StringIO()
    call_command("refresh_insights", stdout=out)
    return out.getvalue()


def test_figures_slow_to_count_are_shown_as_they_were_until_the_timer_counts_them(
    client, market, settings
):
    settings.INSIGHTS_COUNT_WHILE_WAITING_SECONDS = 0  # every count is "slow"
    filtered = {"client_group": "women"}
    assert grid(client.get(URL).context["coverage"])[("wales", "accommodation")] == (1, 0)
    client.get(URL, filtered)
    b = Organisation.objects.get(name="B")
    b.status = Organisation.Status.ARCHIVED
    b.save()

    response = client.get(URL)

    # The page does not wait: it shows the figures it has, saying when they were counted.
    coverage = response.context["coverage"]
    assert grid(coverage)[("wales", "accommodation")] == (1, 0)
    assert not coverage.current
    assert "The directory has changed since then" in response.content.decode()
    assert CoverageSnapshot.objects.get(filters__startswith="client_groups=;").wanted
    assert not CoverageSnapshot.objects.exclude(filters__startswith="client_groups=;").get().wanted

    assert "Counted 1, already current 0, out of date but not asked for 1" in refresh()

    response = client.get(URL)
    coverage = response.context["coverage"]
    assert grid(coverage)[("wales", "accommodation")] == (0, 0)
    assert coverage.current
    assert "The directory has changed" not in response.content.decode()
    assert "Counted 0, already current 1" in refresh()


def test_the_timer_keeps_the_unfiltered_figures_ready_before_anyone_asks(client, market):
    assert not CoverageSnapshot.objects.exists()

    assert "Counted 1" in refresh()

    [snapshot] = CoverageSnapshot.objects.all()
    assert snapshot.fingerprint == insights.data_fingerprint()
    with CaptureQueriesContext(connection) as queries:
        coverage = client.get(URL).context["coverage"]
    assert not [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert grid(coverage)[("north-west", "accommodation")] == (3, 2)


def test_figures_nobody_asks_for_are_dropped_and_so_are_those_of_deleted_terms(client, market):
    client.get(URL, {"client_group": "women"})
    refresh()
    ServiceFactory()  # the directory changes
    CoverageSnapshot.objects.update(counted_at=timezone.now() - timedelta(days=31))

    assert "Counted 1, already current 0, out of date but not asked for 0, dropped 1" in (refresh())

    client.get(URL, {"client_group": "women"})
    ClientGroup.objects.filter(slug="women").delete()
    assert "dropped 1" in refresh()
    assert list(CoverageSnapshot.objects.values_list("filters", flat=True)) == [
        "client_groups=;settings="
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda m: ServiceFactory(),
        lambda m: Service.objects.first().regions.clear(),
        lambda m: EvidenceItemFactory(organisation=Organisation.objects.first()),
        lambda m: EvidenceItem.objects.first().delete(),
        lambda m: Organisation.objects.get(name="C").delete(),
        # Loaded in bulk without history, as the seeding command does.
        lambda m: Organisation.objects.bulk_create([Organisation(name="Bulk", slug="bulk")]),
    ],
    ids=["service added", "regions cleared", "evidence added", "evidence deleted",
         "organisation deleted", "bulk insert"],
)  # fmt: skip
def test_every_change_that_counts_changes_the_fingerprint(market, change):
    before = insights.data_fingerprint()

    change(market)

    assert insights.data_fingerprint() != before


def test_other_changes_leave_the_figures_current(market):
    before = insights.data_fingerprint()

    ShortlistFactory()
    Shortlist.objects.update(name="Renamed")

    assert insights.data_fingerprint() == before
