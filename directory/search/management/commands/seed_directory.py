"""Generate synthetic published organisations in bulk, for benchmarks and load tests."""

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from directory.organisations import geo
from directory.organisations import models as organisation_models
from directory.organisations.models import (
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.search.management import seed_vocabulary as words
from directory.search.search_index import deferred_search_documents, refresh_search_documents

POSTCODE_AREA_RE = re.compile(r"[A-Z]+")
PLACES_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "postcodes_by_region.json"

# Share of organisations per income band, roughly the voluntary sector's shape (most are small).
INCOME_BAND_WEIGHTS = {
    "under-10k": 38,
    "10k-100k": 33,
    "100k-500k": 16,
    "500k-1m": 6,
    "1m-10m": 6,
    "over-10m": 1,
}
# (staff, volunteers, people supported a year) ranges per income band.
SIZE_BY_INCOME_BAND = {
    "under-10k": ((0, 1), (2, 20), (10, 80)),
    "10k-100k": ((0, 4), (5, 40), (30, 300)),
    "100k-500k": ((3, 15), (5, 80), (100, 900)),
    "500k-1m": ((10, 30), (10, 120), (300, 2000)),
    "1m-10m": ((25, 250), (20, 400), (800, 8000)),
    "over-10m": ((200, 1500), (50, 2000), (5000, 40000)),
}
LEGAL_FORM_WEIGHTS = {
    "charity": 20,
    "cio": 22,
    "charitable-company": 25,
    "cic": 15,
    "society": 4,
    "public-service-mutual": 2,
    "clg": 4,
    "community-group": 6,
    "faith-group": 2,
}
EVIDENCE_KIND_WEIGHTS = {
    EvidenceItem.Kind.JUSTICE_DATA_LAB: 12,
    EvidenceItem.Kind.EVALUATION: 15,
    EvidenceItem.Kind.EXPERIMENTAL: 4,
    EvidenceItem.Kind.OUTCOME_MONITORING: 35,
    EvidenceItem.Kind.CASE_STUDY: 24,
    EvidenceItem.Kind.ACCREDITATION: 10,
}
NESTA_LEVEL_BY_KIND = {
    EvidenceItem.Kind.JUSTICE_DATA_LAB: (3, 3),
    EvidenceItem.Kind.EVALUATION: (2, 3),
    EvidenceItem.Kind.EXPERIMENTAL: (3, 4),
    EvidenceItem.Kind.OUTCOME_MONITORING: (1, 2),
    EvidenceItem.Kind.CASE_STUDY: (1, 1),
    EvidenceItem.Kind.ACCREDITATION: (1, 2),
}
SERVICE_COUNT_WEIGHTS = {1: 40, 2: 30, 3: 20, 4: 10}
EVIDENCE_COUNT_WEIGHTS = {0: 35, 1: 35, 2: 20, 3: 10}
SHARE_OF_SERVICES_WITH_LOCATIONS = 0.4
SHARE_OF_SERVICES_NATIONAL = 0.04
# About 0.01 degrees is 1 km: locations land within a few km of a real postcode.
LOCATION_JITTER_DEGREES = 0.03


@dataclass(frozen=True)
class Place:
    postcode: str
    town: str
    latitude: float
    longitude: float


@dataclass
class Taxonomies:
    regions: list[organisation_models.Region]
    national: organisation_models.Region | None
    pathways: list[organisation_models.Pathway]
    client_groups: list[organisation_models.ClientGroup]
    settings: list[organisation_models.DeliverySetting]
    legal_forms: list[organisation_models.LegalForm]
    legal_form_weights: list[int]
    income_bands: list[organisation_models.IncomeBand]
    income_band_weights: list[int]
    partnership_roles: list[organisation_models.PartnershipRole]
    quality_marks: list[organisation_models.QualityMark]

    @classmethod
    def load(cls) -> "Taxonomies":
        regions = list(organisation_models.Region.objects.order_by("position"))
        legal_forms = list(organisation_models.LegalForm.objects.order_by("position"))
        income_bands = list(organisation_models.IncomeBand.objects.order_by("position"))
        return cls(
            regions=[region for region in regions if not region.is_national],
            national=next((region for region in regions if region.is_national), None),
            pathways=list(organisation_models.Pathway.objects.order_by("position")),
            client_groups=list(organisation_models.ClientGroup.objects.order_by("position")),
            settings=list(organisation_models.DeliverySetting.objects.order_by("position")),
            legal_forms=legal_forms,
            legal_form_weights=[LEGAL_FORM_WEIGHTS.get(term.slug, 1) for term in legal_forms],
            income_bands=income_bands,
            income_band_weights=[INCOME_BAND_WEIGHTS.get(term.slug, 1) for term in income_bands],
            partnership_roles=list(
                organisation_models.PartnershipRole.objects.order_by("position")
            ),
            quality_marks=list(organisation_models.QualityMark.objects.order_by("position")),
        )


def load_places() -> dict[str, list[Place]]:
    """Real places per region slug, geocoded from the demo postcodes."""
    try:
        postcodes_by_region = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"Cannot read {PLACES_FILE}: {error}") from error
    places: dict[str, list[Place]] = {}
    for region_slug, postcodes in postcodes_by_region.items():
        for postcode in postcodes:
            try:
                found = geo.lookup_postcode(postcode)
            except geo.PostcodeError:
                continue
            area = POSTCODE_AREA_RE.match(found.postcode).group(0)
            town = words.TOWNS_BY_POSTCODE_AREA.get(area, region_slug.replace("-", " ").title())
            places.setdefault(region_slug, []).append(
                Place(found.postcode, town, found.latitude, found.longitude)
            )
    if not places:
        raise CommandError(f"None of the postcodes in {PLACES_FILE} could be found")
    return places


