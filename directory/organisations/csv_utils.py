"""CSV downloads that are safe to open in a spreadsheet.

A text cell starting with =, +, -, @, tab or carriage return is read as a formula by Excel,
LibreOffice and Google Sheets ("CSV injection"), so such cells get a leading single quote.
Numbers (int, float, Decimal) pass unchanged: they cannot carry a formula, and a negative
amount must stay a number.
"""

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets guess the encoding without it and turn "£" into "Â£".
UTF8_BYTE_ORDER_MARK = "\ufeff"


def safe_csv_cell(value) -> str | int | float | Decimal:
    """A cell value that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The encoded CSV lines of a header and rows, every cell made safe."""
    writer = csv.writer(_Echo())
    yield UTF8_BYTE_ORDER_MARK
    yield writer.writerow([safe_csv_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_csv_cell(cell) for cell in row])


def csv_response(
    *, filename: str, header: Iterable, rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    """A streamed CSV download; `rows` may be a generator, so large exports stay small in memory."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
