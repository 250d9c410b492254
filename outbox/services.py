"""Keeping and delivering outgoing email (see OutgoingEmail)."""

import base64
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.mime.base import MIMEBase
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

# A failed message is tried again after 5, 10, 20... minutes (at most 6 hours apart), and
# given up after MAX_ATTEMPTS, about two days of trying.
FIRST_RETRY = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=6)
MAX_ATTEMPTS = 12
# How long a process may take to hand one batch of messages to the mail server.
CLAIM = timedelta(minutes=10)


def serialise(message: EmailMessage) -> dict:
    """Everything needed to send the message again, as JSON."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [content, mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": [_attachment(attachment) for attachment in message.attachments],
    }


def _attachment(attachment) -> list:
    if isinstance(attachment, MIMEBase):
        filename = attachment.get_filename()
        content, mimetype = attachment.get_payload(decode=True), attachment.get_content_type()
    else:
        filename, content, mimetype = attachment
    if isinstance(content, str):
        content = content.encode()
    return [filename, base64.b64encode(content).decode("ascii"), mimetype]


def deserialise(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(alternative) for alternative in data["alternatives"]],
    )
    message.content_subtype = data["content_subtype"]
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


def emails_keep(*, messages: list[EmailMessage]) -> list[int]:
    """Store messages to be delivered (in the caller's transaction); their ids."""
    kept = OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                subject=str(message.subject)[:998],
                recipients=", ".join(message.recipients()),
                message=serialise(message),
            )
            for message in messages
        ]
    )
    return [email.pk for email in kept]


@dataclass
class Delivery:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0


def _claim(pk: int, now) -> bool:
    return bool(OutgoingEmail.objects.due(now).filter(pk=pk).update(claimed_until=now + CLAIM))


def emails_deliver(*, ids: list[int] | None = None) -> Delivery:
    """Send the given waiting emails (all that are due when None); delete each one delivered,
    and put each failure off for a later attempt, giving up after MAX_ATTEMPTS."""
    now = timezone.now()
    due = OutgoingEmail.objects.due(now)
    candidates = list(due.filter(pk__in=ids) if ids is not None else due)
    claimed = [email for email in candidates if _claim(email.pk, now)]
    delivery = Delivery()
    if not claimed:
        return delivery
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    try:
        connection.open()
    except Exception as error:  # whatever stops the mail server: try again later
        for email in claimed:
            _failed(email, error, now, delivery)
        return delivery
    try:
        for email in claimed:
            try:
                connection.send_messages([deserialise(email.message)])
            except Exception as error:  # one bad message must not stop the rest
                _failed(email, error, now, delivery)
            else:
                email.delete()
                delivery.delivered += 1
    finally:
        connection.close()
    return delivery


def _failed(email: OutgoingEmail, error: Exception, now, delivery: Delivery) -> None:
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    email.claimed_until = None
    email.next_attempt_at = now + min(FIRST_RETRY * 2 ** (email.attempts - 1), LONGEST_WAIT)
    if email.attempts >= MAX_ATTEMPTS:
        email.status = OutgoingEmail.Status.FAILED
        delivery.given_up += 1
        logger.error(
            "Gave up sending email %s (“%s”) after %s attempts: %s",
            email.pk,
            email.subject,
            email.attempts,
            email.last_error,
        )
    else:
        delivery.failed += 1
        logger.warning(
            "Could not send email %s (“%s”), will try again at %s: %s",
            email.pk,
            email.subject,
            email.next_attempt_at,
            email.last_error,
        )
    email.save(
        update_fields=["attempts", "last_error", "claimed_until", "next_attempt_at", "status"]
    )


@transaction.atomic
def emails_retry(*, ids: list[int]) -> int:
    """Try given-up emails again from the start; how many."""
    return OutgoingEmail.objects.filter(pk__in=ids).update(
        status=OutgoingEmail.Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claimed_until=None,
    )


@transaction.atomic
def emails_withhold(*, addresses: set[str]) -> int:
    """Take the addresses off every email not yet sent; emails left with nobody to send to,
    written on behalf of one of them (replies go to them), or about one of them (the address
    in the subject or the text, as in a request to join sent to the moderators) are deleted.
    How many were."""
    wanted = {address.lower() for address in addresses}
    if not wanted:
        return 0
    mentions = Q()
    for address in wanted:
        mentions |= (
            Q(recipients__icontains=address)
            | Q(message__reply_to__icontains=address)
            | Q(message__subject__icontains=address)
            | Q(message__body__icontains=address)
        )
    deleted = 0
    for email in OutgoingEmail.objects.select_for_update().filter(mentions):
        data = email.message
        text = f"{data['subject']}\n{data['body']}".lower()
        if _addressed_to(data["reply_to"], wanted) or any(address in text for address in wanted):
            email.delete()
            deleted += 1
            continue
        for field in ("to", "cc", "bcc"):
            data[field] = [each for each in data[field] if not _addressed_to([each], wanted)]
        if not (data["to"] or data["cc"] or data["bcc"]):
            email.delete()
            deleted += 1
            continue
        email.recipients = ", ".join(data["to"] + data["cc"] + data["bcc"])
        email.save(update_fields=["message", "recipients"])
    return deleted


def _addressed_to(entries: list[str], addresses: set[str]) -> bool:
    return any(parseaddr(entry)[1].lower() in addresses for entry in entries)
