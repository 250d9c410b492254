"""Readers of the public registers' bulk files, as their publishers ship them (docs/import.md
says where each is downloaded). Each reads its file a line at a time and yields one
RegisterRecord a charity, company or society, numbers in the directory's stored form."""

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from directory.organisations import validators

POSTCODE_AT_END = re.compile(r"[,\s]*([A-Z]{1,2}[0-9][0-9A-Z]?\s*[0-9][A-Z]{2})\s*$", re.IGNORECASE)


class RegisterFileError(Exception):
    """The file is not the register's bulk file (a column the reader needs is missing)."""


@dataclass
class RegisterRecord:
    number: str
    name: str
    address_line_1: str = ""
    address_line_2: str = ""
    town: str = ""
    postcode: str = ""
    company_number: str = ""
    website: str = ""
    legal_form: str = ""
    activities: str = ""
    status: str = ""
    latest_income: int | None = None
    registered_on: date | None = None
    removed_on: date | None = None
    is_removed: bool = False


# --- Reading lines, cells and values ------------------------------------------------------


def _lines(binary: BinaryIO) -> Iterator[str]:
    """The file's lines as text: UTF-8 (with or without a byte order mark), or Windows-1252
    line by line where a publisher's export is not UTF-8."""
    first = True
    for raw in binary:
        if first:
            raw, first = raw.removeprefix(codecs.BOM_UTF8), False
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("cp1252", errors="replace")
        yield validators.without_control_characters(line)


def _rows(binary: BinaryIO, required: Iterable[str], **dialect) -> Iterator[dict[str, str]]:
    """Rows as {column: stripped cell}; header names are stripped (Companies House writes
    " CompanyNumber")."""
    reader = csv.reader(_lines(binary), **dialect)
    header = [name.strip() for name in next(reader, [])]
    if missing := [name for name in required if name not in header]:
        raise RegisterFileError(
            "This is not the register's file: it has no column "
            + ", ".join(f"“{name}”" for name in missing)
        )
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield {name: cell.strip() for name, cell in zip(header, cells, strict=False)}


def _json_objects(binary: BinaryIO, chunk_size: int = 1 << 16) -> Iterator[dict]:
    """The objects of a JSON array, decoded one at a time (the register's JSON is hundreds of
    megabytes, often on one line: it is read in chunks and never held whole)."""
    decoder, text, started = json.JSONDecoder(), "", False
    incremental = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    while chunk := binary.read(chunk_size):
        text += incremental.decode(chunk)
        while True:
            text = text.lstrip(" \t\r\n,")
            if not started:
                if not text:
                    break
                if not text.startswith("["):
                    raise RegisterFileError("This is not the register's JSON file")
                text, started = text[1:], True
                continue
            if not text or text.startswith("]"):
                break
            try:
                value, end = decoder.raw_decode(text)
            except json.JSONDecodeError:
                break  # the object goes on in the next chunk
            text = text[end:]
            yield value


def parse_date(value) -> date | None:
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text[:19], pattern).date()
        except ValueError:
            continue
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def parse_amount(value) -> int | None:
    text = re.sub(r"[£,\s]", "", str(value or ""))
    try:
        return round(float(text))
    except ValueError:
        return None


def split_address(parts: list[str], postcode: str = "") -> dict[str, str]:
    """A RegisterRecord's address fields from address lines, the postcode found at the end of
    the last one when not given apart."""
    parts = [part.strip() for part in parts if part and part.strip()]
    if not postcode and parts and (match := POSTCODE_AT_END.search(parts[-1])):
        postcode = match.group(1)
        parts[-1] = parts[-1][: match.start()].strip(" ,")
        parts = [part for part in parts if part]
    line_1 = parts[0] if parts else ""
    town = parts[-1] if len(parts) > 1 else ""
    line_2 = ", ".join(parts[1:-1])
    return {
        "address_line_1": line_1[:200],
        "address_line_2": line_2[:200],
        "town": town[:100],
        "postcode": _postcode(postcode),
    }


def _postcode(value: str) -> str:
    postcode = validators.normalise_postcode(value or "")
    return postcode if validators.POSTCODE_RE.match(postcode) else ""


def _number(normalise: Callable[[str], str], value: str) -> str:
    value = (value or "").strip()
    return normalise(value) if value and value.strip("0") else ""


# --- The publishers' files ----------------------------------------------------------------


