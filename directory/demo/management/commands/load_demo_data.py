"""Load the fictional demo organisations (and, in development, the demo accounts)."""

import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import models as db_models
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import MODERATORS_GROUP, Membership, User
from directory.demo.demo_features import demo_features_load, demo_features_missing
from directory.organisations import geo, validators
from directory.organisations import models as organisation_models
from directory.organisations.models import (
    CONTACT_FIELDS,
    REGISTRATION_NUMBER_FIELDS,
    DeliveryLocation,
    EvidenceItem,
    Organisation,
    Service,
)
from directory.registration.services import SECTIONS
from directory.search.search_index import refresh_search_documents

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "organisations.json"

ORGANISATION_TEXT_FIELDS = [
    *REGISTRATION_NUMBER_FIELDS,
    "summary",
    "description",
    *CONTACT_FIELDS,
    "partnership_notes",
]
ORGANISATION_OTHER_FIELDS = [
    "year_founded",
    "staff_count",
    "volunteer_count",
    "people_supported_per_year",
    "lived_experience_led",
    "open_to_partnership",
]
SERVICE_TEXT_FIELDS = ["description", "eligibility", "spare_capacity"]
SERVICE_TAXONOMIES = {
    "pathways": organisation_models.Pathway,
    "client_groups": organisation_models.ClientGroup,
    "settings": organisation_models.DeliverySetting,
    "regions": organisation_models.Region,
}
EVIDENCE_TEXT_FIELDS = ["summary", "outcomes_measured", "url"]
EVIDENCE_OTHER_FIELDS = [
    "kind",
    "title",
    "year",
    "nesta_level",
    "jdl_cohort_size",
    "jdl_cohort_rate",
    "jdl_comparison_rate",
    "jdl_significant",
]

DEMO_PROVIDER = "provider@example.org"
DEMO_COMMISSIONER = "commissioner@example.org"
DEMO_MODERATOR = "moderator@example.org"
# (email, what the account can do, what to do first with it): the list demo_logins prints.
DEMO_ACCOUNTS = [
    (
        DEMO_PROVIDER,
        "provider: an admin of a demo organisation (edit its profile, members)",
        "Your account > Edit the profile: change the summary and send it for review",
    ),
    (
        DEMO_COMMISSIONER,
        "commissioner: verified, works for a Probation Service region",
        "Organisations > a profile > Send a message; or open your shortlist and opportunity",
    ),
    (
        DEMO_MODERATOR,
        "moderator: review, publish and reject profiles (two-factor: code from the secret below)",
        "Moderation: decide the new submission, the change, the claim and the report",
    ),
]


def text(value) -> str:
    """The fixture uses null for an empty value; text fields store ""."""
    return "" if value is None else value


class SlugLookup:
    """Taxonomy terms by slug, loaded once; an unknown slug is an error in the demo data."""

    def __init__(self, model):
        self.model = model
        self.by_slug = {term.slug: term for term in model.objects.all()}

    def get(self, slug: str | None):
        if slug is None:
            return None
        try:
            return self.by_slug[slug]
        except KeyError:
            raise CommandError(f"Unknown {self.model._meta.verbose_name} '{slug}'") from None

    def many(self, slugs: list[str] | None) -> list:
        return [self.get(slug) for slug in slugs or []]


def upsert(instance_or_model, values: dict, *, exclude: list[str] | None = None):
    """Create or update one row, saving only if a value differs; returns (object, state)."""
    if isinstance(instance_or_model, type):
        instance, state = instance_or_model(**values), "created"
    else:
        instance, state = instance_or_model, "unchanged"
        for field, value in values.items():
            if getattr(instance, field) != value:
                setattr(instance, field, value)
                state = "updated"
    if state != "unchanged":
        instance.full_clean(exclude=exclude)
        instance.save()
    return instance, state


def comparable(values: dict) -> dict:
    """Foreign keys compared by id, so an unchanged row is not re-saved."""
    return {
        (f"{key}_id" if isinstance(value, db_models.Model) else key): (
            value.pk if isinstance(value, db_models.Model) else value
        )
        for key, value in values.items()
    }


