"""Formats of UK registration numbers and postcodes, normalised before they are checked."""

import re

from django.core.exceptions import ValidationError

from directory.organisations.post_towns import postcode_area

# England and Wales: 6 or 7 digits, and a linked (subsidiary) charity's number after a hyphen.
CHARITY_EW_RE = re.compile(r"^\d{6,7}(-\d{1,2})?$")
CHARITY_SCOTLAND_RE = re.compile(r"^SC\d{6}$")
CHARITY_NI_RE = re.compile(r"^NIC\d{6}$")
# Every prefix Companies House gives a number (its URI customer guide, and the ones it uses
# without listing them: CE, CS, SG, RS, OE), followed by digits to make 8 characters.
COMPANY_PREFIXES = [
    *("AC", "ZC", "FC", "GE", "LP", "OC", "SE", "SA", "SZ", "SF", "GS", "SL", "SO", "SC"),
    *("ES", "NA", "NZ", "NF", "GN", "NL", "NC", "R0", "NI", "EN", "IP", "SP", "IC", "SI"),
    *("NP", "NV", "RC", "SR", "NR", "NO", "CE", "CS", "SG", "RS", "OE"),
]
COMPANY_RE = re.compile(r"^(\d{8}|(" + "|".join(COMPANY_PREFIXES) + r")\d{6})$")
# FCA Mutuals Public Register: a number, with the register's letters before or after it
# (31234R, 1234C, IP30012R, RS007654, 123F).
SOCIETY_RE = re.compile(r"^(IP|RS|SP|NP)?\d{1,7}(R|C|F|RS|FS)?$")
# The Royal Mail rules on which letters may appear in each position of a postcode.
POSTCODE_RE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ]([0-9][0-9A-HJKPS-UW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) [0-9][ABD-HJLNP-UW-Z]{2})$"  # noqa: E501
)


def compact(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def normalise_charity_number_ew(value: str) -> str:
    """1123456, or 1123456-1 for a linked charity (written "1123456 1" or "1123456/1" too)."""
    text = re.sub(r"\s+", " ", value or "").strip()
    if match := re.fullmatch(r"(\d{6,7})\s*[-/ ]\s*(\d{1,2})", text):
        main, linked = match.groups()
        return main if int(linked) == 0 else f"{main}-{int(linked)}"
    return compact(text)


def normalise_charity_number_scotland(value: str) -> str:
    number = compact(value)
    if re.fullmatch(r"SC\d{5}", number):
        number = "SC" + number[2:].zfill(6)
    return number


def normalise_charity_number_ni(value: str) -> str:
    """NIC100016 however the register or a spreadsheet writes it (NI100016, 100016)."""
    number = compact(value)
    if re.fullmatch(r"(NIC?)?\d{5,6}", number):
        number = "NIC" + number.removeprefix("NI").removeprefix("C").zfill(6)
    return number


def normalise_company_number(value: str) -> str:
    """Eight characters, as Companies House writes them: leading zeros added after a prefix."""
    number = compact(value)
    if match := re.fullmatch(r"([A-Z]{0,2})(\d+)", number):
        prefix, digits = match.groups()
        if len(prefix) + len(digits) < 8:
            number = prefix + digits.zfill(8 - len(prefix))
    return number


def normalise_society_number(value: str) -> str:
    return compact(value)


# The canonical form of each registration number field: one stored form, matched exactly.
NUMBER_NORMALISERS = {
    "charity_number_ew": normalise_charity_number_ew,
    "company_number": normalise_company_number,
    "charity_number_scotland": normalise_charity_number_scotland,
    "charity_number_ni": normalise_charity_number_ni,
    "society_number": normalise_society_number,
}


def normalise_postcode(value: str) -> str:
    text = compact(value)
    if len(text) < 5:
        return text
    return f"{text[:-3]} {text[-3:]}"


def validate_charity_number_ew(value: str) -> None:
    if not CHARITY_EW_RE.match(normalise_charity_number_ew(value)):
        raise ValidationError(
            "Enter a charity number for England and Wales in the correct format, like 1123456 "
            "(or 1123456-1 for a linked charity)",
            code="invalid_charity_number",
        )


def validate_charity_number_scotland(value: str) -> None:
    if not CHARITY_SCOTLAND_RE.match(normalise_charity_number_scotland(value)):
        raise ValidationError(
            "Enter a Scottish charity number in the correct format, like SC012345",
            code="invalid_charity_number",
        )


def validate_charity_number_ni(value: str) -> None:
    if not CHARITY_NI_RE.match(normalise_charity_number_ni(value)):
        raise ValidationError(
            "Enter a Northern Ireland charity number in the correct format, like NIC100123 "
            "or 100123",
            code="invalid_charity_number",
        )


def validate_company_number(value: str) -> None:
    if not COMPANY_RE.match(normalise_company_number(value)):
        raise ValidationError(
            "Enter a company number in the correct format, like 01234567 or SC123456",
            code="invalid_company_number",
        )


def validate_society_number(value: str) -> None:
    if not SOCIETY_RE.match(normalise_society_number(value)):
        raise ValidationError(
            "Enter a Financial Conduct Authority society number in the correct format, like 31234R",
            code="invalid_society_number",
        )


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError("Enter a real postcode, like SW1A 1AA", code="invalid_postcode")


# A postcode district (outward code), like LS7 or SW1A: all a confidential place keeps.
DISTRICT_RE = re.compile(r"^[A-PR-UWYZ]([0-9][0-9A-HJKPS-UW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?)$")


def postcode_district(value: str) -> str:
    """The district of a postcode, or a district as given: "ls7 3ab" -> "LS7"."""
    text = compact(value)
    return text if DISTRICT_RE.match(text) else normalise_postcode(text).split(" ")[0]


def validate_postcode_or_district(value: str) -> None:
    if not DISTRICT_RE.match(compact(value)):
        validate_postcode(value)


def postcode_town(postcode: str) -> str:
    """The post town of the postcode's area ("LS7" -> "Leeds"), or "" for an unknown area."""
    return (postcode_area(postcode) or ("", ""))[0]


# C0 and C1 control characters and DEL, but not tab, line feed or carriage return: they show
# as boxes on a page (a bell, U+0007, came in with a register's names).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_control_characters(value: str) -> str:
    """The text without control characters, its line endings as line feeds: browsers send
    CRLF, and a text kept with LF would otherwise read as changed when saved unaltered."""
    return CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def validate_uk_phone(value: str) -> None:
    digits = re.sub(r"[\s()\-]", "", value or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise ValidationError(
            "Enter a UK telephone number, like 01632 960 001 or 020 7946 0000", code="invalid_phone"
        )


NUMBER_VALIDATORS = {
    "charity_number_ew": validate_charity_number_ew,
    "company_number": validate_company_number,
    "charity_number_scotland": validate_charity_number_scotland,
    "charity_number_ni": validate_charity_number_ni,
    "society_number": validate_society_number,
}


# Every character str.splitlines() breaks a line at: in an email header, CR or LF would start a
# new header (Django refuses to send it), and the others show as breaks in mail programs.
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def validate_subject_on_one_line(value: str) -> None:
    if any(character in value for character in LINE_BREAKS):
        raise ValidationError("The subject must be on one line, without line breaks")
