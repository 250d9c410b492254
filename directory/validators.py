"""Formats of UK registration numbers and postcodes, normalised before they are checked."""

import re

from django.core.exceptions import ValidationError

CHARITY_EW_RE = re.compile(r"^\d{6,7}$")
CHARITY_SCOTLAND_RE = re.compile(r"^SC\d{6}$")
CHARITY_NI_RE = re.compile(r"^NIC\d{6}$")
# Companies House: 8 digits (England and Wales) or a two-letter register prefix and 6 digits.
COMPANY_RE = re.compile(
    r"^(\d{8}|(SC|NI|OC|SO|NC|R0|CE|CS|SE|GE|FC|SF|NF|IP|SP|NP|RC|SR|NR|SL|SZ|NZ)\d{6})$"
)
# FCA Mutuals Public Register: a number with an optional register suffix (e.g. 31234R).
SOCIETY_RE = re.compile(r"^(IP)?\d{1,6}[RC]?$")
# The Royal Mail rules on which letters may appear in each position of a postcode.
POSTCODE_RE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ]([0-9][0-9A-HJKPS-UW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) [0-9][ABD-HJLNP-UW-Z]{2})$"  # noqa: E501
)


def compact(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def normalise_company_number(value: str) -> str:
    number = compact(value)
    if number.isdigit() and len(number) < 8:
        number = number.zfill(8)  # Companies House pads numbers with leading zeros
    return number


def normalise_postcode(value: str) -> str:
    text = compact(value)
    if len(text) < 5:
        return text
    return f"{text[:-3]} {text[-3:]}"


def validate_charity_number_ew(value: str) -> None:
    if not CHARITY_EW_RE.match(compact(value)):
        raise ValidationError(
            "Enter a charity number for England and Wales in the correct format, like 1123456",
            code="invalid_charity_number",
        )


def validate_charity_number_scotland(value: str) -> None:
    if not CHARITY_SCOTLAND_RE.match(compact(value)):
        raise ValidationError(
            "Enter a Scottish charity number in the correct format, like SC012345",
            code="invalid_charity_number",
        )


def validate_charity_number_ni(value: str) -> None:
    if not CHARITY_NI_RE.match(compact(value)):
        raise ValidationError(
            "Enter a Northern Ireland charity number in the correct format, like NIC100123",
            code="invalid_charity_number",
        )


def validate_company_number(value: str) -> None:
    if not COMPANY_RE.match(normalise_company_number(value)):
        raise ValidationError(
            "Enter a company number in the correct format, like 01234567 or SC123456",
            code="invalid_company_number",
        )


def validate_society_number(value: str) -> None:
    if not SOCIETY_RE.match(compact(value)):
        raise ValidationError(
            "Enter a Financial Conduct Authority society number in the correct format, like 31234R",
            code="invalid_society_number",
        )


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError("Enter a real postcode, like SW1A 1AA", code="invalid_postcode")


def validate_uk_phone(value: str) -> None:
    digits = re.sub(r"[\s()\-]", "", value or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValidationError(
            "Enter a UK telephone number, like 01632 960 001 or 020 7946 0000", code="invalid_phone"
        )


# Every character str.splitlines() breaks a line at: in an email header, CR or LF would start a
# new header (Django refuses to send it), and the others show as breaks in mail programs.
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def validate_subject_on_one_line(value: str) -> None:
    if any(character in value for character in LINE_BREAKS):
        raise ValidationError("The subject must be on one line, without line breaks")
