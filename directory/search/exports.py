"""Streamed JSON rendering of search results, and the words of CSV headings (CSV:
directory.organisations.csv_utils)."""

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


# Headings that the plain rule (underscores to spaces, first letter capital) gets wrong.
HEADING_WORDS = {
    "profile_url": "Profile web address",
    "email": "Email address",
    "phone": "Phone number",
    "highest_nesta_level": "Highest Nesta level",
    "justice_data_lab_results": "Justice Data Lab results",
    "distance_miles": "Distance in miles",
}


def column_headings(columns: Iterable[str]) -> list[str]:
    """Column names as words for a spreadsheet reader: "charity_number" -> "Charity number".
    Only for downloads that people open; the open data and the import template keep the
    machine names, which programs and their documentation rely on."""
    return [HEADING_WORDS.get(column, column.replace("_", " ").capitalize()) for column in columns]
