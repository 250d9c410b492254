"""Reactions to sign-in and email verification."""

import time

from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import email_confirmed
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .middleware import LAST_ACTIVITY_KEY, SIGNED_IN_AT_KEY
from .services import commissioner_verify_by_email


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    # The absolute session limit counts from this sign-in, not from the session's creation.
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_ACTIVITY_KEY] = now


@receiver(authenticator_added)
def record_second_factor_set_up(sender, request, user, authenticator, **kwargs):
    # Setting up an app means entering one of its codes in this session: that counts as
    # using the second factor (accounts.middleware.MfaRequiredMiddleware checks for it).
    if request is not None and hasattr(request, "session"):
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
        )


@receiver(email_confirmed)
def verify_public_sector_commissioner(sender, request, email_address, **kwargs):
    commissioner_verify_by_email(user=email_address.user, email=email_address.email)
