"""Bulk import of organisations from a CSV file (see docs/import.md for the columns).

Rows are read one at a time and written in batches, so memory stays flat however long the
file is, and a run killed halfway can simply be run again: matching is idempotent (by
registration number first, then by exact normalised name), so rows already imported come out
"unchanged". Every row is checked with the registration forms' rules.
"""

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from . import search_index, validators
from .import_forms import ImportOrganisationForm, ImportServiceForm
from .models import (
    ClientGroup,
    DeliverySetting,
    IncomeBand,
    LegalForm,
    Organisation,
    PartnershipRole,
    Pathway,
    QualityMark,
    Region,
    Service,
    unique_slug,
)

BATCH_SIZE = 500
# The report keeps this many rejected rows in full; the rest are counted.
MAX_REPORTED_ERRORS = 1000
LIST_SEPARATOR = ";"

# CSV column -> Organisation field, for the fields ImportOrganisationForm checks.
ORGANISATION_COLUMNS = {
    "name": "name",
    "charity_number": "charity_number_ew",
    "charity_number_scotland": "charity_number_scotland",
    "charity_number_ni": "charity_number_ni",
    "company_number": "company_number",
    "society_number": "society_number",
    "year_founded": "year_founded",
    "summary": "summary",
    "description": "description",
    "website": "website",
    "email": "email",
    "phone": "phone",
    "address_line_1": "address_line_1",
    "address_line_2": "address_line_2",
    "town": "town",
    "postcode": "postcode",
    "staff_count": "staff_count",
    "volunteer_count": "volunteer_count",
    "people_supported_per_year": "people_supported_per_year",
    "partnership_notes": "partnership_notes",
}
SERVICE_COLUMNS = {
    "service_name": "name",
    "service_description": "description",
    "eligibility": "eligibility",
    "spare_capacity": "spare_capacity",
    "largest_contract_value": "largest_contract_value",
}
# CSV column -> (model, label, many values allowed).
TAXONOMY_COLUMNS = {
    "legal_form": (LegalForm, "legal form", False),
    "income_band": (IncomeBand, "income band", False),
    "partnership_roles": (PartnershipRole, "partnership role", True),
    "quality_marks": (QualityMark, "quality mark", True),
    "pathways": (Pathway, "pathway", True),
    "client_groups": (ClientGroup, "client group", True),
    "settings": (DeliverySetting, "delivery setting", True),
    "regions": (Region, "region", True),
}
BOOLEAN_COLUMNS = (
    "lived_experience_led",
    "open_to_partnership",
    "accepting_referrals",
    "unclaimed",
)
SERVICE_ONLY_COLUMNS = (
    set(SERVICE_COLUMNS) | {"pathways", "client_groups", "settings", "regions"}
) | {"accepting_referrals"}
COLUMNS = (
    list(ORGANISATION_COLUMNS)
    + ["legal_form", "income_band", "partnership_roles", "quality_marks"]
    + ["lived_experience_led", "open_to_partnership", "status", "unclaimed"]
    + list(SERVICE_COLUMNS)
    + ["pathways", "client_groups", "settings", "regions", "accepting_referrals"]
)
REGISTRATION_NUMBER_FIELDS = (
    "charity_number_ew",
    "company_number",
    "charity_number_scotland",
    "charity_number_ni",
    "society_number",
)
IMPORTABLE_STATUSES = {
    "published": Organisation.Status.PUBLISHED,
    "draft": Organisation.Status.DRAFT,
}
TRUE_WORDS = {"yes", "y", "true", "1"}
FALSE_WORDS = {"no", "n", "false", "0"}


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing was imported."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    rolled_back: bool = False

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def unlisted_errors(self) -> bool:
        return self.rejected > len({error.line for error in self.errors})


