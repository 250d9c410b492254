from django.conf import settings

from directory.moderation.selectors import waiting_count


def service(request):
    """The service's name and contact address, for every template."""
    return {
        "service_name": settings.SERVICE_NAME,
        "service_contact_email": settings.SERVICE_CONTACT_EMAIL,
    }


def moderation(request):
    """For moderators, how many items wait for a decision (counted only if a page shows it);
    None for everyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_moderator:
        return {"moderation_waiting": None}
    return {"moderation_waiting": waiting_count}
