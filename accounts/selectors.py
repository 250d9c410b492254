"""Reads about people and their organisations."""

from allauth.account.models import EmailAddress
from django.db.models import Q

from .models import MODERATORS_GROUP, Invitation, PublicSectorDomain, User


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
