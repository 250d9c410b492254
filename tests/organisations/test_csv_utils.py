from decimal import Decimal

import pytest

from directory.organisations.csv_utils import csv_lines, csv_response, safe_csv_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+44 161 000 0000", "'+44 161 000 0000"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tHidden", "'\tHidden"),
        ("\rHidden", "'\rHidden"),
        ("Harbour Women's Centre", "Harbour Women's Centre"),
        ("a=b", "a=b"),
        (None, ""),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_quoted(value, written):
    assert safe_csv_cell(value) == written


@pytest.mark.parametrize("number", [-12, Decimal("-1234.50"), -0.5, 0, 42])
def test_numbers_stay_numbers(number):
    assert safe_csv_cell(number) == number


def test_csv_lines_escape_every_cell_and_start_with_a_byte_order_mark():
    lines = list(csv_lines(["Name", "Amount"], [["=1+1", Decimal("-3.50")]]))
    assert lines == ["\ufeff", "Name,Amount\r\n", "'=1+1,-3.50\r\n"]


def test_csv_response_is_a_download():
    response = csv_response(filename="export.csv", header=["A"], rows=iter([["@x"]]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="export.csv"'
    assert b"".join(response.streaming_content).decode("utf-8-sig") == "A\r\n'@x\r\n"
