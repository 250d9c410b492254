from django.core.management.base import BaseCommand

from directory.models import SavedSearch
from directory.search_alerts import search_alerts_send


class Command(BaseCommand):
    help = (
        "Email users the organisations and partnership opportunities newly matching their saved "
        "searches (run from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            required=True,
            choices=[SavedSearch.AlertFrequency.DAILY, SavedSearch.AlertFrequency.WEEKLY],
        )

    def handle(self, *args, frequency, **options):
        sent = search_alerts_send(frequency=frequency)
        self.stdout.write(f"Sent {sent} alert email{'s' if sent != 1 else ''}")
