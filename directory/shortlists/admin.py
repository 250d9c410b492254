"""Shortlists (with their items, shares, invitations and search records) and the log of
contact messages in the admin."""

from django.contrib import admin

from directory.shortlists import models


class ShortlistItemInline(admin.TabularInline):
    model = models.ShortlistItem
    extra = 0
    raw_id_fields = ["organisation"]


class ShortlistShareInline(admin.TabularInline):
    model = models.ShortlistShare
    extra = 0
    raw_id_fields = ["user"]


class ShortlistInvitationInline(admin.TabularInline):
    model = models.ShortlistInvitation
    extra = 0


class SearchRecordInline(admin.TabularInline):
    model = models.SearchRecord
    extra = 0
    raw_id_fields = ["recorded_by"]
    readonly_fields = ["recorded_at"]


@admin.register(models.Shortlist)
class ShortlistAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at", "updated_at"]
    search_fields = ["name", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    inlines = [
        ShortlistItemInline,
        ShortlistShareInline,
        ShortlistInvitationInline,
        SearchRecordInline,
    ]
    show_full_result_count = False


@admin.register(models.ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    """The log of messages sent through the service: read only, it records what happened."""

    list_display = ["subject", "sender", "organisation", "sent_at"]
    search_fields = ["subject", "sender__email", "organisation__name"]
    list_select_related = ["sender", "organisation"]
    date_hierarchy = "sent_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
