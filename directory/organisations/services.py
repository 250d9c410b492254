"""Writes about an organisation's members (inviting people to join it), and the one way to
record an audited action (`audit_record`), which moderation and consortia both use."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import INVITATION_LIFETIME, Invitation, User

from .models import AuditRecord, Organisation


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    kind: str,
    action: str,
    subject: models.Model,
    organisation: Organisation | None = None,
    reason: str = "",
    description: str = "",
    subject_name: str = "",
    subject_user: User | None = None,
    self_decided: bool = False,
    snapshot: dict | None = None,
) -> AuditRecord:
    """Record who did what (`kind`, `action`, `description`) to which object (`subject`, and the
    organisation concerned, its name kept) and why (`reason`)."""
    record = AuditRecord(
        actor=actor,
        kind=kind,
        action=action,
        subject=subject,
        organisation=organisation,
        organisation_name=organisation.name if organisation else "",
        reason=reason,
        description=description,
        subject_name=subject_name,
        subject_user=subject_user,
        self_decided=self_decided,
        snapshot=snapshot,
    )
    record.full_clean()
    record.save()
    return record


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
