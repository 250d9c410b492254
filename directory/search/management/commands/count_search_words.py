from django.core.management.base import BaseCommand

from directory.search.search_index import count_search_words


class Command(BaseCommand):
    help = (
        "Count afresh the words that misspelt search words are corrected from (PostgreSQL: "
        "directory_search_word; SQLite reads them when asked). Run it every 10 minutes, from a "
        "timer: words added since the last count are offered as corrections already."
    )

    def handle(self, *args, **options):
        counted = count_search_words()
        self.stdout.write(f"Counted {counted} word{'s' if counted != 1 else ''}")
