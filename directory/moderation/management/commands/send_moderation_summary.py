"""Daily (from cron/systemd): email the moderators what has waited over 5 working days."""

from django.core.management.base import BaseCommand

from directory.moderation.services import moderation_summary_send


class Command(BaseCommand):
    help = (
        "Email the moderators a summary of the items waiting more than "
        "MODERATION_OVERDUE_WORKING_DAYS working days, once a day. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        sent = moderation_summary_send()
        self.stdout.write(f"Long-waiting items emailed to the moderators: {sent}")
