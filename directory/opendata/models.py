"""What opendata owns: the market coverage figures (/insights/), counted ahead."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CoverageSnapshot(models.Model):
    """The market coverage figures (/insights/) for one choice of filters, counted ahead so that
    the page does not wait for the counting (directory.opendata.insights explains when they are
    counted again)."""

    filters = models.CharField(max_length=300, unique=True)
    client_group_ids = models.JSONField(default=list)
    setting_ids = models.JSONField(default=list)
    figures = models.JSONField()
    # directory.opendata.insights.data_fingerprint() when counted: the figures are current
    # while it is.
    fingerprint = models.CharField(max_length=200)
    counted_at = models.DateTimeField()
    seconds = models.FloatField(help_text="How long counting took")
    # Asked for since the directory changed: refresh_insights counts these again first.
    wanted = models.BooleanField(default=False)

    class Meta:
        ordering = ["filters"]
        constraints = [
            models.CheckConstraint(condition=Q(seconds__gte=0), name="coveragesnapshot_seconds")
        ]

    def __str__(self):
        return self.filters

    @property
    def quick_to_count(self) -> bool:
        """Quick enough to count again while someone waits for the page."""
        return self.seconds < settings.INSIGHTS_COUNT_WHILE_WAITING_SECONDS
