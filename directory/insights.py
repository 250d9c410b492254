"""Market coverage figures for commissioners (/insights/): reads, cached until the data changes.

Counts follow the search's rules, so that every figure equals the number of results its link
finds: pathway, region, client group and setting are matched within one service, and a service
whose regions include National counts in every region.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse

from .models import EvidenceItem, Organisation, Service
from .search_index import search_data_version

# A cell with fewer published organisations than this is highlighted as a possible gap.
THIN_THRESHOLD = 3
SHADE_LEVELS = 4
NESTA_LEVELS = (1, 2, 3, 4, 5)
CACHE_SECONDS = 60 * 60 * 24
_VERSION_KEY = "insights-data-version"


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
    filters: dict[str, list[str]] = field(default_factory=dict)


def insights_data_version() -> int:
    """Changes whenever organisations or their services change (or search data is rebuilt)."""
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def bump_insights_data_version(**kwargs) -> None:
    """Signal receiver: cached figures are from before this change."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def connect_invalidation_signals() -> None:
    for model in (Organisation, Service):
        post_save.connect(
            bump_insights_data_version, sender=model, dispatch_uid=f"insights-{model}"
        )
        post_delete.connect(
            bump_insights_data_version, sender=model, dispatch_uid=f"insights-del-{model}"
        )
    for relation in (Service.pathways, Service.regions, Service.client_groups, Service.settings):
        m2m_changed.connect(
            bump_insights_data_version,
            sender=relation.through,
            dispatch_uid=f"insights-m2m-{relation.through}",
        )


def market_coverage(*, client_groups: list[Term], settings: list[Term]) -> Coverage:
    """The coverage figures for services matching the chosen client groups and settings."""
    key = ":".join(
        [
            "insights",
            str(insights_data_version()),
            str(search_data_version()),
            ",".join(str(t.id) for t in client_groups),
            ",".join(str(t.id) for t in settings),
        ]
    )
    coverage = cache.get(key)
    if coverage is None:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The planner overestimates these joins by orders of magnitude and JIT-compiles
                # them, which alone costs over a second; the queries are plain hash aggregates.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
            coverage = _compute_coverage(client_groups=client_groups, settings=settings)
        cache.set(key, coverage, CACHE_SECONDS)
    return coverage


def _terms(model) -> list[Term]:
    return [
        Term(*row)
        for row in model.objects.order_by("position", "name").values_list("id", "slug", "name")
    ]


def _table(model_or_relation) -> str:
    return connection.ops.quote_name(model_or_relation._meta.db_table)


def _service_filter(client_groups: list[Term], settings: list[Term]) -> tuple[str, list]:
    """SQL conditions on service `s` (same-service matching) and their parameters."""
    sql, params = "", []
    for relation, column, terms in [
        (Service.client_groups, "clientgroup_id", client_groups),
        (Service.settings, "deliverysetting_id", settings),
    ]:
        if terms:
            placeholders = ", ".join(["%s"] * len(terms))
            sql += (
                f" AND s.id IN (SELECT service_id FROM {_table(relation.through)}"
                f" WHERE {column} IN ({placeholders}))"
            )
            params += [t.id for t in terms]
    return sql, params


def _matching_services_sql(client_groups, settings, joins: str = "") -> tuple[str, list]:
    """FROM/JOIN/WHERE for services `s` of published organisations matching the filters."""
    condition, params = _service_filter(client_groups, settings)
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


def _compute_coverage(*, client_groups: list[Term], settings: list[Term]) -> Coverage:
    from .models import IncomeBand, LegalForm, Pathway, Region

    regions, pathways = _terms(Region), _terms(Pathway)
    pathway_join = f" JOIN {_table(Service.pathways.through)} sp ON sp.service_id = s.id"
    region_table = _table(Region)
    # Each served region covers itself; a national one covers every region too.
    covered_regions = (
        f"SELECT r.id AS served_id, r.id AS region_id FROM {region_table} r"
        f" UNION ALL SELECT n.id, r.id FROM {region_table} n CROSS JOIN {region_table} r"
        " WHERE n.is_national = %s AND r.id <> n.id"
    )
    grid_sql, grid_params = _matching_services_sql(
        client_groups,
        settings,
        pathway_join + f" JOIN {_table(Service.regions.through)} sr ON sr.service_id = s.id"
        f" JOIN ({covered_regions}) cover ON cover.served_id = sr.region_id",
    )
    # One row per organisation first (a hash aggregate), then counted: much quicker than
    # COUNT(DISTINCT ...), which sorts.
    grid_rows = _fetch(
        "SELECT region_id, pathway_id, COUNT(*), SUM(accepting) FROM ("
        " SELECT cover.region_id, sp.pathway_id, s.organisation_id,"
        " MAX(CASE WHEN s.accepting_referrals THEN 1 ELSE 0 END) AS accepting"
        f"{grid_sql} GROUP BY cover.region_id, sp.pathway_id, s.organisation_id"
        ") per_organisation GROUP BY region_id, pathway_id",
        [True, *grid_params],
    )
    counts = {(region, pathway): (n, accepting) for region, pathway, n, accepting in grid_rows}
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

    services_sql, params = _matching_services_sql(client_groups, settings)
    org_rows = _fetch(
        "SELECT org.income_band_id, org.legal_form_id, COUNT(*)"
        f" FROM {_table(Organisation)} org"
        f" WHERE org.id IN (SELECT s.organisation_id{services_sql})"
        " GROUP BY org.income_band_id, org.legal_form_id",
        params,
    )
    by_band: dict[int | None, int] = {}
    by_form: dict[int | None, int] = {}
    for band, form, n in org_rows:
        by_band[band] = by_band.get(band, 0) + n
        by_form[form] = by_form.get(form, 0) + n

    evidence_sql, evidence_params = _matching_services_sql(client_groups, settings, pathway_join)
    evidence_rows = _fetch(
        "SELECT po.pathway_id, e.best, COUNT(*) FROM ("
        f" SELECT DISTINCT sp.pathway_id, s.organisation_id{evidence_sql}"
        ") po LEFT JOIN (SELECT organisation_id, MAX(nesta_level) AS best"
        f" FROM {_table(EvidenceItem)} GROUP BY organisation_id) e"
        " ON e.organisation_id = po.organisation_id"
        " GROUP BY po.pathway_id, e.best",
        evidence_params,
    )
    levels: dict[int, list[int]] = {p.id: [0] * (len(NESTA_LEVELS) + 1) for p in pathways}
    for pathway_id, best, n in evidence_rows:
        levels[pathway_id][best or 0] += n

    return Coverage(
        pathways=pathways,
        grid=grid,
        by_income_band=_named_counts(_terms(IncomeBand), by_band),
        by_legal_form=_named_counts(_terms(LegalForm), by_form),
        evidence=[EvidenceRow(p, levels[p.id]) for p in pathways],
        organisations=sum(n for _, _, n in org_rows),
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
