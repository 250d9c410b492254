from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from directory.moderation import models as moderation_models
from directory.opendata import models as opendata_models
from directory.organisations import models
from directory.search import models as search_models
from directory.shortlists import models as shortlists_models


@admin.register(
    models.Pathway,
    models.ClientGroup,
    models.DeliverySetting,
    models.LegalForm,
    models.PartnershipRole,
)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Region)
class RegionAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "code", "is_national", "position"]


@admin.register(models.IncomeBand)
class IncomeBandAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "min_income", "max_income", "position"]


@admin.register(models.QualityMark)
class QualityMarkAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "url", "position"]


class ServiceInline(admin.StackedInline):
    model = models.Service
    extra = 0
    filter_horizontal = ["pathways", "client_groups", "settings", "regions"]
    show_change_link = True


class EvidenceInline(admin.StackedInline):
    model = models.EvidenceItem
    extra = 0
    raw_id_fields = ["service", "verified_by"]


@admin.register(search_models.SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at"]
    search_fields = ["terms"]


@admin.register(models.Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "status",
        "legal_form",
        "income_band",
        "town",
        "last_verified_at",
        "updated_at",
    ]
    list_filter = [
        "status",
        "legal_form",
        "income_band",
        "lived_experience_led",
        "open_to_partnership",
        "is_unclaimed",
    ]
    search_fields = ["name", "charity_number_ew", "company_number", "postcode", "town"]
    list_select_related = ["legal_form", "income_band"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["partnership_roles", "quality_marks"]
    readonly_fields = ["uuid", "created_at", "updated_at"]
    inlines = [ServiceInline, EvidenceInline]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        # Only a moderator's purge of an archived organisation deletes one (/moderation/).
        return False


class LocationInline(admin.TabularInline):
    model = models.DeliveryLocation
    extra = 0


@admin.register(models.Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organisation", "accepting_referrals", "updated_at"]
    list_filter = ["accepting_referrals", "pathways", "regions", "settings"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["pathways", "client_groups", "settings", "regions"]
    inlines = [LocationInline]
    show_full_result_count = False


@admin.register(models.EvidenceItem)
class EvidenceItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "kind", "year", "nesta_level", "verified_by_moderator"]
    list_filter = ["kind", "nesta_level", "verified_by_moderator"]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation", "service", "verified_by"]
    show_full_result_count = False


@admin.register(models.DeliveryLocation)
class DeliveryLocationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "postcode", "service", "latitude", "longitude"]
    search_fields = ["name", "postcode", "service__organisation__name"]
    list_select_related = ["service"]
    raw_id_fields = ["service"]


@admin.register(moderation_models.ClaimRequest)
class ClaimRequestAdmin(SimpleHistoryAdmin):
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

    def has_add_permission(self, request, obj=None):
        # A request is made by the person asking, which tells the admins who decide it.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="Has admins")
    def organisation_has_admins(self, claim_request):
        return claim_request.organisation.memberships.filter(role="admin").exists()

    @admin.display(description="Decided by")
    def decided_where(self, claim_request):
        if claim_request.status != moderation_models.ClaimRequest.Status.PENDING:
            return "-"
        if self.organisation_has_admins(claim_request):
            return "The organisation's admins"
        return format_html(
            '<a href="{}">A moderator, in the moderation workspace</a>',
            reverse("moderation:claim", kwargs={"pk": claim_request.pk}),
        )


# --- Shortlists, saved searches and contact messages ---


class ShortlistItemInline(admin.TabularInline):
    model = shortlists_models.ShortlistItem
    extra = 0
    raw_id_fields = ["organisation"]


class ShortlistShareInline(admin.TabularInline):
    model = shortlists_models.ShortlistShare
    extra = 0
    raw_id_fields = ["user"]


class ShortlistInvitationInline(admin.TabularInline):
    model = shortlists_models.ShortlistInvitation
    extra = 0


class SearchRecordInline(admin.TabularInline):
    model = shortlists_models.SearchRecord
    extra = 0
    raw_id_fields = ["recorded_by"]
    readonly_fields = ["recorded_at"]


@admin.register(shortlists_models.Shortlist)
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


@admin.register(search_models.SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "alert_frequency", "last_alerted_at", "created_at"]
    list_filter = ["alert_frequency"]
    search_fields = ["name", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    show_full_result_count = False


@admin.register(shortlists_models.ContactMessage)
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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the service's own workflow (moderation, alerts, counting): the
    admin shows them but adding or changing one there would bypass the workflow and its
    audit trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Moderation ---


@admin.register(moderation_models.OrganisationRevision)
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


@admin.register(moderation_models.ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyAdmin):
    """The audit record of moderation decisions: never added, changed or deleted by hand."""

    list_display = ["decided_at", "kind", "action", "organisation_name", "subject", "decided_by"]
    list_filter = ["kind", "action"]
    search_fields = ["organisation_name", "subject", "reason", "decided_by__email"]
    list_select_related = ["decided_by"]
    date_hierarchy = "decided_at"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(moderation_models.ProblemReport)
class ProblemReportAdmin(ReadOnlyAdmin):
    """Reports from the public; handled in /moderation/ so that each decision is recorded."""

    list_display = ["organisation", "status", "created_at", "handled_by", "handled_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "description", "email"]
    list_select_related = ["organisation", "handled_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(moderation_models.ReviewLock)
class ReviewLockAdmin(ReadOnlyAdmin):
    """Who is reviewing which queue item; deleting one frees an item a moderator left."""

    list_display = ["item", "user", "expires_at"]
    search_fields = ["item", "user__email"]
    list_select_related = ["user"]


@admin.register(moderation_models.ModerationEmailSent)
class ModerationEmailSentAdmin(ReadOnlyAdmin):
    """When the moderators' digest and daily summary last went; deleting one lets it go again."""

    list_display = ["kind", "sent_at"]
    search_fields = ["kind"]


# --- Alerts and market coverage ---


@admin.register(search_models.SavedSearchSeen)
class SavedSearchSeenAdmin(ReadOnlyAdmin):
    """Organisations already sent for a saved search (never sent again)."""

    list_display = ["saved_search", "organisation", "seen_at"]
    search_fields = ["saved_search__name", "saved_search__owner__email", "organisation__name"]
    list_select_related = ["saved_search", "organisation"]
    date_hierarchy = "seen_at"
    show_full_result_count = False


@admin.register(opendata_models.CoverageSnapshot)
class CoverageSnapshotAdmin(ReadOnlyAdmin):
    """The market coverage figures as last counted; deleting one makes it be counted again."""

    list_display = ["filters", "counted_at", "seconds", "wanted"]
    list_filter = ["wanted"]
    search_fields = ["filters"]


@admin.register(moderation_models.RegisterEntry)
class RegisterEntryAdmin(ReadOnlyAdmin):
    """What the public registers say, as import_register last loaded them."""

    list_display = ["name", "register", "number", "postcode", "is_removed", "loaded_at"]
    list_filter = ["register", "is_removed"]
    search_fields = ["=number", "name", "=company_number"]
    show_full_result_count = False
