"""What moderation owns: organisations' pending revisions, the audit record of decisions,
requests to join or claim an organisation, problem reports, review locks, the moderators'
digest times, and what the public registers say (RegisterEntry, loaded by import_register)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from directory.organisations.models import SUBMISSION_MESSAGE_LENGTH, Organisation


class RegisterEntry(models.Model):
    """What a public register (loaded by `import_register`) says of one charity, company or
    society: the source of register-assisted registration and of removal flags."""

    class Register(models.TextChoices):
        CCEW = "ccew", "Charity Commission for England and Wales"
        OSCR = "oscr", "Scottish Charity Regulator (OSCR)"
        CCNI = "ccni", "Charity Commission for Northern Ireland"
        FCA = "fca", "Financial Conduct Authority Mutuals Public Register"
        COMPANIES_HOUSE = "companies_house", "Companies House"

    # The organisation's number field that each register's numbers go in.
    NUMBER_FIELDS = {
        "ccew": "charity_number_ew",
        "oscr": "charity_number_scotland",
        "ccni": "charity_number_ni",
        "fca": "society_number",
        "companies_house": "company_number",
    }

    register = models.CharField(max_length=20, choices=Register.choices)
    number = models.CharField(max_length=12)
    name = models.CharField(max_length=300)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    company_number = models.CharField(max_length=10, blank=True)
    website = models.CharField(max_length=300, blank=True)
    legal_form = models.CharField("legal form as the register gives it", max_length=200, blank=True)
    activities = models.TextField(blank=True)
    status = models.CharField(max_length=100, blank=True)
    latest_income = models.BigIntegerField(null=True, blank=True)
    registered_on = models.DateField(null=True, blank=True)
    removed_on = models.DateField(null=True, blank=True)
    is_removed = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["register", "number"], name="register_entry_unique"),
            models.CheckConstraint(
                condition=Q(register__in=["ccew", "oscr", "ccni", "fca", "companies_house"]),
                name="register_entry_register_valid",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_register_display()} {self.number})"


class ClaimRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ClaimRequest.Status.PENDING)


class ClaimRequest(models.Model):
    """A user asking to join an organisation already in the directory, or to take it over.

    The organisation's admins decide; an organisation with no admins is left to moderators.
    """

    class Kind(models.TextChoices):
        JOIN = "join", "Join as an editor"
        CLAIM = "claim", "Claim as its admin"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="claim_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_requests"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()
    objects = ClaimRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(status="pending"),
                name="claimrequest_one_pending_per_user",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["join", "claim"]), name="claimrequest_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "declined"]),
                name="claimrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="claimrequest_decision_dated",
            ),
        ]

    def __str__(self):
        return f"{self.user} asks to {self.kind} {self.organisation}"


class OrganisationRevisionQuerySet(models.QuerySet):
    def pending(self):
        """Waiting for a moderator."""
        return self.filter(status=OrganisationRevision.Status.PENDING)

    def open(self):
        """Not closed: waiting for a moderator, or sent back to the owners to continue."""
        return self.filter(status__in=OrganisationRevision.OPEN_STATUSES)


class OrganisationRevision(models.Model):
    """Edits to a published organisation, waiting for a moderator while the live profile stays.

    `proposed` holds only the changed fields (foreign keys and many-to-manys as slugs);
    `original` holds the live values of the same fields when they were first changed. A
    moderator who requests changes sends the revision back to the owners, who go on from what
    they proposed and send it for review again; approving or rejecting closes it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="revisions"
    )
    proposed = models.JSONField(default=dict)
    original = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # When it last went to the moderators (first made, or sent for review again).
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The moderator's message: why it was rejected, or what to change (kept when sent again).
    message = models.TextField(blank=True, max_length=3000)
    # What the owners wrote to the moderators when they last sent it (blank if nothing).
    submission_message = models.TextField(
        "message to the moderators", blank=True, max_length=SUBMISSION_MESSAGE_LENGTH
    )

    history = HistoricalRecords()
    objects = OrganisationRevisionQuerySet.as_manager()

    OPEN_STATUSES = (Status.PENDING, Status.CHANGES_REQUESTED)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status__in=["pending", "changes_requested"]),
                name="revision_one_open_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "changes_requested", "rejected"]),
                name="revision_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="revision_decision_dated",
            ),
        ]

    def __str__(self):
        return f"Changes to {self.organisation} ({self.get_status_display()})"


class ModerationEmailSent(models.Model):
    """When the moderators were last emailed each kind of digest, so that it goes at most once
    an hour (new work) or once a day (long waits)."""

    kind = models.CharField(max_length=20, unique=True)
    sent_at = models.DateTimeField()

    def __str__(self):
        return f"{self.kind} sent {self.sent_at:%Y-%m-%d %H:%M}"


class ProblemReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=ProblemReport.Status.OPEN)


class ProblemReport(models.Model):
    """A member of the public telling the moderators something is wrong with an entry."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        DISMISSED = "dismissed", "Dismissed"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="problem_reports"
    )
    description = models.TextField("what is wrong", max_length=3000)
    email = models.EmailField("contact email", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ProblemReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "resolved", "dismissed"]),
                name="problemreport_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(handled_at__isnull=False),
                name="problemreport_handling_dated",
            ),
        ]

    def __str__(self):
        return f"Report about {self.organisation}"


class ReviewLock(models.Model):
    """Who is looking at a queue item, so that two moderators do not review the same one."""

    item = models.CharField(max_length=80, unique=True, help_text="For example organisation:12")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["item"]

    def __str__(self):
        return f"{self.item} reviewed by {self.user}"
