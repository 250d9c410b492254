from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from simple_history.admin import SimpleHistoryAdmin

from directory.organisations.admin import ReadOnlyAdmin
from directory.organisations.models import AuditRecord, PartnershipInterest

from .models import (
    Consortium,
    ConsortiumMembership,
    ExpressionOfInterest,
    OfferAppraisal,
    Opportunity,
    OpportunitySearchSeen,
)


@admin.register(PartnershipInterest)
class PartnershipInterestAdmin(admin.ModelAdmin):
    list_display = ["organisation", "direction", "role", "region", "pathway"]
    list_filter = ["direction", "role", "region", "pathway"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "role", "region", "pathway"]
    raw_id_fields = ["organisation"]


@admin.register(Opportunity)
class OpportunityAdmin(SimpleHistoryAdmin):
    list_display = ["title", "organisation", "posted_by", "status", "closes_on"]
    list_filter = ["status", "value_band", "is_subcontract"]
    search_fields = ["title", "description"]
    raw_id_fields = ["posted_by", "organisation"]


@admin.register(ExpressionOfInterest)
class ExpressionOfInterestAdmin(SimpleHistoryAdmin):
    list_display = ["opportunity", "organisation", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["opportunity__title", "organisation__name", "message"]
    list_select_related = ["opportunity", "organisation"]
    raw_id_fields = ["opportunity", "organisation", "submitted_by", "decided_by", "services"]


class ConsortiumMembershipInline(admin.TabularInline):
    model = ConsortiumMembership
    extra = 0
    raw_id_fields = ["organisation", "invited_by"]


class ConsortiumRecordInline(GenericTabularInline):
    """The consortium's audit records."""

    model = AuditRecord
    ct_field = "subject_type"
    ct_fk_field = "subject_id"
    fields = ["created_at", "actor", "organisation", "description"]
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "actor", "organisation", "description"]

    def has_add_permission(self, request, obj=None):
        # The record is written by the services, never by hand.
        return False


@admin.register(Consortium)
class ConsortiumAdmin(SimpleHistoryAdmin):
    list_display = ["name", "lead_organisation", "status", "visibility"]
    list_filter = ["status", "visibility"]
    search_fields = ["name"]
    raw_id_fields = ["lead_organisation"]
    inlines = [ConsortiumMembershipInline, ConsortiumRecordInline]


@admin.register(OpportunitySearchSeen)
class OpportunitySearchSeenAdmin(ReadOnlyAdmin):
    """Opportunities already sent for a saved search (never sent again)."""

    list_display = ["saved_search", "opportunity", "seen_at"]
    search_fields = ["saved_search__name", "saved_search__owner__email", "opportunity__title"]
    list_select_related = ["saved_search", "opportunity"]
    date_hierarchy = "seen_at"


@admin.register(OfferAppraisal)
class OfferAppraisalAdmin(ReadOnlyAdmin):
    """Saved appraisals are their owners' working: shown for support, changed only by them."""

    list_display = ["name", "owner", "organisation", "created_at", "updated_at"]
    search_fields = ["name", "owner__email", "organisation__name"]
    list_select_related = ["owner", "organisation"]
    date_hierarchy = "updated_at"