class Command(BaseCommand):
    help = (
        "Load fixtures/demo/organisations.json as published organisations with their services, "
        "delivery locations and evidence (idempotent). In development (DEBUG) or with "
        "--with-demo-accounts it also creates the demo accounts that demo_logins lists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEFAULT_FILE))
        parser.add_argument(
            "--with-demo-accounts",
            action="store_true",
            help="Create the demo accounts even though DEBUG is off. Never use this in production.",
        )

    def handle(self, *args, file, with_demo_accounts, **options):
        self.verbosity = options["verbosity"]
        with_accounts = settings.DEBUG or with_demo_accounts
        password = getattr(settings, "DEMO_PASSWORD", "")
        if with_accounts and not password:
            raise CommandError("Set DEMO_PASSWORD to create the demo accounts")
        if with_accounts and not getattr(settings, "DEMO_TOTP_SECRET", ""):
            raise CommandError(
                "Set DEMO_TOTP_SECRET (base32, for example DEVONLYDEMOMODERATORSECRETKEY234) to "
                "create the demo moderator's authenticator"
            )
        try:
            entries = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the demo data in {file}: {error}") from error

        if (
            not organisation_models.Region.objects.exists()
            or not organisation_models.Pathway.objects.exists()
        ):
            call_command("load_taxonomies", verbosity=self.verbosity)

        self.counts = Counter()
        with transaction.atomic():
            organisations = self.load_organisations(entries)
            # Before the accounts: their working set records a search of these organisations.
            refresh_search_documents(organisation_ids=[o.pk for o in organisations])
            if with_accounts:
                self.create_demo_accounts(organisations, password)

        if not with_accounts:
            self.stderr.write(
                self.style.WARNING(
                    "Demo accounts not created: DEBUG is off. Pass --with-demo-accounts to "
                    "create them (never in production)."
                )
            )
        self.write_summary()

    # --- Organisations ----------------------------------------------------------------------

    def load_organisations(self, entries: list[dict]) -> list[Organisation]:
        lookups = {
            "legal_form": SlugLookup(organisation_models.LegalForm),
            "income_band": SlugLookup(organisation_models.IncomeBand),
            "partnership_roles": SlugLookup(organisation_models.PartnershipRole),
            "quality_marks": SlugLookup(organisation_models.QualityMark),
            **{key: SlugLookup(model) for key, model in SERVICE_TAXONOMIES.items()},
        }
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        organisations = []
        for number, entry in enumerate(entries, start=1):
            name = entry.get("name") or f"entry {number}"
            try:
                organisation = self.load_organisation(entry, lookups, today)
            except (ValidationError, CommandError) as error:
                raise CommandError(f"Invalid demo organisation '{name}': {error}") from error
            organisations.append(organisation)
            if self.verbosity >= 2:
                self.stdout.write(f"  {organisation.name}")
            elif self.verbosity >= 1 and number % 10 == 0:
                self.stdout.write(f"{number} of {len(entries)} organisations loaded")
        return organisations

    def load_organisation(self, entry: dict, lookups: dict, today) -> Organisation:
        name = entry["name"]
        slug = slugify(name)
        existing = (
            Organisation.objects.filter(slug=slug).first()
            or Organisation.objects.filter(name=name).order_by("id").first()
        )
        verified_at = today - timedelta(days=entry.get("last_verified_days_ago") or 0)
        values = {
            "name": name,
            "legal_form": lookups["legal_form"].get(entry.get("legal_form")),
            "income_band": lookups["income_band"].get(entry.get("income_band")),
            **{field: text(entry.get(field)) for field in ORGANISATION_TEXT_FIELDS},
            **{field: entry.get(field) for field in ORGANISATION_OTHER_FIELDS},
            "status": Organisation.Status.PUBLISHED,
            "last_verified_at": verified_at,
            "is_unclaimed": False,
            # Published, so every section is complete (the owners' task list says so).
            "completed_sections": list(SECTIONS),
        }
        values["lived_experience_led"] = bool(values["lived_experience_led"])
        values["open_to_partnership"] = bool(values["open_to_partnership"])
        if existing is None:
            values |= {"slug": slug, "published_at": verified_at}
            organisation, state = upsert(Organisation, values, exclude=["slug"])
        else:
            if existing.published_at is None:
                values["published_at"] = verified_at
            # clean() normalises numbers and postcodes: compare against the normalised values.
            probe = Organisation(**values)
            probe.clean()
            normalised = {field: getattr(probe, field) for field in ORGANISATION_TEXT_FIELDS}
            organisation, state = upsert(
                existing, comparable(values | normalised), exclude=["slug"]
            )
        self.counts[f"organisations {state}"] += 1

        organisation.partnership_roles.set(
            lookups["partnership_roles"].many(entry.get("partnership_roles"))
        )
        organisation.quality_marks.set(lookups["quality_marks"].many(entry.get("quality_marks")))
        self.load_services(organisation, entry.get("services") or [], lookups)
        self.load_evidence(organisation, entry.get("evidence") or [])
        return organisation

    def load_services(self, organisation: Organisation, entries: list[dict], lookups: dict):
        existing = {service.name: service for service in organisation.services.all()}
        kept = set()
        for position, entry in enumerate(entries):
            values = {
                "organisation": organisation,
                "name": entry["name"],
                **{field: text(entry.get(field)) for field in SERVICE_TEXT_FIELDS},
                "accepting_referrals": bool(entry.get("accepting_referrals", True)),
                "largest_contract_value": entry.get("largest_contract_value"),
                "position": position,
            }
            current = existing.get(entry["name"])
            if current is None:
                service, state = upsert(Service, values)
            else:
                service, state = upsert(current, comparable(values))
            kept.add(service.pk)
            self.counts[f"services {state}"] += 1
            for key in SERVICE_TAXONOMIES:
                getattr(service, key).set(lookups[key].many(entry.get(key)))
            self.load_locations(service, entry.get("locations") or [])
        removed = organisation.services.exclude(pk__in=kept)
        self.counts["services removed"] += removed.count()
        removed.delete()

    def load_locations(self, service: Service, entries: list[dict]):
        existing = {(loc.name, loc.postcode): loc for loc in service.locations.all()}
        kept = set()
        for entry in entries:
            confidential = bool(entry.get("confidential"))
            if confidential:
                postcode = validators.postcode_district(entry["postcode"])
            else:
                postcode = validators.normalise_postcode(entry["postcode"])
            lookup = geo.lookup_district if confidential else geo.lookup_postcode
            try:
                place = lookup(postcode)
            except geo.UnknownPostcode:
                place = None
                self.counts["locations not found"] += 1
            except geo.PostcodeError as error:
                raise CommandError(f"location '{entry['name']}': {error.message}") from error
            else:
                self.counts["locations geocoded"] += 1
                postcode = place.postcode
            values = {
                "service": service,
                "name": entry["name"],
                "address": "" if confidential else text(entry.get("address")),
                "postcode": postcode,
                "confidential": confidential,
                "latitude": place.latitude if place else None,
                "longitude": place.longitude if place else None,
            }
            current = existing.get((entry["name"], postcode))
            if current is None:
                location, _ = upsert(DeliveryLocation, values)
            else:
                location, _ = upsert(current, comparable(values))
            kept.add(location.pk)
        service.locations.exclude(pk__in=kept).delete()

    def load_evidence(self, organisation: Organisation, entries: list[dict]):
        existing = {item.title: item for item in organisation.evidence_items.all()}
        kept = set()
        for entry in entries:
            verified = bool(entry.get("verified"))
            current = existing.get(entry["title"])
            values = {
                "organisation": organisation,
                **{field: text(entry.get(field)) for field in EVIDENCE_TEXT_FIELDS},
                **{field: entry.get(field) for field in EVIDENCE_OTHER_FIELDS},
                "verified_by_moderator": verified,
            }
            if verified and (current is None or current.verified_at is None):
                values["verified_at"] = timezone.now()
            elif not verified:
                values["verified_at"] = None
            for field in ("jdl_cohort_rate", "jdl_comparison_rate"):
                if values[field] is not None:
                    # Via str: a float converted directly carries binary noise into the Decimal.
                    values[field] = Decimal(str(values[field]))
            if current is None:
                item, state = upsert(EvidenceItem, values)
            else:
                item, state = upsert(current, comparable(values))
            kept.add(item.pk)
            self.counts[f"evidence items {state}"] += 1
        removed = organisation.evidence_items.exclude(pk__in=kept)
        self.counts["evidence items removed"] += removed.count()
        removed.delete()

    # --- Demo accounts ----------------------------------------------------------------------

    def create_demo_accounts(self, organisations: list[Organisation], password: str):
        provider_organisation = demo_provider_organisation(organisations)
        moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        provider = demo_user(DEMO_PROVIDER, "Priya Provider", password)
        Membership.objects.update_or_create(
            user=provider,
            organisation=provider_organisation,
            defaults={"role": Membership.Role.ADMIN},
        )
        commissioner = demo_user(DEMO_COMMISSIONER, "Chris Commissioner", password)
        moderator = demo_user(DEMO_MODERATOR, "Morgan Moderator", password)
        moderator.groups.add(moderators)
        self.counts["demo accounts"] = 3
        self.provider_organisation = provider_organisation
        self.working_set_missing = demo_features_missing()
        if not self.working_set_missing:
            self.working_set = demo_features_load(
                provider=provider,
                commissioner=commissioner,
                moderator=moderator,
                provider_organisation=provider_organisation,
            )

    def write_summary(self):
        if self.verbosity < 1:
            return
        counts = self.counts
        lines = [
            "Demo data loaded:",
            f"  organisations: {counts['organisations created']} created, "
            f"{counts['organisations updated']} updated, "
            f"{counts['organisations unchanged']} unchanged",
            f"  services: {counts['services created']} created, {counts['services updated']} "
            f"updated, {counts['services unchanged']} unchanged, "
            f"{counts['services removed']} removed",
            f"  evidence items: {counts['evidence items created']} created, "
            f"{counts['evidence items updated']} updated, "
            f"{counts['evidence items unchanged']} unchanged, "
            f"{counts['evidence items removed']} removed",
            f"  delivery locations: {counts['locations geocoded']} geocoded, "
            f"{counts['locations not found']} postcodes not found",
        ]
        if counts["demo accounts"]:
            lines.append(
                f"  demo accounts: {counts['demo accounts']} "
                f"(provider is an admin of {self.provider_organisation.name})"
            )
            lines.append(f"  working set (queue, partnerships...): {self.working_set_summary()}")
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))

    def working_set_summary(self) -> str:
        if self.working_set_missing:
            return "not loaded: the demo file lacks " + ", ".join(self.working_set_missing)
        created = ", ".join(
            f"{n} {singular if n == 1 else plural}"
            for (singular, plural), n in sorted(
                self.working_set.items(), key=lambda kind: kind[0][1]
            )
        )
        return created or "0 created"


def demo_provider_organisation(organisations: list[Organisation]) -> Organisation:
    """The first women's centre, else the first organisation working with women."""
    if not organisations:
        raise CommandError("The demo data has no organisations")
    for organisation in organisations:
        if "women" in organisation.name.lower() and "centre" in organisation.name.lower():
            return organisation
    with_women = Organisation.objects.filter(
        pk__in=[o.pk for o in organisations], services__client_groups__slug="women"
    ).values_list("pk", flat=True)
    for organisation in organisations:
        if organisation.pk in set(with_women):
            return organisation
    return organisations[0]


def demo_user(email: str, full_name: str, password: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, full_name=full_name)
    else:
        user.full_name = full_name
        user.is_active = True
        if not user.check_password(password):
            user.set_password(password)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
