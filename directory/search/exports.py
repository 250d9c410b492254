"""Streamed JSON rendering of search results (CSV: directory.organisations.csv_utils)."""

import json
from collections.abc import Iterable, Iterator

from django.core.serializers.json import DjangoJSONEncoder


def json_chunks(rows: Iterable[dict]) -> Iterator[str]:
    """A JSON array, one element at a time."""
    yield "["
    separator = ""
    for row in rows:
        yield separator + json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
        separator = ",\n"
    yield "]\n"


def yes_no(value):
    """Booleans as the words a spreadsheet reader expects; anything else unchanged."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
