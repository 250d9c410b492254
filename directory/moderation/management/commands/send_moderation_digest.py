"""Every few minutes (from cron/systemd): email the moderators what has arrived, hourly at most."""

from django.core.management.base import BaseCommand

from directory.moderation.services import moderation_digest_send


class Command(BaseCommand):
    help = (
        "Email the moderators one digest of the items that arrived for a decision since the "
        "last digest, at most once an hour. Safe to run as often as you like."
    )

    def handle(self, *args, **options):
        sent = moderation_digest_send()
        self.stdout.write(f"New items emailed to the moderators: {sent}")
