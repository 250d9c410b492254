from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from directory.organisations.models import DeliveryLocation, EvidenceItem, Organisation, Service
from directory.search.management.commands.seed_directory import seed_published_up_to

pytestmark = pytest.mark.django_db


def seed(count: int = 30, **options) -> str:
    out = StringIO()
    call_command(
        "seed_directory",
        organisations=count,
        force=True,
        stdout=out,
        stderr=StringIO(),
        **options,
    )
    return out.getvalue()


def snapshot() -> list[tuple]:
    """Everything generated about each organisation, in insertion order."""
    organisations = Organisation.objects.order_by("id").prefetch_related(
        "services__pathways",
        "services__regions",
        "services__client_groups",
        "services__settings",
        "services__locations",
        "evidence_items",
    )
    return [
        (
            o.name,
            o.slug,
            o.summary,
            o.description,
            o.income_band.slug,
            [
                (
                    s.name,
                    s.description,
                    sorted(p.slug for p in s.pathways.all()),
                    sorted(r.slug for r in s.regions.all()),
                    sorted(c.slug for c in s.client_groups.all()),
                    sorted(d.slug for d in s.settings.all()),
                    [(loc.postcode, loc.latitude, loc.longitude) for loc in s.locations.all()],
                )
                for s in o.services.all()
            ],
            [(e.kind, e.title, e.jdl_cohort_rate) for e in o.evidence_items.all()],
        )
        for o in organisations
    ]


def test_seed_creates_published_organisations_with_services(taxonomies):
    output = seed(30, batch_size=7)

    organisations = Organisation.objects.all()
    assert organisations.count() == 30
    assert organisations.published().count() == 30
    assert not organisations.filter(last_verified_at__isnull=True).exists()
    for organisation in organisations.prefetch_related("services__pathways", "services__regions"):
        services = organisation.services.all()
        assert 1 <= len(services) <= 4
        for service in services:
            assert service.pathways.all(), service
            assert service.regions.all(), service
    assert EvidenceItem.objects.count() <= 90
    assert output.startswith("Rows inserted:")
    assert "Elapsed:" in output


def test_seed_summary_counts_match_the_database(taxonomies):
    output = seed(30)

    lines = dict(line.strip().rsplit(None, 1) for line in output.splitlines()[1:-1])
    assert int(lines["organisations"].replace(",", "")) == Organisation.objects.count()
    assert int(lines["services"].replace(",", "")) == Service.objects.count()
    assert int(lines["delivery locations"].replace(",", "")) == DeliveryLocation.objects.count()
    assert int(lines["evidence items"].replace(",", "")) == EvidenceItem.objects.count()
    assert (
        int(lines["service pathways"].replace(",", "")) == Service.pathways.through.objects.count()
    )


def test_seed_locations_are_geocoded_near_real_places(taxonomies):
    seed(60)

    locations = DeliveryLocation.objects.all()
    assert locations.exists()
    for location in locations:
        # England and Wales lie within these bounds.
        assert 49.8 < location.latitude < 55.9
        assert -6.5 < location.longitude < 2.0


def test_seed_justice_data_lab_evidence_has_figures(taxonomies):
    seed(120)

    jdl = EvidenceItem.objects.filter(kind=EvidenceItem.Kind.JUSTICE_DATA_LAB)
    assert jdl.exists()
    assert not jdl.filter(jdl_cohort_size__isnull=True).exists()
    assert not jdl.filter(jdl_comparison_rate__isnull=True).exists()
    others = EvidenceItem.objects.exclude(kind=EvidenceItem.Kind.JUSTICE_DATA_LAB)
    assert not others.filter(jdl_cohort_size__isnull=False).exists()


def test_seed_is_deterministic_with_the_same_seed(taxonomies):
    seed(30, seed=7)
    first = snapshot()
    Organisation.objects.all().delete()

    seed(30, seed=7)
    assert snapshot() == first

    Organisation.objects.all().delete()
    seed(30, seed=8)
    assert snapshot() != first


def test_seed_slugs_stay_unique_across_runs(taxonomies):
    seed(30)
    seed(30)
    seed(30, batch_size=4)

    slugs = list(Organisation.objects.values_list("slug", flat=True))
    assert len(slugs) == 90
    assert len(set(slugs)) == 90


def test_seed_loads_taxonomies_when_missing(db):
    seed(3)

    assert Organisation.objects.count() == 3


@pytest.mark.parametrize(
    "options",
    [{"organisations": 0}, {"organisations": -5}, {"organisations": 5, "batch_size": 0}],
)
def test_seed_rejects_bad_sizes(taxonomies, options):
    with pytest.raises(CommandError):
        call_command("seed_directory", force=True, stdout=StringIO(), stderr=StringIO(), **options)
    assert not Organisation.objects.exists()


def test_seed_refuses_without_debug_or_force(taxonomies, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on, or with --force"):
        call_command("seed_directory", organisations=3, stdout=StringIO(), stderr=StringIO())
    assert not Organisation.objects.exists()


def test_seed_runs_with_debug_on(taxonomies, settings):
    settings.DEBUG = True
    call_command("seed_directory", organisations=2, stdout=StringIO(), stderr=StringIO())
    assert Organisation.objects.count() == 2


def test_seed_summary_lists_tables_without_rows(taxonomies):
    output = seed(1, seed=3)

    assert "delivery locations" in output
    assert "evidence items" in output


def test_the_benchmarks_seed_up_to_their_size_once(taxonomies):
    """bench.py and the load test share seed_published_up_to: it tops up, then does nothing."""
    seed(2)
    said = []
    assert seed_published_up_to(5, said.append)
    assert Organisation.objects.published().count() == 5
    assert not seed_published_up_to(5, said.append)
    assert said == ["Seeding 3 organisations (once; the cluster is kept)"]
