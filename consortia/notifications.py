"""Emails about opportunities, expressions of interest and consortia."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from accounts.models import Membership


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def admin_emails(organisations) -> list[str]:
    """The addresses of the admins of the given organisations, each once."""
    admins = Membership.objects.admins().filter(organisation__in=organisations)
    return sorted(set(admins.values_list("user__email", flat=True)))


def send(*, template: str, to: list[str], context: dict) -> None:
    if not to:
        return
    context = {**context, "service_name": settings.SERVICE_NAME}
    if "path" in context:
        context["url"] = _absolute(context["path"])
    subject = render_to_string(f"consortia/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"consortia/email/{template}.txt", context)
    send_mail(subject, body, None, to)
