"""Reads about an organisation's members and invitations."""

from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Invitation, Membership, User

from .models import Organisation


def organisation_editable_by(*, user: User, uuid: UUID) -> Organisation:
    """An organisation whose profile the user may edit (a member, or a moderator), read from the
    current memberships on each call; anyone else's, or an archived one, is 404."""
    return get_object_or_404(Organisation.objects.editable_by(user), uuid=uuid)


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
