from allauth.usersessions import admin as allauth_usersessions_admin
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import CommissionerProfile, Invitation, Membership, PublicSectorDomain, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal details", {"fields": ["full_name"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def user_change_password(self, request, id, form_url=""):
        """One's own password is changed on the site's page, which asks for the current one
        (a wrong one counts towards the sign-in cool-off); here staff set only other people's."""
        if str(request.user.pk) == str(id):
            return redirect("account_change_password")
        return super().user_change_password(request, id, form_url)


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(PublicSectorDomain)
class PublicSectorDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "include_subdomains", "created_at"]
    list_filter = ["include_subdomains"]
    search_fields = ["domain"]


@admin.register(CommissionerProfile)
class CommissionerProfileAdmin(admin.ModelAdmin):
    """Who commissioners work for. Verifying one is a moderator's decision, made in the
    moderation workspace, where it is recorded and the commissioner is told (with the reason a
    refusal needs): not changed here."""

    list_display = [
        "user",
        "body_name",
        "body_type",
        "verification_status",
        "verified_at",
        "decided_where",
    ]
    list_filter = ["verification_status", "body_type"]
    search_fields = ["user__email", "user__full_name", "body_name"]
    readonly_fields = ["verification_status", "verified_at", "verified_by", "created_at"]
    autocomplete_fields = ["user"]

    @admin.display(description="Verification")
    def decided_where(self, profile):
        if profile.verification_status != CommissionerProfile.Verification.PENDING:
            return "-"
        return format_html(
            '<a href="{}">Decide in the moderation workspace</a>',
            reverse("moderation:commissioner", kwargs={"pk": profile.pk}),
        )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token", "created_at", "accepted_at", "revoked_at", "invited_by"]
    autocomplete_fields = ["organisation"]


# allauth's own admin of sign-in sessions searches `user__username`, which this user model does
# not have (email is the username), so any search of it failed.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class UserSessionAdmin(allauth_usersessions_admin.UserSessionAdmin):
    search_fields = ["user__email", "ip"]
