from django.core.management.base import BaseCommand

from directory.opendata.open_data import open_data_export


class Command(BaseCommand):
    help = "Write the open data downloads (CSV, JSON, metadata) into settings.OPEN_DATA_ROOT."

    def handle(self, *args, **options):
        metadata = open_data_export()
        self.stdout.write(
            f"Wrote {metadata['organisations']:,} organisations at {metadata['generated_at']}"
        )
