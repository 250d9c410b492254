from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Consortium,
    ConsortiumEvent,
    ConsortiumMembership,
    ExpressionOfInterest,
    Opportunity,
    PartnershipInterest,
)


@admin.register(PartnershipInterest)
class PartnershipInterestAdmin(admin.ModelAdmin):
    list_display = ["organisation", "direction", "role", "region", "pathway"]
    list_filter = ["direction", "role", "region", "pathway"]
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
    raw_id_fields = ["opportunity", "organisation", "submitted_by", "decided_by", "services"]


class ConsortiumMembershipInline(admin.TabularInline):
    model = ConsortiumMembership
    extra = 0
    raw_id_fields = ["organisation", "invited_by"]


class ConsortiumEventInline(admin.TabularInline):
    model = ConsortiumEvent
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
    inlines = [ConsortiumMembershipInline, ConsortiumEventInline]
