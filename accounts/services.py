"""Writes about people: commissioners, invitations, memberships, personal data and deletion."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalChanges

from outbox.services import emails_withhold

from .models import (
    CommissionerProfile,
    Invitation,
    Membership,
    User,
)
from .personal_data import matching_any_address, personal_data_parts
from .selectors import email_is_public_sector, invitation_refusal


@transaction.atomic
def commissioner_register(
    *, user: User, body_type: str, body_name: str, region: models.Model | None = None
) -> CommissionerProfile:
    """Record who a new commissioner works for (`region`: a taxonomy Region, if they give one);
    they wait for verification."""
    profile = CommissionerProfile(
        user=user, body_type=body_type, body_name=body_name, region=region
    )
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def commissioner_verify(
    *, profile: CommissionerProfile, verified_by: User | None = None
) -> CommissionerProfile:
    """Mark a commissioner verified, by a moderator or (verified_by None) by their email domain."""
    profile.verification_status = CommissionerProfile.Verification.VERIFIED
    profile.verified_at = timezone.now()
    profile.verified_by = verified_by
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def commissioner_reject(*, profile: CommissionerProfile, rejected_by: User) -> CommissionerProfile:
    """A moderator could not confirm that this person commissions services."""
    profile.verification_status = CommissionerProfile.Verification.REJECTED
    profile.verified_at = None
    profile.verified_by = rejected_by
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def commissioner_verify_by_email(*, user: User, email: str) -> bool:
    """Verify a pending commissioner at once if their just-verified email is public sector."""
    profile = (
        CommissionerProfile.objects.select_for_update()
        .filter(user=user, verification_status=CommissionerProfile.Verification.PENDING)
        .first()
    )
    if profile is None or not email_is_public_sector(email):
        return False
    commissioner_verify(profile=profile)
    _send_commissioner_verified_email(profile=profile, email=email)
    return True


def _send_commissioner_verified_email(*, profile: CommissionerProfile, email: str) -> None:
    """Tell someone verified by their email domain (a moderator's decision has its own email)."""
    context = {
        "profile": profile,
        "email": email,
        "domain": email.rpartition("@")[2],
        "service_name": settings.SERVICE_NAME,
        "contact_email": settings.SERVICE_CONTACT_EMAIL,
        "search_url": settings.SITE_URL + reverse("directory:organisation_list"),
        "account_url": settings.SITE_URL + reverse("account"),
    }
    send_mail(
        subject=render_to_string(
            "accounts/email/commissioner_verified_subject.txt", context
        ).strip(),
        message=render_to_string("accounts/email/commissioner_verified_message.txt", context),
        from_email=None,
        recipient_list=[email],
    )


# --- Members and invitations ---


def _lock_memberships(organisation_id: int) -> list[Membership]:
    # Locks every membership of the organisation, so two admins demoting each other at the
    # same moment cannot both succeed and leave it with none.
    return list(
        Membership.objects.select_for_update()
        .filter(organisation_id=organisation_id)
        .order_by("pk")
    )


def _refuse_losing_last_admin(membership: Membership, locked: list[Membership]) -> None:
    admins = [m for m in locked if m.role == Membership.Role.ADMIN]
    if membership.role == Membership.Role.ADMIN and len(admins) <= 1:
        raise ValidationError(
            "An organisation must always have at least one admin. Make someone else an admin first."
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, changed_by: User) -> Membership:
    """Change a member's role, keeping at least one admin."""
    locked = _lock_memberships(membership.organisation_id)
    membership = next(m for m in locked if m.pk == membership.pk)
    if membership.role == role:
        return membership
    if role != Membership.Role.ADMIN:
        _refuse_losing_last_admin(membership, locked)
    membership.role = role
    membership.full_clean()
    membership._history_user = changed_by
    membership.save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, removed_by: User) -> None:
    """Remove someone from an organisation, keeping at least one admin."""
    locked = _lock_memberships(membership.organisation_id)
    membership = next(m for m in locked if m.pk == membership.pk)
    _refuse_losing_last_admin(membership, locked)
    membership._history_user = removed_by
    membership.delete()


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    """Withdraw an invitation so its link no longer works."""
    invitation.revoked_at = timezone.now()
    invitation.full_clean()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the organisation an invitation is for, as the invited person."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    refusal = invitation_refusal(invitation=invitation, user=user)
    if refusal:
        raise ValidationError(refusal)
    membership = Membership.objects.filter(user=user, organisation=invitation.organisation).first()
    if membership is None:
        membership = Membership(user=user, organisation=invitation.organisation)
    if membership.pk is None or invitation.role == Membership.Role.ADMIN:
        membership.role = invitation.role
    invitation.accepted_at = timezone.now()
    invitation.full_clean()
    membership.full_clean()
    membership.save()
    invitation.save(update_fields=["accepted_at"])
    return membership


# --- Personal data ---