class ProgressStream:
    """Lets tqdm redraw its bar in place through a command's OutputWrapper (no added newlines)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class OrganisationGenerator:
    """Builds unsaved rows for one batch at a time from a seeded random generator.

    Related rows are given their parents' ids rather than the objects: assigning an object
    runs database-router checks, which adds up over millions of rows.
    """

    def __init__(self, rng: random.Random, taxonomies: Taxonomies, places: dict[str, list[Place]]):
        self.rng = rng
        self.taxonomies = taxonomies
        self.regions = [region for region in taxonomies.regions if region.slug in places]
        if not self.regions:
            raise CommandError("No region has a known place: load the taxonomies first")
        self.places = places
        self.now = timezone.now()

    def organisation(self, number: int) -> tuple[Organisation, organisation_models.Region, Place]:
        rng, taxonomies = self.rng, self.taxonomies
        region = rng.choice(self.regions)
        place = rng.choice(self.places[region.slug])
        name = self.name(place.town)
        legal_form = rng.choices(taxonomies.legal_forms, taxonomies.legal_form_weights)[0]
        income_band = rng.choices(taxonomies.income_bands, taxonomies.income_band_weights)[0]
        staff, volunteers, people = SIZE_BY_INCOME_BAND.get(income_band.slug, ((0, 5),) * 3)
        people_supported = rng.randint(*people)
        year_founded = rng.randint(1960, 2024)
        verified_at = self.now - timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 1439))
        domain = slugify(name)[:40]
        organisation = Organisation(
            name=name,
            slug=f"{slugify(name)[:200]}-{number}",
            legal_form_id=legal_form.pk,
            charity_number_ew=self.charity_number(legal_form.slug),
            company_number=self.company_number(legal_form.slug),
            year_founded=year_founded,
            summary=self.summary(place.town),
            description=self.description(place.town, year_founded, people_supported),
            website=f"https://{domain}.example.org",
            email=f"hello@{domain}.example.org",
            address_line_1=f"{rng.randint(1, 240)} {rng.choice(words.NAME_WORDS)} Street",
            town=place.town,
            postcode=place.postcode,
            income_band_id=income_band.pk,
            staff_count=rng.randint(*staff),
            volunteer_count=rng.randint(*volunteers),
            people_supported_per_year=people_supported,
            lived_experience_led=rng.random() < 0.3,
            open_to_partnership=rng.random() < 0.6,
            status=Organisation.Status.PUBLISHED,
            published_at=verified_at - timedelta(days=rng.randint(0, 700)),
            last_verified_at=verified_at,
        )
        return organisation, region, place

    def name(self, town: str) -> str:
        rng = self.rng
        word, focus = rng.choice(words.NAME_WORDS), rng.choice(words.NAME_FOCUSES)
        suffix = rng.choice(words.NAME_SUFFIXES)
        pattern = rng.randrange(5)
        if pattern == 0:
            return f"{word} {suffix}"
        if pattern == 1:
            return f"{word} {focus} {suffix}"
        if pattern == 2:
            return f"{rng.choice((town, self.neighbourhood()))} {focus} {suffix}"
        if pattern == 3:
            return f"{word} {suffix} {town}"
        return f"{word} {focus} {suffix} ({town})"

    def charity_number(self, legal_form_slug: str) -> str:
        if legal_form_slug in {"charity", "cio", "charitable-company", "faith-group"}:
            return str(self.rng.randint(1000000, 1209999))
        return ""

    def company_number(self, legal_form_slug: str) -> str:
        if legal_form_slug in {"charitable-company", "cic", "clg"}:
            return f"{self.rng.randint(1000000, 15999999):08d}"
        return ""

    def summary(self, town: str) -> str:
        rng = self.rng
        text = (
            f"A {rng.choice(words.ORGANISATION_KINDS)} in {town} that "
            f"{rng.choice(words.VERBS)} {rng.choice(words.PEOPLE)} {rng.choice(words.AIMS)}."
        )
        return text[:280]

    def description(self, town: str, year_founded: int, people_supported: int) -> str:
        rng = self.rng
        sentences = [
            rng.choice(words.HISTORY).format(
                year=year_founded, founders=rng.choice(words.FOUNDERS)
            ),
            f"Our team {rng.choice(words.VERBS)} {rng.choice(words.PEOPLE)} "
            f"{rng.choice(words.PLACES)}, based in {town}, {rng.choice(words.AIMS)}.",
            *rng.sample(words.METHODS, rng.randint(1, 4)),
            rng.choice(words.LOCAL_SENTENCES).format(
                place=self.neighbourhood(),
                other_place=self.neighbourhood(),
                person=f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.SURNAMES)}",
                year=rng.randint(max(year_founded, 2000), 2025),
            ),
            rng.choice(words.OUTCOMES).format(n=people_supported) + ".",
        ]
        return " ".join(sentences)

    def neighbourhood(self) -> str:
        return self.rng.choice(words.PLACE_PREFIXES) + self.rng.choice(words.PLACE_SUFFIXES)

    def service(self, organisation: Organisation, position: int) -> tuple[Service, dict]:
        """An unsaved service and the taxonomy terms for its many-to-many rows."""
        rng, taxonomies = self.rng, self.taxonomies
        pathways = rng.sample(taxonomies.pathways, rng.choice((1, 1, 2, 2, 3)))
        main = pathways[0]
        name = rng.choice(words.SERVICE_NAMES.get(main.slug, ["Support service"]))
        name += rng.choice(words.SERVICE_QUALIFIERS)
        service = Service(
            organisation_id=organisation.pk,
            name=name,
            description=(
                f"{name} {rng.choice(words.PLACES)}. "
                f"It {rng.choice(words.VERBS)} {rng.choice(words.PEOPLE)} "
                f"{rng.choice(words.AIMS)}. {rng.choice(words.METHODS)}"
            ),
            eligibility=rng.choice(words.ELIGIBILITY),
            accepting_referrals=rng.random() < 0.85,
            spare_capacity=rng.choice(words.SPARE_CAPACITY),
            largest_contract_value=rng.choice((None, None, 50_000, 100_000, 250_000, 1_000_000)),
            position=position,
        )
        terms = {
            "pathways": pathways,
            "client_groups": rng.sample(taxonomies.client_groups, rng.choice((0, 1, 1, 2))),
            "settings": rng.sample(taxonomies.settings, rng.choice((1, 1, 2))),
        }
        return service, terms

    def regions_for(self, home: organisation_models.Region) -> list[organisation_models.Region]:
        rng = self.rng
        if self.taxonomies.national and rng.random() < SHARE_OF_SERVICES_NATIONAL:
            return [self.taxonomies.national]
        if rng.random() < 0.3:
            return [home, rng.choice([r for r in self.regions if r != home] or [home])]
        return [home]

    def locations(
        self, service: Service, region: organisation_models.Region
    ) -> list[DeliveryLocation]:
        rng = self.rng
        if rng.random() >= SHARE_OF_SERVICES_WITH_LOCATIONS:
            return []
        places = self.places.get(region.slug) or self.places[rng.choice(self.regions).slug]
        locations = []
        for _ in range(rng.choice((1, 1, 1, 2))):
            place = rng.choice(places)
            locations.append(
                DeliveryLocation(
                    service_id=service.pk,
                    name=f"{place.town} {rng.choice(words.LOCATION_NAMES).lower()}",
                    address=f"{rng.randint(1, 200)} {rng.choice(words.NAME_WORDS)} Road",
                    postcode=place.postcode,
                    latitude=round(
                        place.latitude + rng.uniform(-1, 1) * LOCATION_JITTER_DEGREES, 6
                    ),
                    longitude=round(
                        place.longitude + rng.uniform(-1, 1) * LOCATION_JITTER_DEGREES, 6
                    ),
                )
            )
        return locations

    def evidence(self, organisation: Organisation) -> list[EvidenceItem]:
        rng = self.rng
        count = rng.choices(list(EVIDENCE_COUNT_WEIGHTS), list(EVIDENCE_COUNT_WEIGHTS.values()))[0]
        kinds = rng.choices(
            list(EVIDENCE_KIND_WEIGHTS), list(EVIDENCE_KIND_WEIGHTS.values()), k=count
        )
        items = []
        for kind in kinds:
            item = EvidenceItem(
                organisation_id=organisation.pk,
                kind=kind,
                title=rng.choice(words.EVIDENCE_TITLES[kind]),
                year=rng.randint(2012, 2025),
                summary=rng.choice(words.EVIDENCE_SUMMARIES),
                outcomes_measured=", ".join(rng.sample(words.OUTCOMES_MEASURED, 2)),
                nesta_level=rng.randint(*NESTA_LEVEL_BY_KIND[kind]),
                verified_by_moderator=rng.random() < 0.5,
            )
            if kind == EvidenceItem.Kind.JUSTICE_DATA_LAB:
                comparison = rng.uniform(22, 52)
                cohort = comparison - rng.uniform(-3, 10)
                item.jdl_cohort_size = rng.randint(60, 1500)
                item.jdl_comparison_rate = Decimal(f"{comparison:.1f}")
                item.jdl_cohort_rate = Decimal(f"{max(cohort, 0):.1f}")
                item.jdl_significant = comparison - cohort > 3 and item.jdl_cohort_size > 150
            items.append(item)
        return items


def seed_published_up_to(total: int, log: Callable[[str], None]) -> bool:
    """Seed synthetic organisations until `total` are published (the benchmark's and the load
    test's database keeps them, so this seeds once); True when it added any."""
    published = Organisation.objects.published().count()
    if published >= total:
        return False
    log(f"Seeding {total - published:,} organisations (once; the cluster is kept)")
    call_command("seed_directory", organisations=total - published, seed=published + 1, force=True)
    return True


class Command(BaseCommand):
    help = (
        "Generate N synthetic published organisations (with services, delivery locations and "
        "evidence) for benchmarks and load tests, in bulk, deterministically for a given --seed. "
        "Bulk inserts bypass django-simple-history, so no history rows are written: use it for "
        "synthetic benchmark data only, never for real organisations. Afterwards the search "
        "documents of every organisation are rebuilt in one statement."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, required=True, metavar="N")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (a benchmark or load-test database)",
        )

    def handle(self, *args, organisations, batch_size, seed, force, **options):
        if not (settings.DEBUG or force):
            raise CommandError(
                "seed_directory adds synthetic organisations, published as if they were real: "
                "it runs only with DEBUG on, or with --force for a benchmark or load-test "
                "database. Never use it on a live directory"
            )
        if organisations < 1:
            raise CommandError("--organisations must be 1 or more")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more")
        if (
            not organisation_models.Region.objects.exists()
            or not organisation_models.Pathway.objects.exists()
        ):
            call_command("load_taxonomies", verbosity=0)
        started = time.monotonic()
        generator = OrganisationGenerator(random.Random(seed), Taxonomies.load(), load_places())
        self.batch_size = batch_size
        counts = Counter()
        with tqdm(
            total=organisations,
            unit="org",
            file=ProgressStream(self.stderr),
            disable=options["verbosity"] == 0,
        ) as progress:
            for first in range(0, organisations, batch_size):
                size = min(batch_size, organisations - first)
                # update(), unlike +=, keeps tables that got no rows in the summary. The search
                # documents are built once at the end, not row by row by the triggers.
                with transaction.atomic(), deferred_search_documents():
                    numbers = range(first + 1, first + size + 1)
                    counts.update(self.insert_batch(generator, numbers))
                # With DEBUG on, Django keeps the SQL of recent queries, and each bulk insert's
                # SQL is megabytes long: forget it so memory stays bounded by one batch.
                reset_queries()
                progress.update(size)
        if options["verbosity"] >= 1:
            self.stderr.write("Building the search documents of every organisation")
        # One set-based statement for the whole table is far cheaper than one per batch.
        with transaction.atomic():
            refresh_search_documents()
        elapsed = time.monotonic() - started
        if options["verbosity"] >= 1:
            self.write_summary(counts, elapsed)

    @transaction.atomic
    def insert_batch(self, generator: OrganisationGenerator, numbers: range) -> Counter:
        """Generate and insert one batch of organisations and everything that hangs off them."""
        rng = generator.rng
        rows = [generator.organisation(number) for number in numbers]
        organisations = [organisation for organisation, _, _ in rows]
        make_slugs_unique(organisations)
        bulk = self.bulk_create
        bulk(Organisation, organisations)

        services, service_terms, service_regions = [], [], []
        evidence, partnership_roles, quality_marks = [], [], []
        taxonomies = generator.taxonomies
        for organisation, region, _ in rows:
            for position in range(
                rng.choices(list(SERVICE_COUNT_WEIGHTS), list(SERVICE_COUNT_WEIGHTS.values()))[0]
            ):
                service, terms = generator.service(organisation, position)
                terms["regions"] = generator.regions_for(region)
                services.append(service)
                service_terms.append(terms)
                service_regions.append(region)
            evidence += generator.evidence(organisation)
            if organisation.open_to_partnership:
                roles = rng.sample(taxonomies.partnership_roles, rng.randint(1, 2))
                partnership_roles += through_rows(
                    Organisation.partnership_roles, organisation, roles
                )
            marks = rng.sample(taxonomies.quality_marks, rng.choice((0, 0, 0, 1, 2)))
            quality_marks += through_rows(Organisation.quality_marks, organisation, marks)
        bulk(Service, services)

        links = {key: [] for key in ("pathways", "client_groups", "settings", "regions")}
        locations = []
        for service, terms, home in zip(services, service_terms, service_regions, strict=True):
            for key, chosen in terms.items():
                links[key] += through_rows(getattr(Service, key), service, chosen)
            first_region = terms["regions"][0]
            locations += generator.locations(
                service, home if first_region.is_national else first_region
            )
        for key, rows_for_key in links.items():
            bulk(getattr(Service, key).through, rows_for_key)
        bulk(DeliveryLocation, locations)
        bulk(EvidenceItem, evidence)
        bulk(Organisation.partnership_roles.through, partnership_roles)
        bulk(Organisation.quality_marks.through, quality_marks)

        counts = Counter(
            {
                "organisations": len(organisations),
                "services": len(services),
                "delivery locations": len(locations),
                "evidence items": len(evidence),
                "organisation partnership roles": len(partnership_roles),
                "organisation quality marks": len(quality_marks),
            }
        )
        for key, rows_for_key in links.items():
            counts[f"service {key.replace('_', ' ')}"] = len(rows_for_key)
        return counts

    def bulk_create(self, model, objects: list) -> None:
        model.objects.bulk_create(objects, batch_size=self.batch_size)

    def write_summary(self, counts: Counter, elapsed: float) -> None:
        width = max(len(key) for key in counts)
        lines = ["Rows inserted:"]
        lines += [f"  {key.ljust(width)}  {count:>10,}" for key, count in counts.items()]
        lines.append(f"Elapsed: {elapsed:.1f} seconds")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


