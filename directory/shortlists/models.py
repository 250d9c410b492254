"""What shortlists owns: shortlists, their items, shares and invitations, the records of the
searches made for them, and the log of messages sent to organisations."""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.fields import OneLineCharField, one_line_constraint
from directory.organisations import validators
from directory.organisations.models import Organisation


class ShortlistQuerySet(models.QuerySet):
    def viewable_by(self, user):
        """The user's own shortlists and those shared with them (as viewer or editor)."""
        return self._owned_or_shared(user, roles=["viewer", "editor"])

    def editable_by(self, user):
        """The user's own shortlists and those shared with them as an editor."""
        return self._owned_or_shared(user, roles=["editor"])

    def _owned_or_shared(self, user, *, roles: list[str]):
        if not user.is_authenticated:
            return self.none()
        shared = ShortlistShare.objects.filter(shortlist=OuterRef("pk"), user=user, role__in=roles)
        # Shared with their address before they had an account.
        invited = ShortlistInvitation.objects.filter(
            shortlist=OuterRef("pk"), email=user.email.lower(), role__in=roles
        )
        return self.filter(Q(owner=user) | Exists(shared) | Exists(invited))


class Shortlist(models.Model):
    """A named list of organisations a user is considering, optionally shared with colleagues."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlists"
    )
    name = OneLineCharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShortlistQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "id"]
        # In the subject of the email that tells someone it was shared with them.
        constraints = [one_line_constraint("name", name="shortlist_name_one_line")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shortlists:detail", kwargs={"pk": self.pk})


class ShortlistItem(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="items")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="shortlist_items"
    )
    note = models.TextField(blank=True, max_length=2000)
    # Moved on by every save of the note, so that two editors cannot overwrite each other.
    note_version = models.PositiveIntegerField(default=1, editable=False)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortlist", "organisation"], name="shortlistitem_unique_organisation"
            )
        ]

    def __str__(self):
        return f"{self.organisation} on {self.shortlist}"


class ShortlistShare(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Can view"
        EDITOR = "editor", "Can edit"

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shortlist_shares"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortlist", "user"], name="shortlistshare_unique_user"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["viewer", "editor"]), name="shortlistshare_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.shortlist} shared with {self.user}"


class ShortlistInvitation(models.Model):
    """A shortlist shared with an email address that has no account: whoever makes an account
    with that address sees it. Sharing answers the same whether or not an address has an
    account, and lists both kinds alike, so that it never tells anyone who has one."""

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=ShortlistShare.Role.choices, default=ShortlistShare.Role.VIEWER
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortlist", "email"], name="shortlistinvitation_unique_email"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["viewer", "editor"]), name="shortlistinvitation_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")), name="shortlistinvitation_email_lower_case"
            ),
        ]

    def __str__(self):
        return f"{self.shortlist} shared with {self.email}"

    def clean(self):
        self.email = self.email.lower()


class SearchRecord(models.Model):
    """What was searched, when and what was found: how the market was tested for a shortlist
    (after the Digital Marketplace's record of a direct award search). The organisations found
    are kept as they were then, so that the record does not change when the directory does."""

    shortlist = models.ForeignKey(
        Shortlist, on_delete=models.CASCADE, related_name="search_records"
    )
    query_string = models.TextField(blank=True, max_length=2000)
    result_count = models.PositiveIntegerField()
    # [{"id": ..., "name": ...}] in the order the search listed them, the first
    # shortlist_services.SEARCH_RECORD_KEPT_RESULTS of `result_count`.
    results = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"Search recorded for {self.shortlist}"

    @property
    def results_cut_short(self) -> bool:
        return len(self.results) < self.result_count


class ContactMessage(models.Model):
    """The log of a message a user sent to an organisation through the service."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_messages"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contact_messages"
    )
    shortlist = models.ForeignKey(
        Shortlist, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # On one line: it becomes the email's Subject header.
    subject = models.CharField(max_length=150, validators=[validators.validate_subject_on_one_line])
    body = models.TextField(max_length=5000)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["sender", "sent_at"], name="contactmessage_sender_idx")]
        constraints = [one_line_constraint("subject", name="contactmessage_subject_one_line")]

    def __str__(self):
        return f"{self.subject} to {self.organisation}"
