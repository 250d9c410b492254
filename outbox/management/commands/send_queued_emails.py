from django.core.management.base import BaseCommand, CommandError

from outbox.models import OutgoingEmail
from outbox.services import emails_deliver


class Command(BaseCommand):
    help = "Send the emails that could not be sent yet (run every few minutes from a timer)."

    def handle(self, *args, **options):
        delivery = emails_deliver()
        waiting = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count()
        self.stdout.write(
            f"Sent {delivery.delivered}, failed again {delivery.failed}, still waiting {waiting}"
        )
        given_up = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED).count()
        if given_up:
            raise CommandError(
                f"{given_up} email{'s' if given_up != 1 else ''} could not be sent after "
                "repeated attempts: see Outgoing email in the admin, fix the cause, and try "
                "them again there"
            )
