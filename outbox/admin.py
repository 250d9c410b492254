from django.contrib import admin, messages

from .models import OutgoingEmail
from .services import emails_retry


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """Emails not delivered yet: what failed and why, and a way to try the given-up ones again."""

    list_display = ["created_at", "subject", "recipients", "status", "attempts", "next_attempt_at"]
    list_filter = ["status"]
    search_fields = ["subject", "recipients"]
    readonly_fields = [
        "created_at",
        "subject",
        "recipients",
        "message",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_error",
    ]
    actions = ["try_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Try sending the selected emails again")
    def try_again(self, request, queryset):
        count = emails_retry(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            f"{count} email{'s' if count != 1 else ''} will be sent again",
            messages.SUCCESS,
        )
