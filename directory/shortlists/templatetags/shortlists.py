from django import template

from accounts.models import Membership
from directory.shortlists.forms import SHORTLIST_CHANGE_SESSION_KEY
from directory.shortlists.models import Shortlist

register = template.Library()


@register.simple_tag(takes_context=True)
def editable_shortlists(context) -> list[Shortlist]:
    """The shortlists the signed-in user can add to (one query), for "Add to shortlist"."""
    user = context["request"].user
    shortlists = Shortlist.objects.editable_by(user).order_by("name", "id")
    return list(shortlists.only("pk", "name", "updated_at"))


@register.simple_tag
def most_recently_changed(shortlists: list[Shortlist]) -> Shortlist | None:
    """The shortlist the user was working on last: what "Add to shortlist" and "Record this
    search" choose unless told otherwise."""
    return max(shortlists, key=lambda shortlist: (shortlist.updated_at, shortlist.pk), default=None)


@register.simple_tag(takes_context=True)
def shortlist_change(context) -> dict | None:
    """What "Add to shortlist" or its undo has just done, to say once beside the result."""
    return context["request"].session.pop(SHORTLIST_CHANGE_SESSION_KEY, None)


@register.simple_tag(takes_context=True)
def administers(context, organisation) -> bool:
    """Whether the signed-in user is an admin of the organisation (or a moderator)."""
    user = context["request"].user
    if not user.is_authenticated:
        return False
    return user.is_moderator or (
        Membership.objects.admins().filter(organisation=organisation, user=user).exists()
    )
