from django.core.management.base import BaseCommand

from directory.search.search_alerts import search_alerts_send


class Command(BaseCommand):
    help = (
        "Email users the organisations and partnership opportunities newly matching their saved "
        "searches whose alerts are due (daily and weekly alike, one email per user). Run it "
        "once a day, from a timer."
    )

    def handle(self, *args, **options):
        sent = search_alerts_send()
        self.stdout.write(f"Sent {sent} alert email{'s' if sent != 1 else ''}")