def _history_models():
    """django-simple-history's audit tables that record who made each change."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, HistoricalChanges)
        and any(field.name == "history_user" for field in model._meta.fields)
    ]


def user_addresses(user: User) -> set[str]:
    """The user's email addresses that are known to be theirs (lower case): the account's and
    the others they confirmed. An unconfirmed address may be anyone's, so what was sent from it
    (a report) or to it (an invitation) is not theirs to download."""
    confirmed = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    )
    return {user.email.lower(), *(email.lower() for email in confirmed)}


def _history_data(user: User) -> list[dict]:
    """The changes the user made, from every audit table."""
    return [
        {
            "record": historical_model.instance_type._meta.verbose_name,
            "record_id": getattr(record, "id", None),
            "change": record.get_history_type_display(),
            "changed_at": record.history_date,
            "reason": record.history_change_reason,
        }
        for historical_model in _history_models()
        for record in historical_model.objects.filter(history_user=user).order_by("history_date")
    ]


def _memberships_data(user: User, addresses: set[str]) -> dict:
    return {
        "memberships": [
            {
                "organisation": m.organisation.name,
                "organisation_slug": m.organisation.slug,
                "role": m.get_role_display(),
                "since": m.created_at,
            }
            for m in user.memberships.select_related("organisation").order_by("created_at")
        ],
        "invitations_received": [
            {
                "organisation": i.organisation.name,
                "role": i.get_role_display(),
                "sent_at": i.created_at,
                "accepted_at": i.accepted_at,
            }
            for i in Invitation.objects.filter(matching_any_address("email", addresses))
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "invitations_you_sent": [
            {
                "organisation": i.organisation.name,
                "email": i.email,
                "role": i.get_role_display(),
                "sent_at": i.created_at,
                "accepted_at": i.accepted_at,
                "withdrawn_at": i.revoked_at,
            }
            for i in Invitation.objects.filter(invited_by=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
    }


def _sign_in_data(user: User) -> dict:
    return {
        "two_factor_authentication": [
            {
                "type": a.get_type_display(),
                "created_at": a.created_at,
                "last_used_at": a.last_used_at,
            }
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        "sessions": [
            {
                "ip_address": s.ip,
                "browser": s.user_agent,
                "started_at": s.created_at,
                "last_seen_at": s.last_seen_at,
            }
            for s in UserSession.objects.filter(user=user).order_by("created_at")
        ],
    }


def _account_data(user: User) -> dict:
    profile = CommissionerProfile.objects.filter(user=user).select_related("region").first()
    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
            "is_moderator": user.is_moderator,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "commissioner_profile": profile
        and {
            "body_type": profile.get_body_type_display(),
            "body_name": profile.body_name,
            "region": profile.region and profile.region.name,
            "verification_status": profile.get_verification_status_display(),
            "verified_at": profile.verified_at,
        },
    }


def user_personal_data(*, user: User) -> dict:
    """Everything the directory holds about a user, for them to download: what they entered,
    what they were sent or shared, what was decided about them and what they decided. Each
    app adds its own part (accounts.personal_data)."""
    addresses = user_addresses(user)
    data = {**_account_data(user), **_memberships_data(user, addresses), **_sign_in_data(user)}
    for part in personal_data_parts():
        if part.export:
            data.update(part.export(user=user, addresses=addresses))
    data["changes_you_made"] = _history_data(user)
    return data


def _anonymise_history(*, user_pk: int) -> None:
    for historical_model in _history_models():
        historical_model.objects.filter(history_user_id=user_pk).update(history_user=None)
        tracked_model = historical_model.instance_type
        for field in historical_model._meta.concrete_fields:
            if not field.is_relation or field.related_model is not User:
                continue
            if field.name == "history_user":
                continue
            rows = historical_model.objects.filter(**{field.attname: user_pk})
            if tracked_model._meta.get_field(field.name).remote_field.on_delete is models.CASCADE:
                # The tracked row was the user's own (a membership, a claim): its history goes.
                rows.delete()
            else:
                # A mere reference (an evidence item's verifier): keep the row, drop the person.
                rows.update(**{field.attname: None})


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account and its personal data. Each app first does what deleting it means for
    its part (accounts.personal_data): sole-admin organisations go to the moderators' queue,
    and the moderators are told; opportunities posted for an employer are withdrawn."""
    addresses = user_addresses(user)
    for part in personal_data_parts():
        if part.delete:
            part.delete(user=user, addresses=addresses)
    for membership in user.memberships.all():
        membership._history_user = None
        membership.delete()
    for session in UserSession.objects.filter(user=user):
        session.end()
    # Nothing more is sent to them, or on their behalf, once they have gone.
    emails_withhold(addresses=addresses)
    Invitation.objects.filter(matching_any_address("email", addresses)).delete()
    user_pk = user.pk
    # Deleting the user cascades to their shortlists (shared ones too: they were the user's),
    # their access to others' shortlists, their saved searches, the log of messages they sent,
    # their offer appraisals and their requests to join or claim. What stays without their
    # name: searches they recorded on others' shortlists, their organisations' opportunities
    # and responses, the decisions they made as a moderator and the consortium records.
    user.delete()
    _anonymise_history(user_pk=user_pk)
