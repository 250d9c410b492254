"""Market coverage figures for commissioners (/insights/): the counting, and the page's reads.

Counts follow the search's rules, so that every figure equals the number of results its link
finds: pathway, region, client group and setting are matched within one service, and a service
whose regions include National counts in every region (search.definitions.REGION).

Counting is a few aggregate queries over every published service, which takes seconds on a
large directory, so the figures are kept (CoverageSnapshot, one per choice of filters) with the
data fingerprint they were counted at. A page shows kept figures while the directory has not
changed; once it has, figures that were quick to count are counted again at once, and slow ones
are shown as they were (saying so) while `refresh_insights` (a timer) counts them again.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse

from directory.opendata.models import CoverageSnapshot
from directory.organisations.models import (
    EvidenceItem,
    IncomeBand,
    LegalForm,
    Organisation,
    Pathway,
    Region,
    Service,
)
from directory.search.definitions import REGION

# A cell with fewer published organisations than this is highlighted as a possible gap.
THIN_THRESHOLD = 3
SHADE_LEVELS = 4
NESTA_LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True, slots=True)
class Term:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Cell:
    organisations: int
    accepting: int
    url: str
    accepting_url: str
    shade: int

    @property
    def is_thin(self) -> bool:
        return self.organisations < THIN_THRESHOLD


@dataclass(frozen=True, slots=True)
class GridRow:
    region: Term
    cells: list[Cell]


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    pathway: Term
    # Organisations by their highest Nesta level: index 0 is "no evidence", then levels 1-5.
    by_level: list[int]

    @property
    def level_three_or_higher(self) -> int:
        return sum(self.by_level[3:])


@dataclass
class Coverage:
    pathways: list[Term]
    grid: list[GridRow]
    by_income_band: list[tuple[str, int]]
    by_legal_form: list[tuple[str, int]]
    evidence: list[EvidenceRow]
    organisations: int
    counted_at: datetime
    # False while the directory has changed since counting, until the figures are recounted.
    current: bool


def data_fingerprint() -> str:
    """Changes whenever an organisation, service or evidence item is added, changed or deleted:
    the newest history record of each (changes, including bulk ones, are all recorded) and the
    newest row (for rows loaded without history, such as seeded data). Index look-ups only."""
    tables = []
    for model in (Organisation, Service, EvidenceItem):
        tables += [
            (_table(model.history.model), "history_id"),
            (_table(model), "id"),
        ]
    sql = "SELECT " + ", ".join(f"(SELECT MAX({column}) FROM {table})" for table, column in tables)
    return "-".join(str(value or 0) for value in _fetch(sql, [])[0])


def filters_key(*, client_group_ids: list[int], setting_ids: list[int]) -> str:
    """The figures' key: the chosen client groups and settings, in order."""
    groups = ",".join(str(pk) for pk in sorted(client_group_ids))
    settings = ",".join(str(pk) for pk in sorted(setting_ids))
    return f"client_groups={groups};settings={settings}"


def count_figures(*, client_group_ids: list[int], setting_ids: list[int]) -> dict:
    """Count the figures from scratch: the heavy part, a few aggregate queries."""
    # JIT is off for every connection (config.settings.base.without_jit): the planner
    # overestimates these joins and compiling them alone would cost over a second.
    return _count(client_group_ids, setting_ids)


def market_coverage(*, client_groups: list[Term], settings: list[Term]) -> Coverage:
    """The coverage figures for services matching the chosen client groups and settings."""
    from directory.opendata.insights_services import coverage_snapshot_count, coverage_snapshot_want

    fingerprint = data_fingerprint()
    chosen = {
        "client_group_ids": [t.id for t in client_groups],
        "setting_ids": [t.id for t in settings],
    }
    snapshot = CoverageSnapshot.objects.filter(filters=filters_key(**chosen)).first()
    if snapshot is None or (snapshot.fingerprint != fingerprint and snapshot.quick_to_count):
        snapshot = coverage_snapshot_count(**chosen, fingerprint=fingerprint)
    elif snapshot.fingerprint != fingerprint:
        coverage_snapshot_want(snapshot=snapshot)
    return _coverage(snapshot, client_groups, settings, current=snapshot.fingerprint == fingerprint)


def _terms(model) -> list[Term]:
    return [
        Term(*row)
        for row in model.objects.order_by("position", "name").values_list("id", "slug", "name")
    ]


def _table(model_or_relation) -> str:
    return connection.ops.quote_name(model_or_relation._meta.db_table)


def _service_filter(client_group_ids: list[int], setting_ids: list[int]) -> tuple[str, list]:
    """SQL conditions on service `s` (same-service matching) and their parameters."""
    sql, params = "", []
    for relation, column, ids in [
        (Service.client_groups, "clientgroup_id", client_group_ids),
        (Service.settings, "deliverysetting_id", setting_ids),
    ]:
        if ids:
            placeholders = ", ".join(["%s"] * len(ids))
            sql += (
                f" AND s.id IN (SELECT service_id FROM {_table(relation.through)}"
                f" WHERE {column} IN ({placeholders}))"
            )
            params += list(ids)
    return sql, params


