"""The organisation's admin page with its history as moderators read it (moderation owns the
sentences; organisations, a lower layer, registers the page without them)."""

from django.contrib import admin
from django.template.loader import render_to_string

from directory.moderation import selectors as moderation_selectors
from directory.organisations.admin import OrganisationAdmin
from directory.organisations.models import Organisation


class OrganisationWithHistoryAdmin(OrganisationAdmin):
    readonly_fields = [*OrganisationAdmin.readonly_fields, "readable_history"]

    @admin.display(description="History")
    def readable_history(self, obj):
        """Who changed what and when, as sentences (the raw records are under "History")."""
        if obj is None or obj.pk is None:
            return ""
        rows = moderation_selectors.organisation_history(organisation=obj)
        return render_to_string("moderation/includes/history_table.html", {"rows": rows})


admin.site.unregister(Organisation)
admin.site.register(Organisation, OrganisationWithHistoryAdmin)
