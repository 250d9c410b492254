"""What organisations owns: the taxonomies, organisations, their services, delivery places and
evidence, and the partnership interests they declare. Every other app builds on these; the
models of moderation, search, shortlists and opendata point here, never the other way."""

import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from accounts.fields import OneLineCharField, one_line_constraint
from directory.organisations import validators

# --- Taxonomies: tables seeded from fixtures/taxonomies.json, editable by admins. ---


# The change reason of the history records a CSV import writes (saved searches count them).
IMPORT_HISTORY_REASON = "Imported from a CSV file"
# The longest message the owners may send the moderators with their profile or changes.
SUBMISSION_MESSAGE_LENGTH = 2000


class TaxonomyTerm(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    # The PostgreSQL search keeps a taxonomy's terms as the bits of one bigint (migration 0009).
    MAX_TERMS = 63

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self._state.adding and type(self).objects.count() >= self.MAX_TERMS:
            raise ValidationError(
                f"A taxonomy can have at most {self.MAX_TERMS} terms. "
                "Remove one that is no longer used before adding another"
            )


class Region(TaxonomyTerm):
    """A Probation Service region of England and Wales, or National."""

    code = models.CharField(max_length=5, unique=True)
    is_national = models.BooleanField(default=False)

    class Meta(TaxonomyTerm.Meta):
        pass


class Pathway(TaxonomyTerm):
    """A reducing-reoffending pathway."""

    class Meta(TaxonomyTerm.Meta):
        pass


class ClientGroup(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        pass


class DeliverySetting(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        pass


class LegalForm(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        pass


class IncomeBand(TaxonomyTerm):
    min_income = models.PositiveBigIntegerField(default=0)
    max_income = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta(TaxonomyTerm.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(max_income__isnull=True) | Q(max_income__gte=models.F("min_income")),
                name="incomeband_range_valid",
            )
        ]


class PartnershipRole(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        pass


class QualityMark(TaxonomyTerm):
    url = models.URLField(blank=True)

    class Meta(TaxonomyTerm.Meta):
        pass


# --- Organisations ---


class OwnAddress(NamedTuple):
    """Where an organisation's own postcode is: its Probation Service region (the region's id,
    in England and Wales) and its coordinates (anywhere in the UK)."""

    region_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


def own_address_places(postcodes: Iterable[str]) -> dict[str, OwnAddress]:
    """Where each of the postcodes is that the postcode table knows (Organisation.based_region,
    latitude and longitude)."""
    from . import geo

    regions = dict(Region.objects.filter(is_national=False).values_list("slug", "pk"))
    found = {}
    for postcode in set(postcodes) - {""}:
        try:
            place = geo.postcode_place(postcode)
        except geo.PostcodeError:
            continue
        if place:
            found[postcode] = OwnAddress(
                regions.get(place.region_slug), place.latitude, place.longitude
            )
    return found


OWN_ADDRESS_FIELDS = ("based_region", "latitude", "longitude")
# The numbers an organisation is registered under (charity registers, Companies House, FCA).
REGISTRATION_NUMBER_FIELDS = (
    "charity_number_ew",
    "charity_number_scotland",
    "charity_number_ni",
    "company_number",
    "society_number",
)
# An organisation's public contact details, in the order its pages, forms and files give them.
CONTACT_FIELDS = (
    "website",
    "email",
    "phone",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
)
# What the owners say about a service, in the order its form asks.
SERVICE_PROFILE_FIELDS = (
    "name",
    "description",
    "pathways",
    "client_groups",
    "settings",
    "regions",
    "eligibility",
    "accepting_referrals",
    "spare_capacity",
    "largest_contract_value",
)
# What the owners say about an item of evidence, in the order its form asks.
EVIDENCE_FIELDS = (
    "kind",
    "title",
    "year",
    "summary",
    "outcomes_measured",
    "nesta_level",
    "url",
    "document",
    "jdl_cohort_size",
    "jdl_cohort_rate",
    "jdl_comparison_rate",
    "jdl_significant",
)


class OrganisationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Organisation.Status.PUBLISHED)

    def fresh(self):
        """Without the entries so long unverified that default search leaves them out."""
        return self.exclude(freshness_stage=Organisation.Freshness.HIDDEN)

    def editable_by(self, user):
        """The organisations whose profile pages the user may open to edit (a submitted one's
        pages open too, but directory.registration.services refuses its edits until a moderator
        decides)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_moderator:
            return self.exclude(status=Organisation.Status.ARCHIVED)
        return self.filter(memberships__user=user).exclude(status=Organisation.Status.ARCHIVED)

    def visible_to(self, user):
        """Published for everyone; also its own drafts for a member, everything for moderators."""
        if user.is_authenticated and user.is_moderator:
            return self.all()
        if user.is_authenticated:
            return self.filter(
                Q(status=Organisation.Status.PUBLISHED) | Q(memberships__user=user)
            ).distinct()
        return self.published()


class Organisation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        PUBLISHED = "published", "Published"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"
        ARCHIVED = "archived", "Archived"

    class Freshness(models.TextChoices):
        CURRENT = "current", "Current"
        FIRST_REMINDER = "first_reminder", "First reminder sent"
        SECOND_REMINDER = "second_reminder", "Second reminder sent"
        STALE = "stale", "May be out of date"
        HIDDEN = "hidden", "Left out of default search"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = OneLineCharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    legal_form = models.ForeignKey(LegalForm, on_delete=models.PROTECT, null=True, blank=True)
    charity_number_ew = models.CharField(
        "charity number (England and Wales)",
        max_length=10,
        blank=True,
        validators=[validators.validate_charity_number_ew],
    )
    charity_number_scotland = models.CharField(
        "charity number (Scotland)",
        max_length=10,
        blank=True,
        validators=[validators.validate_charity_number_scotland],
    )
    charity_number_ni = models.CharField(
        "charity number (Northern Ireland)",
        max_length=10,
        blank=True,
        validators=[validators.validate_charity_number_ni],
    )
    company_number = models.CharField(
        max_length=10, blank=True, validators=[validators.validate_company_number]
    )
    society_number = models.CharField(
        "FCA society number",
        max_length=10,
        blank=True,
        validators=[validators.validate_society_number],
    )
    year_founded = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)]
    )
    summary = models.CharField(max_length=280, blank=True)
    description = models.TextField(blank=True, max_length=10000)
    website = models.URLField(blank=True, max_length=300)
    email = models.EmailField("public contact email", blank=True)
    phone = models.CharField(
        "public contact phone", max_length=30, blank=True, validators=[validators.validate_uk_phone]
    )
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(
        max_length=10, blank=True, validators=[validators.validate_postcode]
    )
    # The Probation Service region of its own postcode (kept by save(); imports set it too).
    based_region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="based_organisations",
    )
    # Where its own postcode is (kept by save(); imports set them too): a postcode search finds
    # an organisation that lists no delivery locations by these.
    latitude = models.FloatField(null=True, blank=True, editable=False)
    longitude = models.FloatField(null=True, blank=True, editable=False)
    income_band = models.ForeignKey(IncomeBand, on_delete=models.PROTECT, null=True, blank=True)
    staff_count = models.PositiveIntegerField(null=True, blank=True)
    volunteer_count = models.PositiveIntegerField(null=True, blank=True)
    people_supported_per_year = models.PositiveIntegerField(null=True, blank=True)
    lived_experience_led = models.BooleanField(default=False)
    open_to_partnership = models.BooleanField(default=False)
    partnership_roles = models.ManyToManyField(
        PartnershipRole, blank=True, related_name="organisations"
    )
    partnership_notes = models.TextField("what we want from partners", blank=True, max_length=3000)
    quality_marks = models.ManyToManyField(QualityMark, blank=True, related_name="organisations")
    accept_contact_from_commissioners = models.BooleanField(
        "accept messages from commissioners", default=True
    )
    accept_contact_from_providers = models.BooleanField(
        "accept messages from other providers", default=True
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    is_unclaimed = models.BooleanField(
        default=False, help_text="Imported from a list and not yet claimed by the organisation"
    )
    # When its register (charity, company or society) says it was removed or dissolved: shown
    # on its profile, left out of default search, and in the moderators' queue.
    removed_from_register_on = models.DateField(null=True, blank=True)
    # When its last admin deleted their account: from then until someone is its admin again it
    # waits in the moderation queue as an organisation without an admin.
    admin_lost_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # How far the entry has gone unverified, moved on only by send_freshness_reminders so
    # that each reminder goes once; verifying the entry again resets it.
    freshness_stage = models.CharField(
        max_length=20, choices=Freshness.choices, default=Freshness.CURRENT, db_index=True
    )
    # Registration sections the owners have completed (task list), by section key.
    completed_sections = models.JSONField(default=list, blank=True)
    # Bumped on every saved edit: a form carries the version it was loaded at, and a save
    # from a stale version is refused instead of overwriting someone else's changes.
    version = models.PositiveIntegerField(default=1)
    # The one-off token of the "start registration" form that created this draft: posting the
    # same form twice finds the existing draft instead of creating a second one.
    registration_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    # When it was last submitted for review: the moderation queue's "waiting since".
    submitted_at = models.DateTimeField(null=True, blank=True)
    # What the owners wrote to the moderators when they last sent it (blank if nothing): each
    # sending's own message is read from its history record, in the review's thread.
    submission_message = models.TextField(
        "message to the moderators", blank=True, max_length=SUBMISSION_MESSAGE_LENGTH
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # SQLite's search data (lower-cased text), recomputed by refresh_search_documents.
    # PostgreSQL keeps its search data in separate documents (directory.search.search_index).
    search_text = models.TextField(blank=True, default="", editable=False)

    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_text"],
        m2m_fields=[partnership_roles, quality_marks],
    )
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "name"], name="org_status_name_idx"),
            models.Index(fields=["status", "-last_verified_at"], name="org_status_verified_idx"),
        ]
        constraints = [
            one_line_constraint("name", name="organisation_name_one_line"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "submitted",
                        "published",
                        "changes_requested",
                        "rejected",
                        "archived",
                    ]
                ),
                name="organisation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    freshness_stage__in=[
                        "current",
                        "first_reminder",
                        "second_reminder",
                        "stale",
                        "hidden",
                    ]
                ),
                name="organisation_freshness_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(year_founded__isnull=True)
                | Q(year_founded__gte=1800, year_founded__lte=2100),
                name="organisation_year_founded_range",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="organisation_own_address_place",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="organisation_submission_dated",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "postcode" in update_fields:
            self.place_own_address(own_address_places([self.postcode]))
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, *OWN_ADDRESS_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("directory:organisation_detail", kwargs={"slug": self.slug})

    def clean(self):
        for field, normalise in [
            *validators.NUMBER_NORMALISERS.items(),
            ("postcode", validators.normalise_postcode),
        ]:
            value = getattr(self, field)
            if value:
                setattr(self, field, normalise(value))

    def place_own_address(self, places: dict[str, OwnAddress]) -> None:
        """Its region and coordinates from where its postcode is (own_address_places)."""
        self.based_region_id, self.latitude, self.longitude = places.get(
            self.postcode, OwnAddress()
        )

    @property
    def address_lines(self) -> list[str]:
        """The lines of its address that are given (without the postcode)."""
        return [
            line for line in [self.address_line_1, self.address_line_2, self.town] if line.strip()
        ]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def may_be_out_of_date(self) -> bool:
        return self.freshness_stage in {self.Freshness.STALE, self.Freshness.HIDDEN}

    @property
    def register_links(self) -> list[tuple[str, str, str]]:
        """(label, number, public register URL) for each registration number held."""
        links = []
        if self.charity_number_ew:
            links.append(
                (
                    "Charity Commission for England and Wales",
                    self.charity_number_ew,
                    "https://register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/"
                    f"{self.charity_number_ew.split('-')[0]}",
                )
            )
        if self.charity_number_scotland:
            links.append(
                (
                    "Scottish Charity Regulator (OSCR)",
                    self.charity_number_scotland,
                    "https://www.oscr.org.uk/about-charities/search-the-register/charity-details?number="
                    f"{self.charity_number_scotland}",
                )
            )
        if self.charity_number_ni:
            links.append(
                (
                    "Charity Commission for Northern Ireland",
                    self.charity_number_ni,
                    "https://www.charitycommissionni.org.uk/charity-details/?regId="
                    f"{self.charity_number_ni.removeprefix('NIC')}",
                )
            )
        if self.company_number:
            links.append(
                (
                    "Companies House",
                    self.company_number,
                    f"https://find-and-update.company-information.service.gov.uk/company/{self.company_number}",
                )
            )
        if self.society_number:
            links.append(
                (
                    "Financial Conduct Authority Mutuals Public Register",
                    self.society_number,
                    f"https://mutuals.fca.org.uk/Search/Society/{self.society_number}",
                )
            )
        return links


def unique_slug(name: str, model=None) -> str:
    model = model or Organisation
    base = slugify(name)[:200] or "organisation"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class Service(models.Model):
    """Something an organisation delivers. Search matches pathway, people, setting and place
    within one service, so these four live here rather than on the organisation."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = OneLineCharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    pathways = models.ManyToManyField(Pathway, related_name="services")
    client_groups = models.ManyToManyField(ClientGroup, blank=True, related_name="services")
    settings = models.ManyToManyField(DeliverySetting, blank=True, related_name="services")
    regions = models.ManyToManyField(Region, related_name="services")
    eligibility = models.TextField(blank=True, max_length=3000)
    accepting_referrals = models.BooleanField(default=True)
    spare_capacity = models.CharField(max_length=200, blank=True)
    largest_contract_value = models.PositiveBigIntegerField(
        "largest contract it could take (£)", null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at"], m2m_fields=[pathways, client_groups, settings, regions]
    )

    class Meta:
        ordering = ["organisation", "position", "id"]

    def __str__(self):
        return f"{self.name} ({self.organisation})"


class DeliveryLocation(models.Model):
    """A place a service is delivered from, geocoded from its postcode for distance search.

    A confidential one (a refuge, say) keeps only its postcode district, and is placed at the
    district's centre: what is never stored can never be published."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(
        max_length=10, validators=[validators.validate_postcode_or_district]
    )
    confidential = models.BooleanField("confidential address", default=False)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["service", "id"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_lat_lon_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(confidential=False) | (Q(address="") & ~Q(postcode__contains=" ")),
                name="location_confidential_keeps_district_only",
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.postcode}"

    def clean(self):
        if not self.postcode:
            return
        if self.confidential:
            self.address = ""
            self.postcode = validators.postcode_district(self.postcode)
            return
        self.postcode = validators.normalise_postcode(self.postcode)
        if not validators.POSTCODE_RE.match(self.postcode):
            message = "Enter a full postcode, like LS7 3AB, or make it a confidential address"
            raise ValidationError({"postcode": message})

    @property
    def public_place(self) -> str:
        """Where the place is, as it may be published: the town and postcode district of a
        confidential one ("Leeds, LS7"), else its name, address and postcode."""
        if self.confidential:
            town = validators.postcode_town(self.postcode)
            return f"{town}, {self.postcode}" if town else self.postcode
        return ", ".join(part for part in (self.name, self.address, self.postcode) if part)


def evidence_upload_to(instance, filename):
    # A generated name: the uploader's filename never reaches the file system.
    return f"evidence/{uuid.uuid4().hex}.pdf"


# What each Nesta standard of evidence level means (Nesta, "Standards of Evidence", 2013).
NESTA_LEVELS = {
    1: "You can describe what you do and why it matters, logically and convincingly",
    2: "You collect data that shows a positive change, but cannot yet show you caused it",
    3: "You can show you caused the change, using a control or comparison group",
    4: "Independent evaluations have found the same results again, for example in other places",
    5: "You have manuals, systems and procedures so others can deliver it with the same results",
}


class EvidenceItem(models.Model):
    class Kind(models.TextChoices):
        JUSTICE_DATA_LAB = "jdl", "Justice Data Lab report"
        EVALUATION = "evaluation", "Independent evaluation"
        EXPERIMENTAL = "experimental", "Quasi-experimental or randomised controlled study"
        OUTCOME_MONITORING = "outcome_monitoring", "Outcome monitoring"
        CASE_STUDY = "case_study", "Case study"
        ACCREDITATION = "accreditation", "Accreditation"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="evidence_items"
    )
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence_items"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = OneLineCharField(max_length=200)
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    summary = models.TextField(max_length=3000)
    outcomes_measured = models.TextField(blank=True, max_length=2000)
    nesta_level = models.PositiveSmallIntegerField(
        "Nesta standard of evidence level",
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=(
            "1: you can describe what you do and why; "
            "5: it can be replicated and scaled with the same results"
        ),
    )
    url = models.URLField("link", blank=True, max_length=500)
    document = models.FileField(upload_to=evidence_upload_to, blank=True, max_length=200)
    jdl_cohort_size = models.PositiveIntegerField("cohort size", null=True, blank=True)
    jdl_cohort_rate = models.DecimalField(
        "one-year proven reoffending rate of the people supported (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    jdl_comparison_rate = models.DecimalField(
        "one-year proven reoffending rate of the matched comparison group (%)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    jdl_significant = models.BooleanField("statistically significant", null=True, blank=True)
    verified_by_moderator = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["organisation", "-year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nesta_level__gte=1, nesta_level__lte=5), name="evidence_nesta_level_1_5"
            ),
            models.CheckConstraint(
                condition=Q(jdl_cohort_rate__isnull=True)
                | Q(jdl_cohort_rate__gte=0, jdl_cohort_rate__lte=100),
                name="evidence_jdl_cohort_rate_pct",
            ),
            models.CheckConstraint(
                condition=Q(jdl_comparison_rate__isnull=True)
                | Q(jdl_comparison_rate__gte=0, jdl_comparison_rate__lte=100),
                name="evidence_jdl_comparison_rate_pct",
            ),
            models.CheckConstraint(
                condition=Q(kind="jdl")
                | Q(
                    jdl_cohort_size__isnull=True,
                    jdl_cohort_rate__isnull=True,
                    jdl_comparison_rate__isnull=True,
                ),
                name="evidence_jdl_figures_only_on_jdl",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_justice_data_lab(self) -> bool:
        return self.kind == self.Kind.JUSTICE_DATA_LAB

    @property
    def document_description(self) -> str:
        """The uploaded report's type and size, as GOV.UK describes a download: "PDF, 240 KB"."""
        try:
            size = self.document.size
        except (FileNotFoundError, ValueError):
            return "PDF"
        if size < 1024:
            return f"PDF, {size} bytes"
        if size < 1024 * 1024:
            return f"PDF, {round(size / 1024)} KB"
        return f"PDF, {size / 1024 / 1024:.1f} MB"

    @property
    def jdl_difference(self):
        """Percentage points fewer reoffending in the cohort than in the comparison group."""
        if self.jdl_cohort_rate is None or self.jdl_comparison_rate is None:
            return None
        return self.jdl_comparison_rate - self.jdl_cohort_rate


class AuditRecordQuerySet(models.QuerySet):
    def decisions(self):
        """Moderation's decisions (and owners' confirmations), not consortia's records."""
        return self.exclude(kind=AuditRecord.Kind.CONSORTIUM)

    def about(self, subject: models.Model):
        """The records of actions on `subject`."""
        subject_type = ContentType.objects.get_for_model(subject)
        return self.filter(subject_type=subject_type, subject_id=subject.pk)


class AuditRecord(models.Model):
    """One audited action: who (`actor`), what (`kind` and `action`, and for consortia a
    `description`), on which object (`subject`, and the organisation concerned, whose name
    stays after it is deleted) and why (`reason`). Moderation's decisions and consortia's
    records are written by `directory.organisations.services.audit_record`."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", "New submission"
        REVISION = "revision", "Changes to a published entry"
        CLAIM = "claim", "Claim request"
        COMMISSIONER = "commissioner", "Commissioner verification"
        REPORT = "report", "Problem report"
        ARCHIVE = "archive", "Archive"
        RESTORE = "restore", "Restore"
        PURGE = "purge", "Purge"
        EVIDENCE_VERIFY = "evidence_verify", "Evidence verification"
        CONFIRMATION = "confirmation", "Entry confirmed as still correct"
        CONSORTIUM = "consortium", "Consortium"

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REQUEST_CHANGES = "request_changes", "Changes requested"
        REJECT = "reject", "Rejected"
        DONE = "done", "Done"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    # The object acted on (a revision, a claim, a consortium...): kept as its type and id, so
    # that the record stays when the object is deleted.
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_name = models.CharField(max_length=200, blank=True, help_text="What was decided on")
    # The person decided on (a claimant, a commissioner): a link, not a copy of their name or
    # address, so that nothing of them stays here once they delete their account.
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept (without the link) when the organisation is purged: the name says which it was.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_records",
    )
    organisation_name = models.CharField(max_length=200, blank=True)
    # What happened, in words, where kind and action do not say it (a consortium's record).
    description = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True, max_length=3000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # A moderator deciding on changes they made themselves, allowed only where the deployment
    # has one moderator (settings.MODERATION_ALLOW_SELF_APPROVAL): marked for the audit.
    self_decided = models.BooleanField(default=False)
    # The profile as the owners had it when the moderator sent it back (request changes), so
    # that the next review shows what changed since: see moderation_selectors.saved_profile.
    snapshot = models.JSONField(null=True, blank=True, editable=False)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "submission",
                        "revision",
                        "claim",
                        "commissioner",
                        "report",
                        "archive",
                        "restore",
                        "purge",
                        "evidence_verify",
                        "confirmation",
                        "consortium",
                    ]
                ),
                name="auditrecord_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(action__in=["approve", "request_changes", "reject", "done"]),
                name="auditrecord_action_valid",
            ),
        ]

    def __str__(self):
        what = self.description or f"{self.get_kind_display()}: {self.get_action_display()}"
        return f"{what} ({self.organisation_name})" if self.organisation_name else what


class PartnershipInterest(models.Model):
    """One role an organisation seeks or offers in one region and pathway."""

    class Direction(models.TextChoices):
        SEEK = "seek", "Seeks"
        OFFER = "offer", "Offers"

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="partnership_interests"
    )
    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="+")
    pathway = models.ForeignKey("directory.Pathway", on_delete=models.CASCADE, related_name="+")
    role = models.ForeignKey(
        "directory.PartnershipRole", on_delete=models.CASCADE, related_name="interests"
    )
    direction = models.CharField(max_length=5, choices=Direction.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        # Made by consortia first; the name stays, as the search's SQL reads it.
        db_table = "consortia_partnershipinterest"
        ordering = ["organisation", "region", "pathway", "role", "direction"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "region", "pathway", "role", "direction"],
                name="partnershipinterest_unique",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=["seek", "offer"]),
                name="partnershipinterest_direction_valid",
            ),
        ]

    def __str__(self):
        return (
            f"{self.organisation} {self.get_direction_display().lower()} {self.role} "
            f"({self.pathway}, {self.region})"
        )
