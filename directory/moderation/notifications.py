"""Emails about organisations: claim requests and their answers, moderation decisions and
freshness reminders; and commissioners' verification. (What waits for the moderators reaches
them in the hourly digest, services.moderation_digest_send.)"""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Membership
from accounts.selectors import moderator_emails
from directory.moderation.models import ClaimRequest


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _send(*, template: str, to: list[str], context: dict) -> None:
    subject = render_to_string(f"directory/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"directory/email/{template}.txt", context)
    send_mail(subject, body, None, to)


def claim_request_received_notify(*, claim_request: ClaimRequest) -> None:
    """Tell the organisation's admins; with none, it waits in the moderation queue."""
    admins = Membership.objects.admins().filter(organisation=claim_request.organisation)
    recipients = [membership.user.email for membership in admins.select_related("user")]
    if not recipients:
        return
    url = reverse("registration:claim_requests", kwargs={"org": claim_request.organisation.uuid})
    _send(
        template="claim_request_received",
        to=recipients,
        context={"claim_request": claim_request, "url": _absolute(url)},
    )


def claim_request_decided_notify(*, claim_request: ClaimRequest, reason: str = "") -> None:
    """Tell the person who asked what was decided, and why if the decider said."""
    _send(
        template="claim_request_decided",
        to=[claim_request.user.email],
        context={
            "claim_request": claim_request,
            "reason": reason,
            "url": _absolute(reverse("registration:start")),
        },
    )


def _admin_emails(organisation) -> list[str]:
    admins = Membership.objects.admins().filter(organisation=organisation).select_related("user")
    return [membership.user.email for membership in admins]


def submission_received_notify(*, organisation, user, with_message: bool = False) -> None:
    """Tell the person who sent a profile (or changes) for review that it arrived (with their
    message to the moderators, if they wrote one), and how long review takes."""
    _send(
        template="submission_received",
        to=[user.email],
        context={
            "organisation": organisation,
            "review_days": settings.MODERATION_OVERDUE_WORKING_DAYS,
            "with_message": with_message,
            "url": _absolute(reverse("registration:task_list", kwargs={"org": organisation.uuid})),
        },
    )


def moderation_decision_notify(*, decision) -> None:
    """Tell the organisation's admins what a moderator decided, and why; an approval links to
    the public profile, anything else to the pages where they change it."""
    recipients = _admin_emails(decision.organisation)
    if not recipients:
        return
    published = decision.action == "approve" and decision.organisation.is_published
    if published:
        url = decision.organisation.get_absolute_url()
    else:
        url = reverse("registration:task_list", kwargs={"org": decision.organisation.uuid})
    _send(
        template="moderation_decision",
        to=recipients,
        context={
            "decision": decision,
            "organisation": decision.organisation,
            "published": published,
            "url": _absolute(url),
        },
    )


def commissioner_decision_notify(*, decision, profile) -> None:
    """Tell a commissioner whether a moderator verified them, with the moderator's reason."""
    _send(
        template="commissioner_decision",
        to=[profile.user.email],
        context={
            "decision": decision,
            "profile": profile,
            "contact_email": settings.SERVICE_CONTACT_EMAIL,
            "url": _absolute(reverse("account")),
        },
    )


def shortlist_shared_notify(*, shortlist, email: str, role: str) -> None:
    """Tell the person a shortlist was shared with who shared it, what they can do and where
    to find it; the email reads the same whether or not the address has an account."""
    _send(
        template="shortlist_shared",
        to=[email],
        context={
            "shortlist": shortlist,
            "sharer": shortlist.owner.get_full_name(),
            "can_edit": role == "editor",
            "url": _absolute(shortlist.get_absolute_url()),
            "sign_up_url": _absolute(reverse("account_signup")),
        },
    )


def freshness_reminder_notify(*, organisation, stage: str) -> int:
    """Ask the organisation's admins to check their entry is still correct; `stage` says how
    far out of date it is (a reminder, or already flagged). Returns the emails sent (0 or 1)."""
    recipients = _admin_emails(organisation)
    if not recipients:
        return 0
    url = reverse("registration:task_list", kwargs={"org": organisation.uuid})
    _send(
        template="freshness_reminder",
        to=recipients,
        context={
            "organisation": organisation,
            "first": stage == organisation.Freshness.FIRST_REMINDER,
            "stage": stage,
            "url": _absolute(url),
        },
    )
    return 1


def moderators_notify(*, template: str, context: dict) -> int:
    """Email every moderator (one message); returns how many were sent to."""
    recipients = moderator_emails()
    if recipients:
        _send(
            template=template,
            to=recipients,
            context=context | {"url": _absolute(reverse("moderation:queue"))},
        )
    return len(recipients)
