"""The email backend of the site (settings.EMAIL_BACKEND).

Every message is first kept in the outbox, in the transaction of whatever is sending it, and
handed to the real backend (settings.EMAIL_DELIVERY_BACKEND) once that transaction commits. So
a mail server that is down never undoes or loses the action (a decision, an invitation, a
message, an alert): the email waits and `send_queued_emails` retries it. An action that rolls
back takes its email with it, and nothing is sent about something that did not happen.
"""

from functools import partial

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from . import services


class DurableEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        messages = list(email_messages)
        if not messages:
            return 0
        ids = services.emails_keep(messages=messages)
        # robust: an error while delivering is logged, never raised into the committed action.
        transaction.on_commit(partial(services.emails_deliver, ids=ids), robust=True)
        return len(messages)
