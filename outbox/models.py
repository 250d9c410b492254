from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, now):
        """Waiting, time for its next attempt, and not being sent by another process."""
        return self.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=OutgoingEmail.Status.PENDING,
            next_attempt_at__lte=now,
        )


class OutgoingEmail(models.Model):
    """An email not delivered yet. It is written in the transaction of the action that sends
    it, delivered once that commits, and retried by `send_queued_emails` until the mail server
    takes it; then it is deleted, so the table holds only what is still to be sent."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        FAILED = "failed", "Given up"

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    subject = models.CharField(max_length=998)
    recipients = models.TextField(help_text="To, Cc and Bcc addresses, for finding a message")
    # The whole message (outbox.services.serialise), so that it is sent exactly as written.
    message = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set while a process is sending it, so that two processes never send the same message.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "failed"]), name="outgoingemail_status_valid"
            )
        ]

    def __str__(self):
        return self.subject
