"""Search's records in the admin: the synonym groups moderators keep, saved searches, and
what their alerts already sent."""

from django.contrib import admin

from directory.organisations.admin import ReadOnlyAdmin
from directory.search import models


@admin.register(models.SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at"]
    search_fields = ["terms"]


@admin.register(models.SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "alert_frequency", "last_alerted_at", "created_at"]
    list_filter = ["alert_frequency"]
    search_fields = ["name", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    show_full_result_count = False


@admin.register(models.SavedSearchSeen)
class SavedSearchSeenAdmin(ReadOnlyAdmin):
    """Organisations already sent for a saved search (never sent again)."""

    list_display = ["saved_search", "organisation", "seen_at"]
    search_fields = ["saved_search__name", "saved_search__owner__email", "organisation__name"]
    list_select_related = ["saved_search", "organisation"]
    date_hierarchy = "seen_at"
    show_full_result_count = False
