"""What search owns: the synonym groups a text search expands, and saved searches with the
organisations already sent in their alerts."""

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.fields import OneLineCharField
from directory.organisations.models import Organisation

# Where search_query keeps the synonym groups (a minute at most: other processes' copies).
SYNONYMS_CACHE_KEY = "search-synonyms"


class SearchSynonym(models.Model):
    """Words and phrases that a search treats as one ("housing", "accommodation", "homes"):
    a search for any of them finds every one. Moderators keep the list in the admin."""

    terms = models.TextField(
        help_text="One word or phrase a line. A search for any of them finds all of them."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "search synonym group"

    def __str__(self):
        return ", ".join(self.term_list())

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        caches["search"].delete(SYNONYMS_CACHE_KEY)

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        caches["search"].delete(SYNONYMS_CACHE_KEY)
        return deleted

    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        if len(self.term_list()) < 2:
            raise ValidationError({"terms": "Enter at least two words or phrases, one a line"})


class SavedSearch(models.Model):
    """A named search of organisations or of partnership opportunities, with email alerts."""

    class Kind(models.TextChoices):
        ORGANISATIONS = "organisations", "Organisations"
        OPPORTUNITIES = "opportunities", "Partnership opportunities"

    class AlertFrequency(models.TextChoices):
        NONE = "none", "No alerts"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    # The list page each kind searches: its query string is that page's filter state.
    SEARCH_PAGES = {
        Kind.ORGANISATIONS.value: "directory:organisation_list",
        Kind.OPPORTUNITIES.value: "opportunities:list",
    }

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.ORGANISATIONS)
    name = OneLineCharField(max_length=120)
    query_string = models.TextField(blank=True, max_length=2000)
    alert_frequency = models.CharField(
        max_length=10, choices=AlertFrequency.choices, default=AlertFrequency.NONE
    )
    # The alerts' cut-off: worked out up to this moment (directory.search.saved_search_kinds). Set
    # when the search is saved or its alerts switched on, and by each run it is due in.
    last_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "saved searches"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(alert_frequency__in=["none", "daily", "weekly"]),
                name="savedsearch_alert_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["organisations", "opportunities"]),
                name="savedsearch_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name

    def get_search_url(self):
        url = reverse(self.SEARCH_PAGES[self.kind])
        return f"{url}?{self.query_string}" if self.query_string else url


class SavedSearchSeen(models.Model):
    """An organisation already sent in an alert of a saved search, so that no organisation is
    ever sent twice for the same saved search."""

    saved_search = models.ForeignKey(SavedSearch, on_delete=models.CASCADE, related_name="seen")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "organisation"], name="savedsearchseen_unique"
            )
        ]

    def __str__(self):
        return f"{self.organisation} seen for {self.saved_search}"
