"""The market coverage figures in the admin."""

from django.contrib import admin

from directory.opendata import models
from directory.organisations.admin import ReadOnlyAdmin


@admin.register(models.CoverageSnapshot)
class CoverageSnapshotAdmin(ReadOnlyAdmin):
    """The market coverage figures as last counted; deleting one makes it be counted again."""

    list_display = ["filters", "counted_at", "seconds", "wanted"]
    list_filter = ["wanted"]
    search_fields = ["filters"]
