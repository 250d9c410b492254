"""Import throughput and memory, against an empty PostgreSQL database:

    scripts/with-postgres.sh .venv/bin/python scripts/bench_import.py

Migrates the database, loads the taxonomies, writes a CSV of BENCH_IMPORT_ROWS (default
10,000) new organisations, each with a service and every list column filled, into a temporary
folder, then times `import_organisations` (in this process) three ways: a dry run, the import,
and the same file again (every row unchanged); BENCH_IMPORT_RUNS picks some of them
("dry-run,import,again"). Prints rows per second for each, the process's peak resident memory
after each (it only grows, so each figure is the peak so far) and checks the outcome.
"""

import csv
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
RUNS = os.environ.get("BENCH_IMPORT_RUNS", "dry-run,import,again").split(",")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from directory.moderation.importer import COLUMNS, TAXONOMY_COLUMNS  # noqa: E402
from directory.organisations.models import Organisation, Service  # noqa: E402

POSTCODES = ["M1 1AE", "LS1 1AA", "CF10 1AA", "B1 1AA", "NE1 1AA", "SW1A 1AA"]


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def slugs(model) -> list[str]:
    return list(model.objects.order_by("slug").values_list("slug", flat=True))


def write_csv(path: Path, rows: int) -> None:
    """Every row a new organisation with one service, lists of two or three terms each."""
    terms = {column: slugs(model) for column, (model, _label, _many) in TAXONOMY_COLUMNS.items()}

    def pick(column: str, n: int, count: int) -> str:
        values = terms[column]
        return ";".join(values[(n + i * 7) % len(values)] for i in range(count))

    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        for n in range(rows):
            writer.writerow(
                {
                    "name": f"Benchmark Rehabilitation Trust {n:06d}",
                    "charity_number": str(1_000_000 + n),
                    "year_founded": str(1950 + n % 70),
                    "summary": "Mentoring, housing advice and employment support.",
                    "description": "We work with people in prison and after release. " * 5,
                    "website": f"https://trust{n}.example.org",
                    "email": f"hello{n}@example.org",
                    "phone": "0161 496 0000",
                    "address_line_1": f"{n % 300 + 1} High Street",
                    "town": "Manchester",
                    "postcode": POSTCODES[n % len(POSTCODES)],
                    "staff_count": str(n % 50),
                    "volunteer_count": str(n % 120),
                    "people_supported_per_year": str(100 + n % 900),
                    "legal_form": pick("legal_form", n, 1),
                    "income_band": pick("income_band", n, 1),
                    "partnership_roles": pick("partnership_roles", n, 2),
                    "quality_marks": pick("quality_marks", n, 1),
                    "lived_experience_led": "yes" if n % 3 == 0 else "no",
                    "open_to_partnership": "yes",
                    "service_name": "Through the gate support",
                    "service_description": "A worker meets each person on release.",
                    "eligibility": "Adults leaving prison",
                    "largest_contract_value": str(50_000 + n),
                    "pathways": pick("pathways", n, 2),
                    "client_groups": pick("client_groups", n, 2),
                    "settings": pick("settings", n, 2),
                    "regions": pick("regions", n, 2),
                    "accepting_referrals": "yes",
                }
            )


def peak_memory_mb() -> float:
    """The process's peak resident memory so far (Linux reports it in kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(path: Path, *args: str) -> tuple[float, str]:
    out = io.StringIO()
    start = time.perf_counter()
    call_command("import_organisations", str(path), *args, stdout=out, stderr=io.StringIO())
    return time.perf_counter() - start, out.getvalue()


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_taxonomies", verbosity=0)
    if Organisation.objects.exists():
        sys.exit("The database already has organisations: run this against an empty one")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "organisations.csv"
        write_csv(path, ROWS)
        size = path.stat().st_size / 1024 / 1024
        say(
            f"{ROWS:,} rows ({size:.1f} MB), database: {django.db.connection.vendor}; "
            f"peak memory before importing: {peak_memory_mb():.0f} MB"
        )
        for run, label, args, expected in [
            ("dry-run", "dry run", ["--dry-run"], f"Created: {ROWS:,}"),
            ("import", "import", [], f"Created: {ROWS:,}"),
            ("again", "same file again", [], f"Unchanged: {ROWS:,}"),
        ]:
            if run not in RUNS:
                continue
            seconds, output = timed_import(path, *args)
            if expected not in output or "Rejected: 0" not in output:
                sys.exit(f"Unexpected outcome of the {label}:\n{output}")
            say(
                f"{label}: {seconds:.1f} s, {ROWS / seconds:,.0f} rows/s, "
                f"peak memory so far {peak_memory_mb():.0f} MB"
            )
    history = Organisation.history.count(), Service.history.count()
    say(
        f"{Organisation.objects.count():,} organisations, {Service.objects.count():,} services; "
        f"history records: {history[0]:,} organisation, {history[1]:,} service"
    )


if __name__ == "__main__":
    main()
