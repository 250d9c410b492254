"""Session lifetime and two-factor rules that apply to every request."""

import time

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode

LAST_ACTIVITY_KEY = "accounts_last_activity"
SIGNED_IN_AT_KEY = "accounts_signed_in_at"
# Writing the session on every request costs a database write; a minute's precision is plenty.
ACTIVITY_RESOLUTION_SECONDS = 60


class SessionInactivityMiddleware:
    """Sign people out after a period of inactivity, and after an absolute maximum."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._enforce_limits(request)
        return self.get_response(request)

    def _enforce_limits(self, request):
        now = time.time()
        session = request.session
        last_activity = session.get(LAST_ACTIVITY_KEY, now)
        signed_in_at = session.setdefault(SIGNED_IN_AT_KEY, now)
        if now - last_activity > settings.SESSION_INACTIVITY_TIMEOUT:
            reason = "You have been signed out because you were inactive for {} minutes."
            self._sign_out(request, reason.format(settings.SESSION_INACTIVITY_TIMEOUT // 60))
        elif now - signed_in_at > settings.SESSION_COOKIE_AGE:
            reason = "You have been signed out because you were signed in for {} hours."
            self._sign_out(request, reason.format(settings.SESSION_COOKIE_AGE // 3600))
        elif now - session.get(LAST_ACTIVITY_KEY, 0) >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY_KEY] = now

    @staticmethod
    def _sign_out(request, reason: str):
        logout(request)
        messages.info(request, reason + " Sign in again to continue.")


# Pages a moderator or admin without two-factor authentication may still reach: setting it
# up (which asks for the password again first) and signing out.
MFA_SETUP_URL_NAMES = {
    "account_logout",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
}


def second_factor_used(request) -> bool:
    """Whether this session's sign-in included an authenticator code (not merely set one up)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class MfaRequiredMiddleware:
    """Moderators and staff must have used an authenticator app to sign in to this session.

    Without one set up, they are sent to set it up; with one set up but not used in this
    session (signed in some other way), they are signed out and asked to sign in again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.resolver_match is None:
            return None
        if not (user.is_staff or user.is_moderator):
            return None
        if second_factor_used(request):
            return None
        url_name = request.resolver_match.url_name
        if not is_mfa_enabled(user, [Authenticator.Type.TOTP]):
            if url_name in MFA_SETUP_URL_NAMES:
                return None
            messages.warning(
                request,
                "You must set up two-factor authentication before you can continue, "
                "because your account can moderate or administer the directory.",
            )
            return redirect("mfa_activate_totp")
        if url_name == "account_logout":
            return None
        logout(request)
        messages.warning(
            request,
            "Sign in again with your password and a code from your authenticator app, "
            "because your account can moderate or administer the directory.",
        )
        login_url = resolve_url(settings.LOGIN_URL)
        return redirect(f"{login_url}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