class _Rejected(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors


def normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- Reading the file ---------------------------------------------------------------------


def read_rows(binary: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank row; ImportFileError for a bad file."""
    start = binary.read(4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            "The file is saved as UTF-16 (“Unicode text”). Save it as “CSV UTF-8 (comma "
            "delimited)” and upload that"
        )
    text = io.TextIOWrapper(
        _Rewound(start, binary), encoding="utf-8-sig", errors="strict", newline=""
    )
    try:
        first_line = text.readline()
        if not first_line.strip():
            raise ImportFileError(
                "The file is empty or its first line is blank: it needs a header row"
            )
        delimiter = _delimiter(first_line)
        header = next(csv.reader([first_line], delimiter=delimiter, strict=True))
        columns = _check_header(header)
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        previous_end = 1
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                yield (
                    line,
                    {
                        "": f"This row has {len(cells)} cells but the header has {len(columns)}: "
                        "check for a missing or extra comma, or an unclosed quote"
                    },
                )
                continue
            yield line, {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}
    except UnicodeDecodeError as error:
        raise ImportFileError(
            "The file is not UTF-8 text (it may be saved as Windows-1252 or another encoding). "
            "In Excel, save it as “CSV UTF-8 (comma delimited)”"
        ) from error
    except csv.Error as error:
        raise ImportFileError(f"The file is not a readable CSV file: {error}") from error


class _Rewound(io.RawIOBase):
    """A binary stream with bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size], self._head = self._head[:size], self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _delimiter(first_line: str) -> str:
    """Commas, or the semicolons or tabs some spreadsheet locales save "CSV" with."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _check_header(header: list[str]) -> list[str]:
    columns = [cell.strip().lower().replace(" ", "_") for cell in header]
    if "name" not in columns:
        raise ImportFileError(
            "The first row must be the header, with at least a “name” column "
            "(see the import guide for the columns)"
        )
    if unknown := [c for c in columns if c not in COLUMNS]:
        raise ImportFileError(
            "Unknown column"
            + ("s" if len(unknown) > 1 else "")
            + ": "
            + ", ".join(f"“{c}”" for c in unknown)
            + ". The columns are listed in the import guide"
        )
    if duplicated := sorted({c for c in columns if columns.count(c) > 1}):
        raise ImportFileError("Repeated column: " + ", ".join(f"“{c}”" for c in duplicated))
    return columns


# --- Importing ----------------------------------------------------------------------------


class _Taxonomy:
    """Every term of every taxonomy, looked up by name or slug, case-insensitively."""

    def __init__(self):
        self.terms = {}
        for column, (model, _label, _many) in TAXONOMY_COLUMNS.items():
            lookup = {}
            for term in model.objects.all():
                lookup[term.name.casefold()] = term
                lookup[term.slug.casefold()] = term
            self.terms[column] = lookup

    def resolve(self, column: str, value: str, errors: list) -> list:
        _model, label, many = TAXONOMY_COLUMNS[column]
        names = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
        if len(names) > 1 and not many:
            errors.append((column, f"Enter one {label}, not {len(names)}"))
            return []
        found = []
        for name in names:
            term = self.terms[column].get(name.casefold())
            if term is None:
                errors.append(
                    (
                        column,
                        f"“{name[:80]}” is not a {label} we know: use a name or slug "
                        "from the import guide",
                    )
                )
            else:
                found.append(term)
        return found


@dataclass
class _Lookups:
    taxonomy: _Taxonomy
    matcher: "_Matcher"


def organisations_import(
    *,
    file: BinaryIO,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every row of a CSV file; return the report (ImportFileError for a bad file).

    Valid rows are imported even if others are rejected, unless `all_or_nothing`; a dry run
    checks everything, matching included, and writes nothing.
    """
    report = ImportReport(dry_run=dry_run)
    lookups = _Lookups(taxonomy=_Taxonomy(), matcher=_Matcher())
    rows = read_rows(file)
    # One transaction for a run that may be undone at the end; otherwise one per batch, so a
    # long import commits as it goes and an interrupted one keeps what it finished.
    single = dry_run or all_or_nothing
    with transaction.atomic() if single else _no_transaction():
        while True:
            batch_done = _import_batch(rows, lookups, report, separate=not single)
            if progress:
                progress(report.rows)
            if not batch_done:
                break
        if dry_run or (all_or_nothing and report.rejected):
            transaction.set_rollback(True)
            report.rolled_back = True
    return report


class _no_transaction:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _import_batch(rows, lookups: "_Lookups", report: ImportReport, *, separate: bool) -> bool:
    """Import up to BATCH_SIZE rows; False when the file has no more."""
    touched: list[int] = []
    more = False
    with transaction.atomic() if separate else _no_transaction():
        for count, (line, values) in enumerate(rows, start=1):
            try:
                with transaction.atomic():
                    outcome, organisation_id = _import_row(values, lookups)
            except _Rejected as rejected:
                report.rejected += 1
                for column, message in rejected.errors:
                    if len(report.errors) < MAX_REPORTED_ERRORS:
                        report.errors.append(RowError(line, column, message))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
                if outcome != "unchanged":
                    touched.append(organisation_id)
            if count == BATCH_SIZE:
                more = True
                break
        if touched:
            search_index.refresh_search_documents(organisation_ids=touched)
    return more


def _import_row(values: dict[str, str], lookups: "_Lookups") -> tuple[str, int]:
    """Create, update or leave one organisation (and its service); ("created", id) etc."""
    if "" in values:
        raise _Rejected([("", values[""])])
    errors: list[tuple[str, str]] = []
    terms = {
        column: lookups.taxonomy.resolve(column, values[column], errors)
        for column in TAXONOMY_COLUMNS
        if values.get(column)
    }
    flags = {column: _yes_no(values, column, errors) for column in BOOLEAN_COLUMNS}
    status = _status(values, errors)
    organisation = lookups.matcher.match(values, errors)
    if organisation is not None and organisation.memberships.exists():
        errors.append(
            (
                "name",
                f"This matches “{organisation.name}”, which its own members manage: "
                "the import does not change it",
            )
        )
    if errors:
        raise _Rejected(errors)

    creating = organisation is None
    organisation = organisation or Organisation(is_unclaimed=True)
    before = _snapshot(organisation)
    form_data = {
        field_name: values[column] if values.get(column) else before[field_name]
        for column, field_name in ORGANISATION_COLUMNS.items()
    }
    form = ImportOrganisationForm(data=_form_strings(form_data), instance=organisation)
    if not form.is_valid():
        raise _Rejected(_column_errors(form, ORGANISATION_COLUMNS))
    organisation = form.instance
    for column, field_name in [("legal_form", "legal_form"), ("income_band", "income_band")]:
        if column in terms:
            setattr(organisation, field_name, terms[column][0])
    for column, field_name in [
        ("lived_experience_led", "lived_experience_led"),
        ("open_to_partnership", "open_to_partnership"),
        ("unclaimed", "is_unclaimed"),
    ]:
        if flags[column] is not None:
            setattr(organisation, field_name, flags[column])
    if creating:
        organisation.status = status or Organisation.Status.PUBLISHED
    elif status:
        organisation.status = status
    if organisation.status == Organisation.Status.PUBLISHED and not organisation.published_at:
        organisation.published_at = timezone.now()
    service_values = _service_values(values, terms, flags)

    changed = creating or _snapshot(organisation) != before
    if changed:
        organisation.slug = organisation.slug or unique_slug(organisation.name)
        organisation.full_clean()
        organisation.save()
        lookups.matcher.add_organisation(organisation)
    for column in ("partnership_roles", "quality_marks"):
        if column in terms:
            relation = getattr(organisation, column)
            if creating or {t.pk for t in relation.all()} != {t.pk for t in terms[column]}:
                relation.set(terms[column])
                changed = True
    if service_values is not None:
        changed |= _import_service(organisation, service_values)
    outcome = "created" if creating else "updated" if changed else "unchanged"
    return outcome, organisation.pk


def _form_strings(data: dict) -> dict:
    return {key: "" if value is None else str(value) for key, value in data.items()}


def _column_errors(form, columns: dict[str, str]) -> list[tuple[str, str]]:
    column_of = {field_name: column for column, field_name in columns.items()}
    return [
        (column_of.get(field_name, field_name), str(message))
        for field_name, messages in form.errors.items()
        for message in messages
    ]


def _snapshot(organisation: Organisation) -> dict:
    return {
        field_name: getattr(organisation, field_name)
        for field_name in [
            *ORGANISATION_COLUMNS.values(),
            "legal_form_id",
            "income_band_id",
            "lived_experience_led",
            "open_to_partnership",
            "is_unclaimed",
            "status",
        ]
    }


def _yes_no(values: dict[str, str], column: str, errors: list) -> bool | None:
    value = values.get(column, "").casefold()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    errors.append((column, "Enter yes or no"))
    return None


def _status(values: dict[str, str], errors: list) -> str | None:
    value = values.get("status", "").casefold()
    if not value:
        return None
    if value not in IMPORTABLE_STATUSES:
        errors.append(("status", "Enter published or draft"))
        return None
    return IMPORTABLE_STATUSES[value]


def _normalised_numbers(values: dict[str, str]) -> list[tuple[str, str]]:
    numbers = []
    for column, field_name in ORGANISATION_COLUMNS.items():
        if field_name in REGISTRATION_NUMBER_FIELDS and values.get(column):
            normalise = (
                validators.normalise_company_number
                if field_name == "company_number"
                else validators.compact
            )
            numbers.append((field_name, normalise(values[column])))
    return numbers


class _Matcher:
    """Every organisation's registration numbers and normalised name, in memory, so that
    matching a row is a dictionary look-up rather than two unindexed scans of the directory
    (the memory grows with the directory, never with the file)."""

    def __init__(self):
        self.by_number: dict[tuple[str, str], set[int]] = {}
        self.by_name: dict[str, set[int]] = {}
        rows = (
            Organisation.objects.exclude(status=Organisation.Status.ARCHIVED)
            .order_by()
            .values_list("pk", "name", *REGISTRATION_NUMBER_FIELDS)
        )
        for pk, name, *numbers in rows.iterator(chunk_size=5000):
            self.add(pk, name, numbers)

    def add(self, pk: int, name: str, numbers: list[str]) -> None:
        for field_name, number in zip(REGISTRATION_NUMBER_FIELDS, numbers, strict=True):
            if number:
                self.by_number.setdefault((field_name, number), set()).add(pk)
        self.by_name.setdefault(normalise_name(name), set()).add(pk)

    def add_organisation(self, organisation: Organisation) -> None:
        numbers = [getattr(organisation, field_name) for field_name in REGISTRATION_NUMBER_FIELDS]
        self.add(organisation.pk, organisation.name, numbers)

    def match(self, values: dict[str, str], errors: list) -> Organisation | None:
        """The organisation a row describes: by registration number, then by name."""
        found: set[int] = set()
        for key in _normalised_numbers(values):
            found |= self.by_number.get(key, set())
        if not found:
            found = self.by_name.get(normalise_name(values.get("name", "")), set())
            if len(found) > 1:
                errors.append(
                    (
                        "name",
                        "More than one organisation has this name: add its registration number",
                    )
                )
                return None
        elif len(found) > 1:
            errors.append(("name", "The registration numbers match more than one organisation"))
            return None
        if not found:
            return None
        return (
            Organisation.objects.exclude(status=Organisation.Status.ARCHIVED)
            .filter(pk__in=found)
            .first()
        )


def _service_values(values, terms, flags) -> dict | None:
    """The row's service, or None when the row describes none."""
    if not any(values.get(column) for column in SERVICE_ONLY_COLUMNS):
        return None
    errors = []
    form_data = {
        field_name: values.get(column, "") for column, field_name in SERVICE_COLUMNS.items()
    }
    form = ImportServiceForm(data=form_data)
    if not form.is_valid():
        errors += _column_errors(form, SERVICE_COLUMNS)
    if not terms.get("pathways"):
        errors.append(("pathways", "Select at least one pathway"))
    if not terms.get("regions"):
        errors.append(("regions", "Select at least one region"))
    if errors:
        raise _Rejected(errors)
    return {
        "fields": form.cleaned_data,
        "accepting_referrals": flags["accepting_referrals"],
        **{
            column: terms.get(column, [])
            for column in ("pathways", "client_groups", "settings", "regions")
        },
    }


def _import_service(organisation: Organisation, values: dict) -> bool:
    """Create or update the organisation's service of that name; True if anything changed."""
    fields = values["fields"]
    service = next(
        (
            s
            for s in organisation.services.filter(name__iexact=fields["name"])
            if normalise_name(s.name) == normalise_name(fields["name"])
        ),
        None,
    )
    changed = service is None
    service = service or Service(organisation=organisation, position=organisation.services.count())
    for field_name, value in fields.items():
        if value not in ("", None) and getattr(service, field_name) != value:
            setattr(service, field_name, value)
            changed = True
    if values["accepting_referrals"] is not None and (
        service.accepting_referrals != values["accepting_referrals"]
    ):
        service.accepting_referrals = values["accepting_referrals"]
        changed = True
    if changed:
        service.full_clean()
        service.save()
    for column in ("pathways", "client_groups", "settings", "regions"):
        relation = getattr(service, column)
        wanted = {t.pk for t in values[column]}
        # An empty column leaves the terms as they are (pathways and regions are never empty).
        if wanted and {t.pk for t in relation.all()} != wanted:
            relation.set(values[column])
            changed = True
    return changed