def through_rows(relation, source, targets: list) -> list:
    """Unsaved rows of a many-to-many through table linking ``source`` to each target."""
    field, through = relation.field, relation.through
    source_column = f"{field.m2m_field_name()}_id"
    target_column = f"{field.m2m_reverse_field_name()}_id"
    columns = [column.attname for column in through._meta.concrete_fields]
    rows = []
    for target in targets:
        values = {source_column: source.pk, target_column: target.pk}
        # Positional arguments: Model.__init__ is several times faster than with keywords,
        # which matters for millions of rows.
        rows.append(through(*(values.get(column) for column in columns)))
    return rows


def make_slugs_unique(organisations: list[Organisation]) -> None:
    """Add a suffix to any slug already taken, checking the whole batch in a few queries."""
    pending = organisations
    attempt = 1
    while pending:
        taken = set()
        candidates = [organisation.slug for organisation in pending]
        for start in range(0, len(candidates), 900):
            taken.update(
                Organisation.objects.filter(slug__in=candidates[start : start + 900]).values_list(
                    "slug", flat=True
                )
            )
        clashing = [organisation for organisation in pending if organisation.slug in taken]
        attempt += 1
        for organisation in clashing:
            base = organisation.slug if attempt == 2 else organisation.slug.rsplit("-", 1)[0]
            organisation.slug = f"{base}-{attempt}"
        pending = clashing
