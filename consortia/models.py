import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.fields import OneLineCharField, one_line_constraint
from directory.organisations.models import AuditRecord


class OfferAppraisalQuerySet(models.QuerySet):
    def owned_by(self, user):
        """A user's own appraisals; nobody else's are ever visible."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class OfferAppraisal(models.Model):
    """A saved sub-contract offer appraisal. Only the inputs are stored: the results are
    recomputed by `consortia.appraisal` each time, so they always follow the current model."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_appraisals"
    )
    # Kept if the organisation goes: the appraisal is the owner's working, not the profile's.
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offer_appraisals",
    )
    name = models.CharField(max_length=120)
    inputs = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferAppraisalQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="offerappraisal_name_not_blank"),
        ]

    def __str__(self):
        return self.name


# --- Opportunities ---


class OpportunityQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Opportunity.Status.PUBLISHED)

    def open_for_responses(self):
        """Published and not yet past its closing date: closing needs no scheduled job."""
        return self.published().filter(closes_on__gte=timezone.localdate())

    def managed_by(self, user):
        """Opportunities for one of the user's organisations now, or that the user posted for
        their public body while still a verified commissioner (or a moderator): authority
        comes from current memberships and roles, not from having posted it."""
        if not user.is_authenticated:
            return self.none()
        own_body = Q(organisation__isnull=True, posted_by=user)
        if not user.is_moderator:
            own_body &= Q(posted_by__commissioner_profile__verification_status="verified")
        return self.filter(own_body | Q(organisation__memberships__user=user)).distinct()

    def visible_to(self, user):
        """Published ones for everyone, and the user's own in any state."""
        if not user.is_authenticated:
            return self.published()
        managed = self.managed_by(user).values("pk")
        return self.filter(Q(status=Opportunity.Status.PUBLISHED) | Q(pk__in=managed))


class Opportunity(models.Model):
    """A partnership opportunity posted by a verified commissioner or an organisation."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class ValueBand(models.TextChoices):
        UNDER_50K = "under_50k", "Under £50,000"
        UP_TO_250K = "50k_250k", "£50,000 to £250,000"
        UP_TO_1M = "250k_1m", "£250,000 to £1 million"
        OVER_1M = "over_1m", "Over £1 million"
        UNKNOWN = "unknown", "Not known yet"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Empty once the poster has deleted their account: one posted for an organisation stays
    # with it (its members manage it); one posted for the poster's employer is withdrawn first
    # (accounts.services.user_delete).
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    # Empty when a commissioner posts for their public body rather than an organisation.
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="opportunities",
    )
    title = OneLineCharField(max_length=200)
    description = models.TextField(max_length=10000)
    regions = models.ManyToManyField("directory.Region", related_name="opportunities")
    pathways = models.ManyToManyField("directory.Pathway", related_name="opportunities")
    client_groups = models.ManyToManyField(
        "directory.ClientGroup", blank=True, related_name="opportunities"
    )
    roles_sought = models.ManyToManyField("directory.PartnershipRole", related_name="opportunities")
    value_band = models.CharField(max_length=10, choices=ValueBand.choices)
    expected_start = models.DateField(null=True, blank=True)
    closes_on = models.DateField("closing date")
    is_subcontract = models.BooleanField("a subcontract under a prime contract", default=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = OpportunityQuerySet.as_manager()

    class Meta:
        ordering = ["closes_on", "title", "id"]
        verbose_name_plural = "opportunities"
        constraints = [
            # In the subjects of the emails about responses to it.
            one_line_constraint("title", name="opportunity_title_one_line"),
            models.CheckConstraint(
                condition=Q(status__in=["published", "withdrawn"]),
                name="opportunity_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    value_band__in=["under_50k", "50k_250k", "250k_1m", "over_1m", "unknown"]
                ),
                name="opportunity_value_band_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("opportunities:detail", kwargs={"opportunity": self.uuid})

    @property
    def poster_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name
        profile = getattr(self.posted_by, "commissioner_profile", None)
        if profile:
            return profile.body_name
        return str(self.posted_by) if self.posted_by_id else "Someone no longer in the directory"

    @property
    def is_open_for_responses(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.closes_on >= timezone.localdate()


class OpportunitySearchSeen(models.Model):
    """An opportunity already sent in an alert of a saved search of opportunities, so that no
    opportunity is ever sent twice for one search."""

    saved_search = models.ForeignKey(
        "search.SavedSearch", on_delete=models.CASCADE, related_name="seen_opportunities"
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "opportunity"], name="opportunitysearchseen_unique"
            )
        ]

    def __str__(self):
        return f"{self.opportunity} seen for {self.saved_search}"


class ExpressionOfInterestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only the opportunity's poster and the responding organisation's members see one."""
        if not user.is_authenticated:
            return self.none()
        managed = Opportunity.objects.managed_by(user).values("pk")
        return self.filter(
            Q(opportunity__in=managed) | Q(organisation__memberships__user=user)
        ).distinct()


