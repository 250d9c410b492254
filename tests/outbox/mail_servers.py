"""Stand-ins for the mail server (settings.EMAIL_DELIVERY_BACKEND) in fault tests."""

import os
import smtplib
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class DownMailServer(BaseEmailBackend):
    """Refuses every connection, as an unreachable SMTP server does."""

    def open(self):
        raise smtplib.SMTPConnectError(421, "Service not available")

    def send_messages(self, email_messages):
        self.open()


class RejectingMailServer(BaseEmailBackend):
    """Connects, then refuses each message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPDataError(451, "Temporary local problem, try again later")


class FolderMailServer(BaseEmailBackend):
    """Writes each message to a file in $MAIL_FOLDER; hangs, as a stalled server does, on the
    message numbered $HANG_ON_MESSAGE (after writing a `hanging` marker file), so that a test
    can kill the process in the middle of sending."""

    def send_messages(self, email_messages):
        folder = Path(os.environ["MAIL_FOLDER"])
        for message in email_messages:
            number = len(list(folder.glob("*.eml"))) + 1
            if number == int(os.environ.get("HANG_ON_MESSAGE", "0")):
                (folder / "hanging").touch()
                time.sleep(600)
            (folder / f"{number:03d}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)
