import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from .fields import OneLineCharField, one_line_constraint


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users must have an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account. Email is the login; there is no username."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    full_name = OneLineCharField("full name", max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            # In the subject of an email when they share a shortlist.
            one_line_constraint("full_name", name="user_full_name_one_line"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def is_moderator(self) -> bool:
        # Asked once per request (request.user is loaded afresh each time) though the
        # two-factor middleware, the header's moderation link and the views all want it.
        return self.is_superuser or any(g.name == MODERATORS_GROUP for g in self.groups.all())


MODERATORS_GROUP = "Moderators"


class MembershipQuerySet(models.QuerySet):
    def admins(self):
        return self.filter(role=Membership.Role.ADMIN)


class Membership(models.Model):
    """A user's place in an organisation: admins manage members, editors edit the profile."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        EDITOR = "editor", "Editor"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "editor"]), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at {self.organisation}"


class PublicSectorDomain(models.Model):
    """An email domain whose verified addresses belong to public-sector commissioners."""

    domain = models.CharField(
        max_length=253,
        help_text="Lower case, without @ (for example justice.gov.uk)",
    )
    include_subdomains = models.BooleanField(
        default=False, help_text="Also match addresses at any subdomain (for example *.gov.uk)"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="publicsectordomain_domain_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(domain__contains="@") & ~models.Q(domain__startswith="."),
                name="publicsectordomain_bare_domain",
            ),
        ]

    def __str__(self):
        return f"*.{self.domain}" if self.include_subdomains else self.domain

    def clean(self):
        self.domain = (self.domain or "").strip().lower().rstrip(".")

    def matches(self, email_domain: str) -> bool:
        email_domain = email_domain.lower().rstrip(".")
        if email_domain == self.domain:
            return True
        # The dot matters: "evil-gov.uk" must not match "gov.uk".
        return self.include_subdomains and email_domain.endswith("." + self.domain)


class CommissionerProfile(models.Model):
    """Who a commissioner works for, and whether a moderator (or their email) vouched for it."""

    class BodyType(models.TextChoices):
        PROBATION_REGION = "probation_region", "Probation Service region"
        PCC = "pcc", "Police and crime commissioner"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        PRIME_PROVIDER = "prime_provider", "Prime provider"
        OTHER = "other", "Other"

    class Verification(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Rejected"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="commissioner_profile")
    body_type = models.CharField("type of organisation", max_length=20, choices=BodyType.choices)
    body_name = OneLineCharField("name of organisation", max_length=200)
    region = models.ForeignKey(
        "directory.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verification_status = models.CharField(
        max_length=10, choices=Verification.choices, default=Verification.PENDING, db_index=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    body_type__in=[
                        "probation_region",
                        "pcc",
                        "local_authority",
                        "prime_provider",
                        "other",
                    ]
                ),
                name="commissionerprofile_body_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(verification_status__in=["pending", "verified", "rejected"]),
                name="commissionerprofile_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(verification_status="verified")
                | models.Q(verified_at__isnull=False),
                name="commissionerprofile_verified_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.body_name})"

    @property
    def is_verified(self) -> bool:
        return self.verification_status == self.Verification.VERIFIED


INVITATION_LIFETIME = timedelta(days=7)


def invitation_expiry():
    return timezone.now() + INVITATION_LIFETIME


def new_invitation_token():
    return secrets.token_urlsafe(32)


class InvitationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An organisation admin's invitation for someone to join by email."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.EDITOR
    )
    token = models.CharField(
        max_length=64, unique=True, default=new_invitation_token, editable=False
    )
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(default=invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_org_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "editor"]), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.email} to {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