class ExpressionOfInterest(models.Model):
    """An organisation's response to an opportunity."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Received"
        SHORTLISTED = "shortlisted", "Shortlisted"
        DECLINED = "declined", "Declined"
        ACCEPTED = "accepted", "Accepted"

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="expressions_of_interest"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="expressions_of_interest"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.TextField(max_length=5000)
    services = models.ManyToManyField("directory.Service", blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    decision_message = models.TextField(blank=True, max_length=3000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()
    objects = ExpressionOfInterestQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "expressions of interest"
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "organisation"], name="eoi_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "shortlisted", "declined", "accepted"]),
                name="eoi_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(decided_at__isnull=False),
                name="eoi_decision_dated",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} on {self.opportunity}"


# --- Consortia ---


class ConsortiumQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=Consortium.Visibility.PUBLIC)

    def visible_to(self, user):
        """Public ones for everyone; members-only ones for their invited or accepted members."""
        if user.is_authenticated and user.is_moderator:
            return self.all()
        if not user.is_authenticated:
            return self.public()
        involved = ConsortiumMembership.objects.filter(
            organisation__memberships__user=user,
            status__in=[ConsortiumMembership.Status.INVITED, ConsortiumMembership.Status.ACCEPTED],
        ).values("consortium")
        return self.filter(Q(visibility=Consortium.Visibility.PUBLIC) | Q(pk__in=involved))


class Consortium(models.Model):
    class Status(models.TextChoices):
        FORMING = "forming", "Forming"
        BIDDING = "bidding", "Bidding"
        DELIVERING = "delivering", "Delivering"
        CLOSED = "closed", "Closed"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        MEMBERS = "members", "Members only"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = OneLineCharField(max_length=200)
    purpose = models.TextField(max_length=5000)
    lead_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="led_consortia"
    )
    regions = models.ManyToManyField("directory.Region", related_name="consortia")
    pathways = models.ManyToManyField("directory.Pathway", related_name="consortia")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FORMING)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Its record (who did what, when, to which organisation): audit records about it, deleted
    # with it.
    events = GenericRelation(
        AuditRecord,
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="consortium",
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ConsortiumQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "consortia"
        constraints = [
            # In the subjects of the emails about changes to it.
            one_line_constraint("name", name="consortium_name_one_line"),
            models.CheckConstraint(
                condition=Q(status__in=["forming", "bidding", "delivering", "closed"]),
                name="consortium_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "members"]),
                name="consortium_visibility_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("partnerships:consortium_detail", kwargs={"consortium": self.uuid})


class ConsortiumMembership(models.Model):
    """An organisation's place in a consortium, from invitation to leaving."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Member"
        DECLINED = "declined", "Declined"
        LEFT = "left", "Left"

    consortium = models.ForeignKey(Consortium, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="consortium_memberships"
    )
    role = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["consortium", "created_at", "id"]
        constraints = [
            # Declined and left rows stay as the record; an organisation can be invited again.
            models.UniqueConstraint(
                fields=["consortium", "organisation"],
                condition=Q(status__in=["invited", "accepted"]),
                name="consortiummembership_one_current",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["invited", "accepted", "declined", "left"]),
                name="consortiummembership_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="invited") | Q(responded_at__isnull=False),
                name="consortiummembership_response_dated",
            ),
            models.CheckConstraint(condition=~Q(role=""), name="consortiummembership_role_given"),
        ]

    def __str__(self):
        return f"{self.organisation} in {self.consortium} ({self.get_status_display()})"