def _matching_services_sql(client_group_ids, setting_ids, joins: str = "") -> tuple[str, list]:
    """FROM/JOIN/WHERE for services `s` of published organisations matching the filters."""
    condition, params = _service_filter(client_group_ids, setting_ids)
    return (
        f" FROM {_table(Service)} s"
        f" JOIN {_table(Organisation)} o ON o.id = s.organisation_id{joins}"
        f" WHERE o.status = %s{condition}",
        [Organisation.Status.PUBLISHED, *params],
    )


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _count(client_group_ids: list[int], setting_ids: list[int]) -> dict:
    """The raw counts, as JSON: by region and pathway (with those accepting referrals), by
    income band and legal form, and by pathway and highest evidence level."""
    pathway_join = f" JOIN {_table(Service.pathways.through)} sp ON sp.service_id = s.id"
    region_table = _table(Region)
    # Each served region covers itself; one covering every region (National) covers them too.
    everywhere, everywhere_params = (
        Region.objects.filter(REGION.covering_every_term()).values("id").query.sql_with_params()
    )
    covered_regions = (
        f"SELECT r.id AS served_id, r.id AS region_id FROM {region_table} r"
        f" UNION ALL SELECT n.id, r.id FROM {region_table} n CROSS JOIN {region_table} r"
        f" WHERE n.id IN ({everywhere}) AND r.id <> n.id"
    )
    grid_sql, grid_params = _matching_services_sql(
        client_group_ids,
        setting_ids,
        pathway_join + f" JOIN {_table(Service.regions.through)} sr ON sr.service_id = s.id"
        f" JOIN ({covered_regions}) cover ON cover.served_id = sr.region_id",
    )
    # One row per organisation first (a hash aggregate), then counted: much quicker than
    # COUNT(DISTINCT ...), which sorts.
    grid = _fetch(
        "SELECT region_id, pathway_id, COUNT(*), SUM(accepting) FROM ("
        " SELECT cover.region_id, sp.pathway_id, s.organisation_id,"
        " MAX(CASE WHEN s.accepting_referrals THEN 1 ELSE 0 END) AS accepting"
        f"{grid_sql} GROUP BY cover.region_id, sp.pathway_id, s.organisation_id"
        ") per_organisation GROUP BY region_id, pathway_id",
        [*everywhere_params, *grid_params],
    )
    services_sql, params = _matching_services_sql(client_group_ids, setting_ids)
    organisations = _fetch(
        "SELECT org.income_band_id, org.legal_form_id, COUNT(*)"
        f" FROM {_table(Organisation)} org"
        f" WHERE org.id IN (SELECT s.organisation_id{services_sql})"
        " GROUP BY org.income_band_id, org.legal_form_id",
        params,
    )
    evidence_sql, evidence_params = _matching_services_sql(
        client_group_ids, setting_ids, pathway_join
    )
    evidence = _fetch(
        "SELECT po.pathway_id, e.best, COUNT(*) FROM ("
        f" SELECT DISTINCT sp.pathway_id, s.organisation_id{evidence_sql}"
        ") po LEFT JOIN (SELECT organisation_id, MAX(nesta_level) AS best"
        f" FROM {_table(EvidenceItem)} GROUP BY organisation_id) e"
        " ON e.organisation_id = po.organisation_id"
        " GROUP BY po.pathway_id, e.best",
        evidence_params,
    )
    return {
        "grid": [[int(v or 0) for v in row] for row in grid],
        "organisations": [[band, form, int(n)] for band, form, n in organisations],
        "evidence": [[pathway, best, int(n)] for pathway, best, n in evidence],
    }


def _coverage(
    snapshot: CoverageSnapshot, client_groups: list[Term], settings: list[Term], *, current: bool
) -> Coverage:
    """The page's figures: the kept counts, laid out on today's regions and pathways."""
    figures = snapshot.figures
    regions, pathways = _terms(Region), _terms(Pathway)
    counts = {
        (region, pathway): (n, accepting) for region, pathway, n, accepting in figures["grid"]
    }
    highest = max((n for n, _ in counts.values()), default=0)
    filter_params = [("client_group", t.slug) for t in client_groups] + [
        ("setting", t.slug) for t in settings
    ]
    search_url = reverse("directory:organisation_list")
    grid = []
    for region in regions:
        cells = []
        for pathway in pathways:
            n, accepting = counts.get((region.id, pathway.id), (0, 0))
            query = urlencode([("pathway", pathway.slug), ("region", region.slug), *filter_params])
            url = f"{search_url}?{query}"
            cells.append(
                Cell(n, accepting, url, f"{url}&accepting_referrals=yes", _shade(n, highest))
            )
        grid.append(GridRow(region, cells))
    by_band: dict[int | None, int] = {}
    by_form: dict[int | None, int] = {}
    for band, form, n in figures["organisations"]:
        by_band[band] = by_band.get(band, 0) + n
        by_form[form] = by_form.get(form, 0) + n
    levels: dict[int, list[int]] = {p.id: [0] * (len(NESTA_LEVELS) + 1) for p in pathways}
    for pathway_id, best, n in figures["evidence"]:
        if pathway_id in levels:
            levels[pathway_id][best or 0] += n
    return Coverage(
        pathways=pathways,
        grid=grid,
        by_income_band=_named_counts(_terms(IncomeBand), by_band),
        by_legal_form=_named_counts(_terms(LegalForm), by_form),
        evidence=[EvidenceRow(p, levels[p.id]) for p in pathways],
        organisations=sum(n for _, _, n in figures["organisations"]),
        counted_at=snapshot.counted_at,
        current=current,
    )


def _named_counts(terms: list[Term], counts: dict[int | None, int]) -> list[tuple[str, int]]:
    named = [(term.name, counts.get(term.id, 0)) for term in terms]
    if counts.get(None):
        named.append(("Not given", counts[None]))
    return named


def _shade(count: int, highest: int) -> int:
    """0 for none, then 1 to SHADE_LEVELS in proportion to the largest cell."""
    if count == 0 or highest == 0:
        return 0
    return max(1, -(-count * SHADE_LEVELS // highest))
