"""How allauth treats this site's accounts where its defaults do not fit."""

from allauth.account.adapter import DefaultAccountAdapter
from django.shortcuts import resolve_url


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Moderators go to the moderation queue, where their work is (a `next` still wins:
        allauth asks here only without one); everyone else to their account."""
        if request.user.is_moderator:
            return resolve_url("moderation:queue")
        return super().get_login_redirect_url(request)
