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

from consortia.models import ConsortiumEvent, ExpressionOfInterest, OfferAppraisal, Opportunity
from consortia.services import opportunity_withdraw
from directory.models import (
    ClaimRequest,
    ContactMessage,
    ModerationDecision,
    Organisation,
    OrganisationRevision,
    ProblemReport,
    Region,
    SavedSearch,
    SearchRecord,
    Shortlist,
    ShortlistInvitation,
)
from directory.notifications import organisations_without_admin_notify
from outbox.services import emails_withhold

from .models import (
    INVITATION_LIFETIME,
    CommissionerProfile,
    Invitation,
    Membership,
    User,
)
from .selectors import email_is_public_sector, invitation_refusal


@transaction.atomic
def commissioner_register(
    *, user: User, body_type: str, body_name: str, region: Region | None = None
) -> CommissionerProfile:
    """Record who a new commissioner works for; they wait for verification."""
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


def _lock_memberships(organisation: Organisation) -> list[Membership]:
    # Locks every membership of the organisation, so two admins demoting each other at the
    # same moment cannot both succeed and leave it with none.
    return list(
        Membership.objects.select_for_update().filter(organisation=organisation).order_by("pk")
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
    locked = _lock_memberships(membership.organisation)
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
    locked = _lock_memberships(membership.organisation)
    membership = next(m for m in locked if m.pk == membership.pk)
    _refuse_losing_last_admin(membership, locked)
    membership._history_user = removed_by
    membership.delete()


def _send_invitation_email(*, invitation: Invitation, site_url: str) -> None:
    context = {
        "invitation": invitation,
        "accept_url": site_url.rstrip("/")
        + reverse("accounts_invitation_accept", kwargs={"token": invitation.token}),
        "service_name": settings.SERVICE_NAME,
    }
    send_mail(
        subject=render_to_string("accounts/email/invitation_subject.txt", context).strip(),
        message=render_to_string("accounts/email/invitation_message.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: str, invited_by: User, site_url: str
) -> Invitation:
    """Invite someone by email to join an organisation, and send them the link."""
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the organisation"})
    # An earlier invitation to the same address is replaced, so only the newest link works.
    now = timezone.now()
    Invitation.objects.open().filter(organisation=organisation, email__iexact=email).update(
        revoked_at=now
    )
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=invited_by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    transaction.on_commit(lambda: _send_invitation_email(invitation=invitation, site_url=site_url))
    return invitation


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


def _iexact_any(field: str, addresses: set[str]) -> models.Q:
    condition = models.Q(pk__in=[])
    for address in addresses:
        condition |= models.Q(**{f"{field}__iexact": address})
    return condition


def user_personal_data(*, user: User) -> dict:
    """Everything the directory holds about a user, for them to download: what they entered,
    what they were sent or shared, what was decided about them and what they decided."""
    history = []
    for historical_model in _history_models():
        for record in historical_model.objects.filter(history_user=user).order_by("history_date"):
            history.append(
                {
                    "record": historical_model.instance_type._meta.verbose_name,
                    "record_id": getattr(record, "id", None),
                    "change": record.get_history_type_display(),
                    "changed_at": record.history_date,
                    "reason": record.history_change_reason,
                }
            )
    addresses = user_addresses(user)
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
            for i in Invitation.objects.filter(_iexact_any("email", addresses))
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
        "requests_to_join_or_claim": [
            {
                "organisation": claim.organisation.name,
                "request": claim.get_kind_display(),
                "message": claim.message,
                "status": claim.get_status_display(),
                "sent_at": claim.created_at,
                "decided_at": claim.decided_at,
            }
            for claim in ClaimRequest.objects.filter(user=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "changes_you_proposed": [
            {
                "organisation": revision.organisation.name,
                "status": revision.get_status_display(),
                "sent_at": revision.submitted_at,
                "decided_at": revision.decided_at,
                "moderators_message": revision.message,
            }
            for revision in OrganisationRevision.objects.filter(created_by=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
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
        "shortlists": _shortlists_data(user),
        "shortlists_shared_with_you": _shortlists_shared_data(user, addresses),
        "searches_you_recorded_on_others_shortlists": [
            _search_record_data(record)
            for record in SearchRecord.objects.filter(recorded_by=user)
            .exclude(shortlist__owner=user)
            .select_related("shortlist")
            .order_by("recorded_at", "id")
        ],
        "saved_searches": _saved_searches_data(user),
        "messages_sent": [
            {
                "organisation": message.organisation.name,
                "shortlist": message.shortlist and message.shortlist.name,
                "subject": message.subject,
                "message": message.body,
                "sent_at": message.sent_at,
            }
            for message in ContactMessage.objects.filter(sender=user)
            .select_related("organisation", "shortlist")
            .order_by("sent_at", "id")
        ],
        "reports_made_with_your_email": [
            {
                "organisation": report.organisation.name,
                "what_is_wrong": report.description,
                "email": report.email,
                "status": report.get_status_display(),
                "sent_at": report.created_at,
            }
            for report in ProblemReport.objects.filter(_iexact_any("email", addresses))
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "opportunities_posted": [
            {
                "title": opportunity.title,
                "organisation": opportunity.organisation and opportunity.organisation.name,
                "description": opportunity.description,
                "value": opportunity.get_value_band_display(),
                "closes_on": opportunity.closes_on,
                "status": opportunity.get_status_display(),
                "posted_at": opportunity.created_at,
            }
            for opportunity in Opportunity.objects.filter(posted_by=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "expressions_of_interest_sent": [
            {
                "opportunity": eoi.opportunity.title,
                "organisation": eoi.organisation.name,
                "message": eoi.message,
                "status": eoi.get_status_display(),
                "answer": eoi.decision_message,
                "sent_at": eoi.created_at,
            }
            for eoi in ExpressionOfInterest.objects.filter(submitted_by=user)
            .select_related("opportunity", "organisation")
            .order_by("created_at", "id")
        ],
        "expressions_of_interest_you_answered": [
            {
                "opportunity": eoi.opportunity.title,
                "organisation": eoi.organisation.name,
                "status": eoi.get_status_display(),
                "answer": eoi.decision_message,
                "answered_at": eoi.decided_at,
            }
            for eoi in ExpressionOfInterest.objects.filter(decided_by=user)
            .select_related("opportunity", "organisation")
            .order_by("decided_at", "id")
        ],
        "offer_appraisals": [
            {
                "name": appraisal.name,
                "organisation": appraisal.organisation and appraisal.organisation.name,
                "inputs": appraisal.inputs,
                "created_at": appraisal.created_at,
                "updated_at": appraisal.updated_at,
            }
            for appraisal in OfferAppraisal.objects.filter(owner=user)
            .select_related("organisation")
            .order_by("created_at", "id")
        ],
        "consortium_actions": [
            {
                "consortium": event.consortium.name,
                "what": event.description,
                "at": event.created_at,
            }
            for event in ConsortiumEvent.objects.filter(actor=user)
            .select_related("consortium")
            .order_by("created_at", "id")
        ],
        "moderation_decisions_about_you": [
            _decision_data(decision)
            for decision in ModerationDecision.objects.filter(subject_user=user).order_by(
                "decided_at", "id"
            )
        ],
        "moderation_decisions_you_made": [
            _decision_data(decision)
            for decision in ModerationDecision.objects.filter(decided_by=user).order_by(
                "decided_at", "id"
            )
        ],
        "changes_you_made": history,
    }


def _decision_data(decision: ModerationDecision) -> dict:
    return {
        "decision": f"{decision.get_kind_display()}: {decision.get_action_display()}",
        "organisation": decision.organisation_name,
        "about": decision.subject,
        "reason": decision.reason,
        "decided_at": decision.decided_at,
    }


def _search_record_data(record: SearchRecord) -> dict:
    return {
        "shortlist": record.shortlist.name,
        "search": record.query_string,
        "results": record.result_count,
        "organisations_found": [found["name"] for found in record.results],
        "recorded_at": record.recorded_at,
    }


def _shortlists_data(user: User) -> list[dict]:
    shortlists = (
        Shortlist.objects.filter(owner=user)
        .prefetch_related("items__organisation", "shares__user", "invitations", "search_records")
        .order_by("created_at", "id")
    )
    return [
        {
            "name": shortlist.name,
            "description": shortlist.description,
            "created_at": shortlist.created_at,
            "organisations": [
                {
                    "organisation": item.organisation.name,
                    "organisation_slug": item.organisation.slug,
                    "note": item.note,
                    "added_at": item.added_at,
                }
                for item in shortlist.items.all()
            ],
            # Addresses with and without an account alike, as the sharing page lists them, so
            # that the download does not tell which have one either.
            "shared_with": sorted(
                [
                    {"email": share.user.email, "role": share.get_role_display()}
                    for share in shortlist.shares.all()
                ]
                + [
                    {"email": invitation.email, "role": invitation.get_role_display()}
                    for invitation in shortlist.invitations.all()
                ],
                key=lambda shared: shared["email"].lower(),
            ),
            "searches_recorded": [
                _search_record_data(record) for record in shortlist.search_records.all()
            ],
        }
        for shortlist in shortlists
    ]


def _shortlists_shared_data(user: User, addresses: set[str]) -> list[dict]:
    shares = [
        {
            "shortlist": share.shortlist.name,
            "role": share.get_role_display(),
            "since": share.created_at,
        }
        for share in user.shortlist_shares.select_related("shortlist")
    ]
    # Shared with one of their addresses before they had an account (or before they added it).
    invitations = [
        {
            "shortlist": invitation.shortlist.name,
            "role": invitation.get_role_display(),
            "since": invitation.created_at,
        }
        for invitation in ShortlistInvitation.objects.filter(email__in=addresses)
        .exclude(shortlist__owner=user)
        .select_related("shortlist")
    ]
    return sorted(shares + invitations, key=lambda shared: shared["since"])


def _saved_searches_data(user: User) -> list[dict]:
    saved_searches = (
        SavedSearch.objects.filter(owner=user)
        .prefetch_related("seen__organisation", "seen_opportunities__opportunity")
        .order_by("created_at", "id")
    )
    return [
        {
            "name": saved.name,
            "searches": saved.get_kind_display(),
            "search": saved.query_string,
            "alerts": saved.get_alert_frequency_display(),
            "created_at": saved.created_at,
            "last_alerted_at": saved.last_alerted_at,
            "sent_in_alerts": sorted(
                [
                    {"sent": seen.organisation.name, "sent_at": seen.seen_at}
                    for seen in saved.seen.all()
                ]
                + [
                    {"sent": seen.opportunity.title, "sent_at": seen.seen_at}
                    for seen in saved.seen_opportunities.all()
                ],
                key=lambda sent: (sent["sent_at"], sent["sent"]),
            ),
        }
        for saved in saved_searches
    ]


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


# What handing an organisation to the moderators changes.
HANDOVER_FIELDS = {"is_unclaimed", "admin_lost_at"}


def _fields_but(model: type[models.Model], names: set[str]) -> list[str]:
    return [field.name for field in model._meta.fields if field.name not in names]


@transaction.atomic
def user_delete(*, user: User) -> list[Organisation]:
    """Delete an account and its personal data; sole-admin organisations go to the moderators'
    queue, and the moderators are told."""
    handed_over = []
    now = timezone.now()
    for membership in user.memberships.select_related("organisation").admins():
        organisation = membership.organisation
        other_admins = organisation.memberships.admins().exclude(user=user)
        if not other_admins.exists():
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            organisation.is_unclaimed = True
            organisation.admin_lost_at = now
            # Only the fields set here are checked: a profile that falls short of today's rules
            # (an old import, a draft) is the moderators' to put right, and must not stop
            # someone deleting their account.
            organisation.full_clean(exclude=_fields_but(Organisation, HANDOVER_FIELDS))
            organisation._history_user = None
            organisation._change_reason = (
                "Its last admin deleted their account: handed to moderators to re-assign"
            )
            organisation.save()
            handed_over.append(organisation)
    if handed_over:
        organisations_without_admin_notify(organisations=handed_over, departed_email=user.email)
    for membership in user.memberships.all():
        membership._history_user = None
        membership.delete()
    for session in UserSession.objects.filter(user=user):
        session.end()
    # An opportunity posted for their employer has nobody left to answer its responses: it is
    # withdrawn (telling the organisations waiting) and kept for their record. One posted for
    # an organisation stays with it.
    for opportunity in Opportunity.objects.published().filter(
        posted_by=user, organisation__isnull=True
    ):
        opportunity_withdraw(opportunity=opportunity)
    addresses = user_addresses(user)
    # Nothing more is sent to them, or on their behalf, once they have gone.
    emails_withhold(addresses=addresses)
    Invitation.objects.filter(_iexact_any("email", addresses)).delete()
    ShortlistInvitation.objects.filter(email__in=addresses).delete()
    # Reports they sent stay (they are about an organisation), without their address.
    for reports in (ProblemReport.objects, ProblemReport.history):
        reports.filter(_iexact_any("email", addresses)).update(email="")
    user_pk = user.pk
    # Deleting the user cascades to their shortlists (shared ones too: they were the user's),
    # their access to others' shortlists, their saved searches, the log of messages they sent,
    # their offer appraisals and their requests to join or claim. What stays without their
    # name: searches they recorded on others' shortlists, their organisations' opportunities
    # and responses, the decisions they made as a moderator and the consortium records.
    user.delete()
    _anonymise_history(user_pk=user_pk)
    return handed_over
