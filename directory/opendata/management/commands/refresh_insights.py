from django.core.management.base import BaseCommand

from directory.opendata.insights_services import coverage_snapshots_refresh


class Command(BaseCommand):
    help = (
        "Count again the market coverage figures (/insights/) that are out of date and were asked "
        "for, and the unfiltered ones (run every few minutes from a timer)."
    )

    def handle(self, *args, **options):
        refresh = coverage_snapshots_refresh()
        self.stdout.write(
            f"Counted {refresh.counted}, already current {refresh.current}, "
            f"out of date but not asked for {refresh.left}, dropped {refresh.dropped}"
        )
