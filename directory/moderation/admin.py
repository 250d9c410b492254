"""Moderation's records in the admin (read only: each is decided in /moderation/, where the
decision is recorded), and the organisation's admin page with its history as moderators read it
(moderation owns the sentences; organisations, a lower layer, registers the page without them)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from directory.moderation import models
from directory.moderation import selectors as moderation_selectors
from directory.organisations.admin import OrganisationAdmin, ReadOnlyAdmin, ReadOnlyHistoryAdmin
from directory.organisations.models import Organisation


class OrganisationWithHistoryAdmin(OrganisationAdmin):
    readonly_fields = [*OrganisationAdmin.readonly_fields, "readable_history"]
    object_history_template = "moderation/admin/organisation_history.html"
    change_form_template = "moderation/admin/organisation_change_form.html"

    @admin.display(description="History")
    def readable_history(self, obj):
        """Who changed what and when, as sentences."""
        if obj is None or obj.pk is None:
            return ""
        rows = moderation_selectors.organisation_history(organisation=obj)
        return render_to_string("moderation/includes/history_table.html", {"rows": rows})

    def history_view(self, request, object_id, extra_context=None):
        """The "History" button's page, as the same sentences."""
        organisation = self.get_object(request, unquote(object_id))
        rows = (
            moderation_selectors.organisation_history(organisation=organisation)
            if organisation is not None
            else []
        )
        return super().history_view(request, object_id, {**(extra_context or {}), "rows": rows})


admin.site.unregister(Organisation)
admin.site.register(Organisation, OrganisationWithHistoryAdmin)


@admin.register(models.ClaimRequest)
class ClaimRequestAdmin(ReadOnlyHistoryAdmin):
    """Requests to join or claim, shown here but decided where their rules, records and emails
    are: by the organisation's admins, or (with none) in the moderation workspace. Deciding
    here would skip the decision record and the reason a refusal needs."""

    list_display = [
        "organisation",
        "user",
        "kind",
        "status",
        "organisation_has_admins",
        "decided_where",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["organisation__name", "user__email"]
    list_select_related = ["organisation", "user"]
    readonly_fields = [
        "organisation",
        "user",
        "kind",
        "message",
        "status",
        "decided_by",
        "decided_at",
    ]

    @admin.display(boolean=True, description="Has admins")
    def organisation_has_admins(self, claim_request):
        return claim_request.organisation.memberships.filter(role="admin").exists()

    @admin.display(description="Decided by")
    def decided_where(self, claim_request):
        if claim_request.status != models.ClaimRequest.Status.PENDING:
            return "-"
        if self.organisation_has_admins(claim_request):
            return "The organisation's admins"
        return format_html(
            '<a href="{}">A moderator, in the moderation workspace</a>',
            reverse("moderation:claim", kwargs={"pk": claim_request.pk}),
        )


@admin.register(models.OrganisationRevision)
class OrganisationRevisionAdmin(ReadOnlyAdmin):
    """Edits waiting for review or decided; decided in /moderation/, where the diff is."""

    list_display = [
        "organisation",
        "status",
        "created_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["organisation__name", "created_by__email", "message"]
    list_select_related = ["organisation", "created_by", "decided_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.ProblemReport)
class ProblemReportAdmin(ReadOnlyAdmin):
    """Reports from the public; handled in /moderation/ so that each decision is recorded."""

    list_display = ["organisation", "status", "created_at", "handled_by", "handled_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "description", "email"]
    list_select_related = ["organisation", "handled_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(models.ReviewLock)
class ReviewLockAdmin(ReadOnlyAdmin):
    """Who is reviewing which queue item; deleting one frees an item a moderator left."""

    list_display = ["item", "user", "expires_at"]
    search_fields = ["item", "user__email"]
    list_select_related = ["user"]


@admin.register(models.ModerationEmailSent)
class ModerationEmailSentAdmin(ReadOnlyAdmin):
    """When the moderators' digest and daily summary last went; deleting one lets it go again."""

    list_display = ["kind", "sent_at"]
    search_fields = ["kind"]


@admin.register(models.RegisterEntry)
class RegisterEntryAdmin(ReadOnlyAdmin):
    """What the public registers say, as import_register last loaded them."""

    list_display = ["name", "register", "number", "postcode", "is_removed", "loaded_at"]
    list_filter = ["register", "is_removed"]
    search_fields = ["=number", "name", "=company_number"]
    show_full_result_count = False
