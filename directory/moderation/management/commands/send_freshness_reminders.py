"""Daily (from cron/systemd): remind admins of entries going stale, flag and hide stale ones."""

from django.core.management.base import BaseCommand

from directory.moderation.services import freshness_update


class Command(BaseCommand):
    help = (
        "Email admins of entries last verified 11 and 12 months ago, mark entries unverified "
        "for 13 months as possibly out of date and leave those unverified for 18 months out of "
        "default search (intervals: the FRESHNESS_*_MONTHS settings). Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        moved = freshness_update()
        emails = moved.pop("emails")
        stages = ", ".join(f"{stage}: {count}" for stage, count in moved.items() if count)
        self.stdout.write(f"Entries moved on: {stages or 'none'}. Reminder emails sent: {emails}")
