"""Messages from signed-in users to organisations, sent by email through the service."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Membership
from directory.organisations.models import Organisation
from directory.shortlists.models import ContactMessage, Shortlist

# Why the service passes on no message from a user (docs/contacting-organisations.md).
COMMISSIONER_PENDING = "commissioner_pending"
COMMISSIONER_REJECTED = "commissioner_rejected"
ORGANISATION_UNPUBLISHED = "organisation_unpublished"
NO_ROLE = "no_role"


def contact_sender_kind(user) -> str | None:
    """'commissioner', 'provider' or 'moderator': whom an organisation's preferences judge;
    None for someone the directory does not vouch for, whose messages it does not pass on."""
    if user.is_moderator:
        return "moderator"
    profile = getattr(user, "commissioner_profile", None)
    if profile is not None and profile.is_verified:
        return "commissioner"
    if user.memberships.filter(organisation__status=Organisation.Status.PUBLISHED).exists():
        return "provider"
    return None


def contact_refusal_reason(user) -> str | None:
    """Why the directory passes on no message from this user (one of the reasons above), or
    None if it does (each organisation's preferences still apply)."""
    if contact_sender_kind(user) is not None:
        return None
    profile = getattr(user, "commissioner_profile", None)
    if profile is not None:
        rejected = profile.verification_status == profile.Verification.REJECTED
        return COMMISSIONER_REJECTED if rejected else COMMISSIONER_PENDING
    if user.memberships.exists():
        return ORGANISATION_UNPUBLISHED
    return NO_ROLE


def contact_allowed(*, organisation: Organisation, sender_kind: str | None) -> bool:
    """Whether the organisation takes messages from this kind of sender."""
    if sender_kind == "moderator":
        return True
    if sender_kind == "commissioner":
        return organisation.accept_contact_from_commissioners
    if sender_kind == "provider":
        return organisation.accept_contact_from_providers
    return False


def contact_messages_left_today(*, user) -> int:
    """How many more organisations the user may message in the current 24 hours."""
    since = timezone.now() - timedelta(days=1)
    sent = ContactMessage.objects.filter(sender=user, sent_at__gte=since).count()
    return max(settings.CONTACT_MESSAGES_PER_DAY - sent, 0)


def _recipients(organisation: Organisation) -> list[str]:
    admins = Membership.objects.admins().filter(organisation=organisation).select_related("user")
    emails = [organisation.email] if organisation.email else []
    emails += [membership.user.email for membership in admins]
    return list(dict.fromkeys(emails))


@transaction.atomic
def contact_send(
    *,
    sender,
    organisations: list[Organisation],
    subject: str,
    body: str,
    shortlist: Shortlist | None = None,
) -> list[ContactMessage]:
    """Email each organisation (its public address and admins) separately, reply-to the sender,
    and log it; refused as a whole if over the daily limit or not accepted by an organisation."""
    # Locks the sender's row so that two simultaneous sends cannot both pass the daily limit.
    get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
    kind = contact_sender_kind(sender)
    refusing = [
        o.name for o in organisations if not contact_allowed(organisation=o, sender_kind=kind)
    ]
    if refusing:
        raise ValidationError(
            f"{', '.join(refusing)} do not accept messages from you through this service"
        )
    if len(organisations) > contact_messages_left_today(user=sender):
        raise ValidationError(
            f"You can message up to {settings.CONTACT_MESSAGES_PER_DAY} organisations a day. "
            "Try again tomorrow"
        )
    messages = []
    for organisation in organisations:
        message = ContactMessage(
            sender=sender,
            organisation=organisation,
            shortlist=shortlist,
            subject=subject,
            body=body,
        )
        message.full_clean()
        message.save()
        messages.append(message)
        recipients = _recipients(organisation)
        if not recipients:
            continue
        context = {"message": message, "sender": sender, "organisation": organisation}
        EmailMessage(
            subject=f"{settings.SERVICE_NAME}: {subject}",
            body=render_to_string("directory/email/contact_message.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            reply_to=[sender.email],
        ).send()
    return messages


@transaction.atomic
def organisation_contact_preferences_update(
    *, organisation: Organisation, from_commissioners: bool, from_providers: bool
) -> Organisation:
    """Choose who may message the organisation through the service (not a profile change, so
    it needs no moderation)."""
    organisation.accept_contact_from_commissioners = from_commissioners
    organisation.accept_contact_from_providers = from_providers
    organisation.save(
        update_fields=["accept_contact_from_commissioners", "accept_contact_from_providers"]
    )
    return organisation
