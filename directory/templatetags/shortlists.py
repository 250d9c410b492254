from django import template

from directory.models import Shortlist

register = template.Library()


@register.simple_tag(takes_context=True)
def editable_shortlists(context) -> list[Shortlist]:
    """The shortlists the signed-in user can add to (one query), for "Add to shortlist"."""
    user = context["request"].user
    return list(Shortlist.objects.editable_by(user).order_by("name", "id").only("pk", "name"))
