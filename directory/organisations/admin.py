"""Organisations' models in the admin, and ReadOnlyAdmin and ReadOnlyHistoryAdmin, which the
apps above use for the records their own workflows write. Organisations and what they publish
are read only here: owners' edits wait for a moderator, and moderators' decisions are recorded,
in /moderation/."""

from operator import attrgetter

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from simple_history.admin import SimpleHistoryAdmin

from directory.organisations import models


class NoEditing:
    """Shown in the admin, never added or changed there: written only by the service's own
    workflow (moderation, alerts, counting), which an edit here would bypass with its audit
    trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoEditing, admin.ModelAdmin):
    """Records the apps' workflows write (see NoEditing)."""


class NoEditingOrDeleting(NoEditing):
    """Nor deleted in the admin (an organisation only by a moderator's purge)."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(NoEditingOrDeleting, SimpleHistoryAdmin):
    """A record with its history, read only. simple_history's page of an old version saves
    what is posted to it (its "Revert") without asking for the change permission, so posts
    there are refused."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


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


class ServiceInline(NoEditingOrDeleting, admin.StackedInline):
    model = models.Service
    extra = 0
    filter_horizontal = ["pathways", "client_groups", "settings", "regions"]
    show_change_link = True


class EvidenceInline(NoEditingOrDeleting, admin.StackedInline):
    model = models.EvidenceItem
    extra = 0
    raw_id_fields = ["service", "verified_by"]


# Organisations and what they publish are changed by their owners' edits, which wait for a
# moderator's approval (four eyes: a moderator's own edit too), and by moderators' decisions;
# editing them here would skip the queue, the audit record and the search index.


@admin.register(models.Organisation)
class OrganisationAdmin(ReadOnlyHistoryAdmin):
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


class ProfilePartAdmin(ReadOnlyHistoryAdmin):
    """A service, delivery location or item of evidence: its "History" is its organisation's,
    which moderation's admin shows as sentences (simple_history's own names raw fields)."""

    # How to reach the organisation from the record.
    organisation_path: str

    def history_view(self, request, object_id, extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is None:  # deleted: only its own records are left
            return super().history_view(request, object_id, extra_context)
        organisation_id = attrgetter(self.organisation_path)(record)
        return redirect("admin:directory_organisation_history", organisation_id)


class LocationInline(NoEditingOrDeleting, admin.TabularInline):
    model = models.DeliveryLocation
    extra = 0


@admin.register(models.Service)
class ServiceAdmin(ProfilePartAdmin):
    organisation_path = "organisation_id"
    list_display = ["name", "organisation", "accepting_referrals", "updated_at"]
    list_filter = ["accepting_referrals", "pathways", "regions", "settings"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["pathways", "client_groups", "settings", "regions"]
    inlines = [LocationInline]
    show_full_result_count = False


@admin.register(models.EvidenceItem)
class EvidenceItemAdmin(ProfilePartAdmin):
    organisation_path = "organisation_id"
    list_display = ["title", "organisation", "kind", "year", "nesta_level", "verified_by_moderator"]
    list_filter = ["kind", "nesta_level", "verified_by_moderator"]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation", "service", "verified_by"]
    show_full_result_count = False


@admin.register(models.DeliveryLocation)
class DeliveryLocationAdmin(ProfilePartAdmin):
    organisation_path = "service.organisation_id"
    list_display = ["name", "postcode", "service", "latitude", "longitude"]
    search_fields = ["name", "postcode", "service__organisation__name"]
    list_select_related = ["service"]
    raw_id_fields = ["service"]


@admin.register(models.AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    """The audit record of moderation decisions and consortia's actions: never added, changed
    or deleted by hand."""

    list_display = [
        "created_at",
        "kind",
        "action",
        "organisation_name",
        "subject_name",
        "description",
        "actor",
        "self_decided",
    ]
    list_filter = ["kind", "action", "self_decided"]
    search_fields = ["organisation_name", "subject_name", "description", "reason", "actor__email"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False
