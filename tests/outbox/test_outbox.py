"""The outbox: every email is kept in the sending action's transaction, delivered once that
commits, and retried until the mail server takes it; a failure never undoes the action."""

import logging
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMultiAlternatives, send_mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.settings import base
from outbox import services
from outbox.models import OutgoingEmail
from tests.accounts.helpers import activate_totp

pytestmark = pytest.mark.django_db
DOWN = "tests.outbox.mail_servers.DownMailServer"
REJECTING = "tests.outbox.mail_servers.RejectingMailServer"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def outbox_backend(settings):
    """The site's real email backend (Django's test set-up swaps in locmem)."""
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    return settings


def staff_user():
    user = get_user_model().objects.create_superuser(
        email="staff@example.org", password="a-long-admin-password"
    )
    activate_totp(user)
    return user


def send_one(subject: str = "Your organisation was approved") -> None:
    send_mail(subject, "Body", None, ["admin@example.org"])


def time_passes(hours: int = 7) -> None:
    """Every waiting email becomes due, as it would after that long."""
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(hours=hours))


def queued() -> str:
    """Run the timer's command; its output."""
    out = StringIO()
    call_command("send_queued_emails", stdout=out)
    return out.getvalue()


def test_the_site_sends_email_through_the_outbox():
    assert base.EMAIL_BACKEND == "outbox.backends.DurableEmailBackend"
    assert base.EMAIL_DELIVERY_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


def test_an_email_is_delivered_when_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        send_one()
        # Kept, not sent, until the action is committed.
        assert mail.outbox == []
        assert OutgoingEmail.objects.count() == 1

    assert [m.subject for m in mail.outbox] == ["Your organisation was approved"]
    assert not OutgoingEmail.objects.exists()


def test_an_action_that_rolls_back_sends_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_one()
        raise RuntimeError("the action failed")

    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("server", [DOWN, REJECTING], ids=["server down", "message refused"])
def test_a_failed_send_is_kept_and_sent_later(
    settings, django_capture_on_commit_callbacks, caplog, server
):
    settings.EMAIL_DELIVERY_BACKEND = server
    with django_capture_on_commit_callbacks(execute=True):
        assert send_mail("Approved", "Body", None, ["admin@example.org"]) == 1

    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
    assert "SMTP" in email.last_error
    assert email.next_attempt_at > timezone.now()
    assert "Could not send email" in caplog.text
    # Not due yet: the timer leaves it until its next attempt.
    assert "Sent 0" in queued()

    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    time_passes()
    output = queued()

    assert "Sent 1, failed again 0, still waiting 0" in output
    assert [m.subject for m in mail.outbox] == ["Approved"]
    assert not OutgoingEmail.objects.exists()
    # Nothing is sent twice.
    queued()
    assert len(mail.outbox) == 1


def test_retries_back_off_and_then_give_up_and_say_so(settings, caplog):
    settings.EMAIL_DELIVERY_BACKEND = DOWN
    services.emails_keep(messages=[mail.EmailMessage("Alert", "Body", None, ["a@example.org"])])
    waits = []
    for _ in range(services.MAX_ATTEMPTS - 1):
        time_passes(hours=24)
        before = timezone.now()
        queued()
        waits.append(OutgoingEmail.objects.get().next_attempt_at - before)
    # Minutes until the next attempt: doubling from five, at most six hours.
    assert [round(wait.total_seconds() / 60) for wait in waits] == [
        5, 10, 20, 40, 80, 160, 320, 360, 360, 360, 360,
    ]  # fmt: skip

    time_passes(hours=24)
    with caplog.at_level(logging.ERROR), pytest.raises(CommandError, match="1 email could not"):
        queued()

    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == services.MAX_ATTEMPTS
    assert "Gave up sending email" in caplog.text
    # Given up: never tried again on its own...
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    time_passes(hours=24)
    with pytest.raises(CommandError):
        queued()
    assert mail.outbox == []

    # ...until someone tries it again from the admin, once the cause is fixed.
    client = Client()
    client.force_login(staff_user())
    response = client.post(
        reverse("admin:outbox_outgoingemail_changelist"),
        {"action": "try_again", "_selected_action": [email.pk]},
    )
    assert response.status_code == 302
    assert "Sent 1" in queued()
    assert [m.subject for m in mail.outbox] == ["Alert"]


def test_an_email_being_sent_by_another_process_is_not_sent_again():
    [pk] = services.emails_keep(messages=[mail.EmailMessage("Alert", "Body", None, ["a@x.org"])])
    assert services._claim(pk, timezone.now())

    assert services.emails_deliver().delivered == 0
    assert mail.outbox == []


def test_a_message_is_sent_exactly_as_it_was_written(django_capture_on_commit_callbacks):
    message = EmailMultiAlternatives(
        "Invitation",
        "Plain text",
        "Sender <sender@example.org>",
        ["to@example.org"],
        cc=["cc@example.org"],
        bcc=["bcc@example.org"],
        reply_to=["reply@example.org"],
        headers={"X-Campaign": "invitations"},
    )
    message.attach_alternative("<p>HTML</p>", "text/html")
    message.attach("list.csv", "name\nAnchor\n", "text/csv")

    with django_capture_on_commit_callbacks(execute=True):
        message.send()

    [sent] = mail.outbox
    for attribute in ("subject", "body", "from_email", "to", "cc", "bcc", "reply_to"):
        assert getattr(sent, attribute) == getattr(message, attribute)
    assert sent.extra_headers == {"X-Campaign": "invitations"}
    assert sent.alternatives[0][:2] == ("<p>HTML</p>", "text/html")
    assert sent.attachments[0][:3] == ("list.csv", "name\nAnchor\n", "text/csv")


def test_the_admin_lists_waiting_emails_for_staff(client):
    services.emails_keep(messages=[mail.EmailMessage("Alert", "Body", None, ["a@example.org"])])
    client.force_login(staff_user())

    response = client.get(reverse("admin:outbox_outgoingemail_changelist"))

    assert response.status_code == 200
    assert "a@example.org" in response.content.decode()
