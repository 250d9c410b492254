"""Reads about people and their organisations."""

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from directory.organisations.models import Organisation

from .models import MODERATORS_GROUP, Invitation, Membership, PublicSectorDomain, User


def email_is_public_sector(email: str) -> bool:
    """Whether an email address is at an allowed public-sector domain (or its subdomain)."""
    _, _, domain = email.strip().lower().rpartition("@")
    if not domain:
        return False
    return any(entry.matches(domain) for entry in PublicSectorDomain.objects.all())


def moderator_emails() -> list[str]:
    """The addresses of the active moderators (the Moderators group, and superusers)."""
    moderators = User.objects.filter(
        Q(groups__name=MODERATORS_GROUP) | Q(is_superuser=True), is_active=True
    )
    return sorted(set(moderators.values_list("email", flat=True)))


def organisation_managed_by(*, user: User, slug: str) -> Organisation:
    """An organisation whose members the user may manage (its admins, moderators), else 404."""
    organisations = Organisation.objects.exclude(status=Organisation.Status.ARCHIVED)
    if not user.is_moderator:
        organisations = organisations.filter(
            memberships__user=user, memberships__role=Membership.Role.ADMIN
        )
    return get_object_or_404(organisations, slug=slug)


def organisation_members(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by(
        "user__full_name", "user__email"
    )


def organisation_open_invitations(*, organisation: Organisation) -> QuerySet[Invitation]:
    return organisation.invitations.open().order_by("email")


def invitation_refusal(*, invitation: Invitation, user: User) -> str | None:
    """Why this user may not accept this invitation, or None if they may."""
    if not invitation.is_open:
        return "This invitation has already been used or was withdrawn"
    if invitation.is_expired:
        return "This invitation has expired. Ask the organisation's admin to invite you again"
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        return (
            "This invitation was sent to a different email address. "
            "Sign in with the address the invitation was sent to"
        )
    return None
