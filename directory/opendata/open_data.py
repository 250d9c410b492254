"""The open data downloads: the whole published directory as CSV and JSON, written to files.

`export_open_data` (nightly) writes them into settings.OPEN_DATA_ROOT, so a download is a file
read and never a query. Each file is written under a temporary name and renamed into place, so
a download in progress during a rebuild always gets a complete file (old or new).
"""

import json
import os
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import tee, zip_longest
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import QueryDict
from django.utils import timezone

from directory.organisations.csv_utils import csv_lines
from directory.search import exports
from directory.search.filters import OrganisationFilterSet
from directory.search.selectors import EXPORT_COLUMNS, organisation_export_rows

# The search export's columns, less the one that only means something for a postcode search.
COLUMNS = tuple(column for column in EXPORT_COLUMNS if column != "distance_miles")
METADATA_FILE = "metadata.json"


@dataclass(frozen=True)
class DownloadFile:
    name: str
    label: str
    content_type: str


DOWNLOADS = {
    "csv": DownloadFile("organisations.csv", "CSV", "text/csv; charset=utf-8"),
    "json": DownloadFile("organisations.json", "JSON", "application/json"),
}


def _rows():
    for row in organisation_export_rows(filterset=OrganisationFilterSet(QueryDict())):
        yield {column: row[column] for column in COLUMNS}


@contextmanager
def _atomic_text_file(path: Path):
    """A text file written under a temporary name and renamed to `path` only when complete."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            yield file
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def open_data_export(*, root: Path | None = None) -> dict:
    """Write the CSV, the JSON and their metadata from one pass over the data; return it."""
    root = Path(root or settings.OPEN_DATA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    generated_at = timezone.now()
    counted = Counter()

    def rows():
        for row in _rows():
            counted["rows"] += 1
            yield row

    # Both writers take rows in step, so tee holds only a row or two.
    for_csv, for_json = tee(rows())
    csv_chunks = csv_lines(
        COLUMNS, ([exports.yes_no(row[column]) for column in COLUMNS] for row in for_csv)
    )
    json_chunks = exports.json_chunks(for_json)
    csv_path, json_path = root / DOWNLOADS["csv"].name, root / DOWNLOADS["json"].name
    with _atomic_text_file(csv_path) as csv_file, _atomic_text_file(json_path) as json_file:
        for csv_chunk, json_chunk in zip_longest(csv_chunks, json_chunks):
            if csv_chunk is not None:
                csv_file.write(csv_chunk)
            if json_chunk is not None:
                json_file.write(json_chunk)
    metadata = {
        "generated_at": generated_at.isoformat(),
        "organisations": counted["rows"],
        "columns": list(COLUMNS),
        "files": {
            path.name: {"bytes": path.stat().st_size, "rows": counted["rows"]}
            for path in (csv_path, json_path)
        },
    }
    with _atomic_text_file(root / METADATA_FILE) as file:
        json.dump(metadata, file, cls=DjangoJSONEncoder, indent=2)
    return metadata


def open_data_metadata() -> dict | None:
    """The metadata of the last export, with `generated_at` as a datetime; None before any."""
    try:
        metadata = json.loads((Path(settings.OPEN_DATA_ROOT) / METADATA_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None
    metadata["generated_at"] = datetime.fromisoformat(metadata["generated_at"])
    return metadata


def open_data_path(kind: str) -> Path | None:
    """The file of a download kind ("csv" or "json"), if it has been generated."""
    download = DOWNLOADS.get(kind)
    if download is None:
        return None
    path = Path(settings.OPEN_DATA_ROOT) / download.name
    return path if path.is_file() else None