def read_ccew(binary: BinaryIO, *, json_file: bool = False) -> Iterator[RegisterRecord]:
    """The Charity Commission's register extract, `publicextract.charity` (tab-separated .txt
    or .json): one row per charity, linked charities with their own linked_charity_number."""
    required = ("registered_charity_number", "linked_charity_number", "charity_name")
    if json_file:
        rows = _json_objects(binary)
    else:
        rows = _rows(binary, required, delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        row = {
            key: "" if value is None else validators.without_control_characters(str(value)).strip()
            for key, value in row.items()
        }
        linked = row.get("linked_charity_number") or "0"
        number = row["registered_charity_number"] + ("" if linked == "0" else f"-{linked}")
        address = split_address(
            [row.get(f"charity_contact_address{n}", "") for n in range(1, 6)],
            row.get("charity_contact_postcode", ""),
        )
        status = row.get("charity_registration_status", "")
        yield RegisterRecord(
            number=validators.normalise_charity_number_ew(number),
            name=row["charity_name"],
            **address,
            company_number=_number(
                validators.normalise_company_number,
                row.get("charity_company_registration_number", ""),
            ),
            website=row.get("charity_contact_web", ""),
            legal_form=row.get("charity_type", ""),
            activities=row.get("charity_activities", ""),
            status=status,
            latest_income=parse_amount(row.get("latest_income")),
            registered_on=parse_date(row.get("date_of_registration")),
            removed_on=parse_date(row.get("date_of_removal")),
            is_removed=status.casefold() == "removed",
        )


def read_oscr(binary: BinaryIO) -> Iterator[RegisterRecord]:
    """OSCR's charity register download (current charities, or the former-charities file with
    its "Ceased Date")."""
    for row in _rows(binary, ("Charity Number", "Charity Name")):
        address = split_address(
            row.get("Principal Office/Trustees Address", "").split(","), row.get("Postcode", "")
        )
        status = row.get("Charity Status", "")
        removed_on = parse_date(row.get("Ceased Date"))
        yield RegisterRecord(
            number=validators.normalise_charity_number_scotland(row["Charity Number"]),
            name=row["Charity Name"],
            **address,
            website=row.get("Website", ""),
            legal_form=row.get("Constitutional Form", ""),
            activities=row.get("Objectives") or row.get("Activities", ""),
            status=status,
            latest_income=parse_amount(row.get("Most recent year income")),
            registered_on=parse_date(row.get("Registered Date")),
            removed_on=removed_on,
            is_removed=status.casefold() == "removed" or removed_on is not None,
        )


def read_ccni(binary: BinaryIO) -> Iterator[RegisterRecord]:
    """The Charity Commission for Northern Ireland's register export (CSV, including removed
    charities); sub-charities, which share their parent's number, are skipped."""
    for row in _rows(binary, ("Reg charity number", "Charity name")):
        if row.get("Sub charity number", "0") not in ("", "0"):
            continue
        address = split_address(row.get("Public address", "").split(","))
        company = row.get("Company number", "")
        status = row.get("Status", "")
        yield RegisterRecord(
            number=validators.normalise_charity_number_ni(row["Reg charity number"]),
            name=row["Charity name"].replace("`", "'"),
            **address,
            # Its companies are Northern Ireland companies: NI and six digits.
            company_number=_number(
                validators.normalise_company_number,
                f"NI{company.zfill(6)}" if company.isdigit() and company != "999999" else company,
            )
            if company.strip("0")
            else "",
            website=row.get("Website", ""),
            legal_form="Charitable company" if company.strip("0") else "",
            activities=row.get("What the charity does", ""),
            status=status,
            latest_income=parse_amount(row.get("Total income")),
            registered_on=parse_date(row.get("Date registered")),
            is_removed=status.casefold() == "removed",
        )


def read_fca(binary: BinaryIO) -> Iterator[RegisterRecord]:
    """The FCA Mutuals Public Register's society list (SocietyList.csv; its number column is
    spelt "Full Registation Number")."""
    rows = _rows(binary, ("Society Name",))
    for row in rows:
        number = row.get("Full Registation Number") or row.get("Full Registration Number", "")
        if not number:
            continue
        address = split_address(row.get("Society Address", "").split(","))
        status = row.get("Society Status", "")
        removed_on = parse_date(row.get("Deregistration Date"))
        yield RegisterRecord(
            number=validators.normalise_society_number(number),
            name=row["Society Name"],
            **address,
            legal_form=row.get("Registered As", ""),
            status=status,
            registered_on=parse_date(row.get("Registration Date")),
            removed_on=removed_on,
            is_removed=status.casefold() != "registered" or removed_on is not None,
        )


COMPANY_REMOVED_STATUSES = {"dissolved", "removed", "converted/closed", "converted / closed"}


def read_companies_house(binary: BinaryIO) -> Iterator[RegisterRecord]:
    """Companies House's BasicCompanyData CSV (one of its parts, or the whole file)."""
    for row in _rows(binary, ("CompanyName", "CompanyNumber")):
        status = row.get("CompanyStatus", "")
        removed_on = parse_date(row.get("DissolutionDate"))
        yield RegisterRecord(
            number=validators.normalise_company_number(row["CompanyNumber"]),
            name=row["CompanyName"],
            address_line_1=row.get("RegAddress.AddressLine1", "")[:200],
            address_line_2=row.get("RegAddress.AddressLine2", "")[:200],
            town=row.get("RegAddress.PostTown", "")[:100],
            postcode=_postcode(row.get("RegAddress.PostCode", "")),
            legal_form=row.get("CompanyCategory", ""),
            activities=row.get("SICCode.SicText_1", ""),
            status=status,
            registered_on=parse_date(row.get("IncorporationDate")),
            removed_on=removed_on,
            is_removed=status.casefold() in COMPANY_REMOVED_STATUSES or removed_on is not None,
        )


def reader(register: str, file_name: str) -> Callable[[BinaryIO], Iterator[RegisterRecord]]:
    if register == "ccew":
        return lambda binary: read_ccew(binary, json_file=file_name.lower().endswith(".json"))
    return {
        "oscr": read_oscr,
        "ccni": read_ccni,
        "fca": read_fca,
        "companies_house": read_companies_house,
    }[register]


# What each register's legal form says, to the directory's legal forms (by slug).
def legal_form_slug(register: str, record: RegisterRecord) -> str:
    text = record.legal_form.casefold()
    if "cio" in text.split() or "charitable incorporated" in text or "scio" in text:
        return "cio"
    if "community interest" in text:
        return "cic"
    if "society" in text:
        return "society"
    if register in ("ccew", "oscr", "ccni"):
        if record.company_number or "compan" in text:
            return "charitable-company"
        return "charity"
    if "guarantee" in text or "lbg" in text or "ltd by guar" in text:
        return "clg"
    return ""
