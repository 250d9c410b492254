"""Bulk import of organisations from a CSV file (see docs/import.md for the columns).

Rows are read one at a time and written in batches, so memory stays flat however long the
file is, and a run killed halfway can simply be run again: matching is idempotent, so rows
already imported come out "unchanged". Registration numbers decide who is who: the same number
is the same organisation, a different one a different organisation whatever the name; a row
with no number is the same as an entry with no number only when name, postcode and town all
agree, and a mere name match is reported as a possible duplicate, never merged. Every row is
checked with the registration forms' rules; a bad optional cell is dropped with a warning
(unless `strict`), so one junk website does not lose an organisation.
"""

import codecs
import copy
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Membership
from directory.moderation.import_forms import ImportOrganisationForm, ImportServiceForm
from directory.organisations import models as organisation_models
from directory.organisations import validators
from directory.organisations.models import (
    IMPORT_HISTORY_REASON,
    OWN_ADDRESS_FIELDS,
    Organisation,
    Service,
    own_address_places,
)
from directory.search import search_index

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
    "legal_form": (organisation_models.LegalForm, "legal form", False),
    "income_band": (organisation_models.IncomeBand, "income band", False),
    "partnership_roles": (organisation_models.PartnershipRole, "partnership role", True),
    "quality_marks": (organisation_models.QualityMark, "quality mark", True),
    "pathways": (organisation_models.Pathway, "pathway", True),
    "client_groups": (organisation_models.ClientGroup, "client group", True),
    "settings": (organisation_models.DeliverySetting, "delivery setting", True),
    "regions": (organisation_models.Region, "region", True),
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
_COLUMN_OF = {field_name: column for column, field_name in ORGANISATION_COLUMNS.items()}
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


@dataclass(frozen=True)
class RowWarning:
    """A cell left out of an imported row (or a possible duplicate), and why."""

    line: int
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    warning_count: int = 0
    dry_run: bool = False
    rolled_back: bool = False

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def unlisted_errors(self) -> bool:
        return self.rejected > len({error.line for error in self.errors})

    @property
    def unlisted_warnings(self) -> bool:
        return self.warning_count > len(self.warnings)


class _Rejected(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors


class _Problems:
    """A row's problems: errors reject it; warnings leave a cell out (errors when strict)."""

    def __init__(self, values: dict[str, str], *, strict: bool):
        self.values, self.strict = values, strict
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str, str]] = []

    def append(self, problem: tuple[str, str], *, left_out: str = "Left out") -> None:
        """A bad optional cell: an error when strict, otherwise left out with a warning."""
        column, message = problem
        if self.strict:
            self.errors.append(problem)
        else:
            message = f"{left_out}: {message[:1].lower()}{message[1:]}"
            self.warnings.append((column, self.values.get(column, ""), message))

    def note(self, column: str, message: str) -> None:
        """A warning that never rejects (a possible duplicate)."""
        self.warnings.append((column, self.values.get(column, ""), message))

    def reject_if_any(self) -> None:
        if self.errors:
            raise _Rejected(self.errors)


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
            yield (
                line,
                {
                    column: validators.without_control_characters(cell).strip()
                    for column, cell in zip(columns, cells, strict=True)
                },
            )
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


def organisations_import(
    *,
    file: BinaryIO,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    progress: Callable[[int], None] | None = None,
    user=None,
    batch_size: int | None = None,
    strict: bool = False,
) -> ImportReport:
    """Import every row of a CSV file; return the report (ImportFileError for a bad file).

    Valid rows are imported even if others are rejected, unless `all_or_nothing`; a bad
    optional cell is left out with a warning, or rejects its row when `strict`. A dry run
    checks everything, matching included, and writes nothing. History records name `user`.
    Rows are written `batch_size` (default BATCH_SIZE) at a time, one transaction each.
    """
    report = ImportReport(dry_run=dry_run)
    taxonomy, index = _Taxonomy(), _Index.of_directory()
    rows = read_rows(file)
    # One transaction for a run that may be undone at the end; otherwise one per batch, so a
    # long import commits as it goes and an interrupted one keeps what it finished.
    single = dry_run or all_or_nothing
    with transaction.atomic() if single else no_transaction():
        while batch_rows := list(islice(rows, batch_size or BATCH_SIZE)):
            with no_transaction() if single else transaction.atomic():
                batch = _Batch(
                    taxonomy=taxonomy, index=index, rows=batch_rows, user=user, strict=strict
                )
                for line, values in batch_rows:
                    _import_row(line, values, batch, report)
                batch.write()
            if progress:
                progress(report.rows)
        if dry_run or (all_or_nothing and report.rejected):
            transaction.set_rollback(True)
            report.rolled_back = True
    return report


class no_transaction:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _import_row(line: int, values: dict[str, str], batch: "_Batch", report: ImportReport):
    problems = _Problems(values, strict=batch.strict)
    try:
        outcome = _plan_row(values, batch, problems)
    except _Rejected as rejected:
        report.rejected += 1
        for column, message in rejected.errors:
            if len(report.errors) < MAX_REPORTED_ERRORS:
                report.errors.append(RowError(line, column, message))
    else:
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.warning_count += len(problems.warnings)
        for column, value, message in problems.warnings:
            if len(report.warnings) < MAX_REPORTED_ERRORS:
                report.warnings.append(RowWarning(line, column, value[:200], message))


# The in-memory state of the organisations a batch touches: rows are checked and applied to
# these one by one (a rejected row changes nothing), then the batch is written at once.

ORGANISATION_RELATIONS = ("partnership_roles", "quality_marks")
SERVICE_RELATIONS = ("pathways", "client_groups", "settings", "regions")
ORGANISATION_UPDATE_FIELDS = [
    *ORGANISATION_COLUMNS.values(),
    "legal_form",
    "income_band",
    "lived_experience_led",
    "open_to_partnership",
    "is_unclaimed",
    "status",
    "published_at",
    "updated_at",
    *OWN_ADDRESS_FIELDS,
]
SERVICE_UPDATE_FIELDS = [*SERVICE_COLUMNS.values(), "accepting_referrals", "updated_at"]
HISTORY_REASON = IMPORT_HISTORY_REASON


@dataclass(eq=False)
class _Pending:
    """An organisation or a service as the batch's rows left it, and what they changed."""

    instance: Organisation | Service
    terms: dict[str, set[int]]
    is_new: bool = False
    fields_changed: bool = False
    relations_changed: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return self.is_new or self.fields_changed or bool(self.relations_changed)


@dataclass(eq=False)
class _ServiceEntry(_Pending):
    @property
    def service(self) -> Service:
        return self.instance


@dataclass(eq=False)
class _Entry(_Pending):
    services: list[_ServiceEntry] = field(default_factory=list)
    has_members: bool = False

    @property
    def organisation(self) -> Organisation:
        return self.instance

    def numbers(self) -> list[str]:
        return [getattr(self.organisation, name) for name in REGISTRATION_NUMBER_FIELDS]

    def place(self) -> tuple[str, str, str]:
        organisation = self.organisation
        return (organisation.name, organisation.postcode, organisation.town)


class _Index:
    """Organisations by registration number; those without any number also by name, and by
    name, postcode and town together. The directory's index holds ids, in memory (a few hundred
    bytes an organisation: it grows with the directory, not with the batch), so that matching
    a row is a dictionary look-up; a batch's own index holds the entries it changed. A key maps
    to its one organisation, or to a tuple of them when several share it (a set for every key
    would take most of the memory)."""

    def __init__(self):
        self.by_number: dict[tuple[str, str], object] = {}
        self.by_name: dict[str, object] = {}
        self.by_place: dict[tuple[str, str, str], object] = {}

    @classmethod
    def of_directory(cls) -> "_Index":
        index = cls()
        rows = (
            Organisation.objects.exclude(status=Organisation.Status.ARCHIVED)
            .order_by()
            .values_list("pk", "name", "postcode", "town", *REGISTRATION_NUMBER_FIELDS)
        )
        for pk, name, postcode, town, *numbers in rows.iterator(chunk_size=5000):
            index.add(pk, (name, postcode, town), numbers)
        return index

    def add(self, key, place: tuple[str, str, str], numbers: list[str]) -> None:
        numbered = False
        for field_name, number in zip(REGISTRATION_NUMBER_FIELDS, numbers, strict=True):
            if number:
                _put(self.by_number, (field_name, number), key)
                numbered = True
        if not numbered:
            _put(self.by_name, normalise_name(place[0]), key)
            _put(self.by_place, _place_key(*place), key)

    def lookup(self, numbers: list[tuple[str, str]], values: dict[str, str]) -> tuple[set, set]:
        """(keys matching a registration number of the row, keys that are the same entry by
        name, postcode and town when the row has no number)."""
        by_number = set()
        for key in numbers:
            by_number |= _found(self.by_number, key)
        if numbers:
            return by_number, set()
        place = (values.get("name", ""), values.get("postcode", ""), values.get("town", ""))
        return by_number, _found(self.by_place, _place_key(*place))

    def same_name(self, values: dict[str, str]) -> set:
        return _found(self.by_name, normalise_name(values.get("name", "")))


def number_label(field_name: str) -> str:
    return str(Organisation._meta.get_field(field_name).verbose_name)


def _place_key(name: str, postcode: str, town: str) -> tuple[str, str, str]:
    """A postcode that is not one counts as none: the import leaves it out of the entry."""
    postcode = validators.normalise_postcode(postcode or "")
    return (
        normalise_name(name),
        postcode if validators.POSTCODE_RE.match(postcode) else "",
        normalise_name(town or ""),
    )


def _put(index: dict, name, key) -> None:
    found = index.get(name)
    if found is None:
        index[name] = key
    elif isinstance(found, tuple):
        if key not in found:
            index[name] = (*found, key)
    elif found != key:
        index[name] = (found, key)


def _found(index: dict, name) -> set:
    found = index.get(name)
    if found is None:
        return set()
    return set(found) if isinstance(found, tuple) else {found}


class _Batch:
    """Up to BATCH_SIZE rows: the organisations they may match, loaded in a few queries, the
    changes the rows make to them, and the writing of those changes with their history."""

    def __init__(self, *, taxonomy: _Taxonomy, index: _Index, rows: list, user, strict=False):
        self.taxonomy, self.index, self.user, self.strict = taxonomy, index, user, strict
        self.own_index = _Index()
        self.touched: dict[_Entry, None] = {}
        candidates = set()
        for _line, values in rows:
            by_number, by_place = index.lookup(list(_valid_numbers(values).items()), values)
            candidates |= by_number | by_place
        self.entries = _load_entries(candidates)

    def match(self, values: dict[str, str], numbers: list[tuple[str, str]]) -> _Entry | None:
        """The organisation a row describes, by its registration numbers (or, with none, by
        name, postcode and town); _Rejected when its numbers disagree with what is listed."""
        (by_number, by_place), (own_numbers, own_place) = (
            self.index.lookup(numbers, values),
            self.own_index.lookup(numbers, values),
        )
        found = {self.entries[pk] for pk in by_number if pk in self.entries} | own_numbers
        if not numbers:
            found = {self.entries[pk] for pk in by_place if pk in self.entries} | own_place
        if len(found) > 1:
            names = " and ".join(sorted(f"“{e.organisation.name}”" for e in found))
            raise _Rejected(
                [("name", f"The registration numbers belong to different organisations: {names}")]
            )
        entry = next(iter(found), None)
        if entry is not None:
            for field_name, number in numbers:
                listed = getattr(entry.organisation, field_name)
                if listed and listed != number:
                    raise _Rejected(
                        [
                            (
                                _COLUMN_OF[field_name],
                                f"“{entry.organisation.name}” is listed with "
                                f"{number_label(field_name)} {listed}, not {number}: a "
                                "different number is a different organisation",
                            )
                        ]
                    )
        return entry

    def possible_duplicates(self, values: dict[str, str]) -> list[str]:
        """Names of listed organisations without a number that a new row's name matches."""
        pks = self.index.same_name(values)
        names = [entry.organisation.name for entry in self.own_index.same_name(values)]
        if pks:
            names += (
                Organisation.objects.filter(pk__in=pks)
                .order_by("pk")
                .values_list("name", flat=True)
            )
        return names

    def touch(self, entry: _Entry) -> None:
        self.touched[entry] = None
        self.own_index.add(entry, entry.place(), entry.numbers())

    def write(self) -> None:
        """Save every change of the batch, each with its history record."""
        if not self.touched:
            return
        now = timezone.now()
        entries = list(self.touched)
        new = [e for e in entries if e.is_new]
        for entry, slug in zip(new, unique_slugs([e.organisation.name for e in new]), strict=True):
            entry.organisation.slug = slug
        places = own_address_places(e.organisation.postcode for e in entries)
        for entry in entries:
            entry.organisation.place_own_address(places)
        _save(
            Organisation,
            entries,
            ORGANISATION_UPDATE_FIELDS,
            ORGANISATION_RELATIONS,
            now=now,
            user=self.user,
        )
        for entry in entries:
            for service_entry in entry.services:
                service_entry.service.organisation = entry.organisation
        _save(
            Service,
            [s for e in entries for s in e.services],
            SERVICE_UPDATE_FIELDS,
            SERVICE_RELATIONS,
            now=now,
            user=self.user,
        )
        for entry in entries:
            self.index.add(entry.organisation.pk, entry.place(), entry.numbers())
        search_index.refresh_search_documents(organisation_ids=[e.organisation.pk for e in entries])


def _save(model, pending: list[_Pending], update_fields, relations, *, now, user) -> None:
    """Insert the new ones, update the changed ones and set their terms, a few statements for
    all of them, then record one history entry for each, with its terms as simple_history
    keeps them."""
    pending = [p for p in pending if p.changed]
    new = [p.instance for p in pending if p.is_new]
    model.objects.bulk_create(new)
    changed = [p.instance for p in pending if not p.is_new and p.fields_changed]
    for instance in changed:
        instance.updated_at = now
    if changed:
        model.objects.bulk_update(changed, update_fields)
    for relation in relations:
        _replace_terms(
            getattr(model, relation),
            {p.instance.pk: p.terms[relation] for p in pending if relation in p.relations_changed},
            existing={p.instance.pk for p in pending if not p.is_new},
        )
    records = []
    for update, chosen in [(False, new), (True, [p.instance for p in pending if not p.is_new])]:
        if chosen:
            records += model.history.bulk_history_create(
                chosen,
                update=update,
                default_user=user,
                default_date=now,
                default_change_reason=HISTORY_REASON,
            )
    _record_history_terms(model, records)


def _load_entries(pks: set[int]) -> dict[int, _Entry]:
    """The organisations (archived ones excepted) with their terms and services."""
    if not pks:
        return {}
    members = Membership.objects.filter(organisation=OuterRef("pk"))
    organisations = (
        Organisation.objects.filter(pk__in=pks)
        .exclude(status=Organisation.Status.ARCHIVED)
        .annotate(has_members=Exists(members))
    )
    entries = {
        o.pk: _Entry(
            instance=o,
            terms={relation: set() for relation in ORGANISATION_RELATIONS},
            has_members=o.has_members,
        )
        for o in organisations
    }
    for relation in ORGANISATION_RELATIONS:
        for owner, term in _term_rows(getattr(Organisation, relation), list(entries)):
            entries[owner].terms[relation].add(term)
    services = {}
    for service in Service.objects.filter(organisation_id__in=list(entries)).order_by(
        "position", "id"
    ):
        services[service.pk] = _ServiceEntry(
            instance=service, terms={relation: set() for relation in SERVICE_RELATIONS}
        )
        entries[service.organisation_id].services.append(services[service.pk])
    for relation in SERVICE_RELATIONS:
        for owner, term in _term_rows(getattr(Service, relation), list(services)):
            services[owner].terms[relation].add(term)
    return entries


def _through_columns(descriptor) -> tuple[type, str, str]:
    """(through model, owner column, term column) of a many-to-many field."""
    field = descriptor.field
    return (
        field.remote_field.through,
        f"{field.m2m_field_name()}_id",
        f"{field.m2m_reverse_field_name()}_id",
    )


def _term_rows(descriptor, owners: list[int]) -> list[tuple[int, int]]:
    through, owner_column, term_column = _through_columns(descriptor)
    return list(
        through.objects.filter(**{f"{owner_column}__in": owners}).values_list(
            owner_column, term_column
        )
    )


def _replace_terms(descriptor, wanted: dict[int, set[int]], *, existing: set[int]) -> None:
    """Set the terms of each owner in `wanted` (owners in `existing` may have some already)."""
    if not wanted:
        return
    through, owner_column, term_column = _through_columns(descriptor)
    if stale := [owner for owner in wanted if owner in existing]:
        through.objects.filter(**{f"{owner_column}__in": stale}).delete()
    through.objects.bulk_create(
        [
            through(**{owner_column: owner, term_column: term})
            for owner, terms in wanted.items()
            for term in sorted(terms)
        ]
    )


def _record_history_terms(model, records: list) -> None:
    """The terms of each new history record, for the many-to-many fields its history keeps."""
    if not records:
        return
    record_of = {record.id: record.pk for record in records}
    history_model = model.history.model
    for descriptor_field in history_model._history_m2m_fields:
        through, owner_column, term_column = _through_columns(getattr(model, descriptor_field.name))
        m2m_history = apps.get_model(
            history_model._meta.app_label, f"{history_model.__name__}_{descriptor_field.name}"
        )
        rows = through.objects.filter(**{f"{owner_column}__in": list(record_of)}).values_list(
            "id", owner_column, term_column
        )
        m2m_history.objects.bulk_create(
            [
                m2m_history(
                    id=row_id,
                    **{owner_column: owner, term_column: term},
                    history_id=record_of[owner],
                )
                for row_id, owner, term in rows
            ]
        )


def unique_slugs(names: list[str]) -> list[str]:
    """A free slug for each new organisation, unused in the directory and in the list."""
    bases = [slugify(name)[:200] or "organisation" for name in names]
    taken = set(Organisation.objects.filter(slug__in=bases).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug = base
        if slug in taken:
            taken |= set(
                Organisation.objects.filter(slug__startswith=f"{base}-").values_list(
                    "slug", flat=True
                )
            )
            n = 2
            while (slug := f"{base}-{n}") in taken:
                n += 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _apply_row_choices(
    organisation: Organisation, *, terms: dict, flags: dict, status: str | None, creating: bool
) -> None:
    """Set the row's taxonomy terms, yes/no columns and status on the organisation (a new one is
    published unless the row says otherwise)."""
    for column in ("legal_form", "income_band"):
        if terms.get(column):
            setattr(organisation, column, terms[column][0])
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


def _plan_row(values: dict[str, str], batch: _Batch, problems: _Problems) -> str:
    """Apply one row to the batch's organisations; "created", "updated" or "unchanged"."""
    if "" in values:
        raise _Rejected([("", values[""])])
    if not values.get("name"):
        raise _Rejected([("name", "Enter the organisation's name")])
    terms = {
        column: batch.taxonomy.resolve(column, values[column], problems)
        for column in TAXONOMY_COLUMNS
        if values.get(column)
    }
    flags = {column: _yes_no(values, column, problems) for column in BOOLEAN_COLUMNS}
    status = _status(values, problems)
    numbers = _valid_numbers(values, problems)
    problems.reject_if_any()
    entry = batch.match(values, [(field_name, number) for field_name, number in numbers.items()])
    if entry is not None and entry.has_members:
        raise _Rejected(
            [
                (
                    "name",
                    f"This matches “{entry.organisation.name}”, which its own members manage: "
                    "the import does not change it",
                )
            ]
        )

    creating = entry is None
    current = Organisation(is_unclaimed=True) if creating else entry.organisation
    before = _snapshot(current)
    cells = {
        column: numbers.get(field_name, "")
        if field_name in REGISTRATION_NUMBER_FIELDS
        else values.get(column, "")
        for column, field_name in ORGANISATION_COLUMNS.items()
    }
    form = _checked_form(
        ImportOrganisationForm,
        cells,
        ORGANISATION_COLUMNS,
        problems,
        keep=lambda column: before[ORGANISATION_COLUMNS[column]],
        instance=current,
    )
    organisation = form.instance
    _apply_row_choices(organisation, terms=terms, flags=flags, status=status, creating=creating)
    service_values = _service_values(values, terms, flags, problems)
    problems.reject_if_any()
    if creating and not numbers:
        for name in batch.possible_duplicates(values):
            problems.note(
                "name",
                f"Possible duplicate of “{name}” (listed without a registration number, "
                "elsewhere): imported as a separate organisation; check and archive one",
            )

    # Every check has passed: apply the row.
    changed = creating or _snapshot(organisation) != before
    if creating:
        entry = _Entry(
            instance=organisation,
            terms={relation: set() for relation in ORGANISATION_RELATIONS},
            is_new=True,
        )
    else:
        entry.instance = organisation
        entry.fields_changed |= changed
    for relation in ORGANISATION_RELATIONS:
        wanted = {term.pk for term in terms.get(relation, [])}
        if wanted and (creating or entry.terms[relation] != wanted):
            entry.terms[relation] = wanted
            entry.relations_changed.add(relation)
            changed = True
    if service_values is not None:
        changed |= _plan_service(entry, service_values)
    if changed:
        batch.touch(entry)
    return "created" if creating else "updated" if changed else "unchanged"


def _checked_form(form_class, cells, columns, problems: _Problems, *, keep, instance=None):
    """The form of a row's cells, valid: a cell the form refuses is put back to what is
    listed (`keep(column)`) and reported, or rejects the row when strict or required."""
    while True:
        data = {
            field_name: cells[column] if cells.get(column) else keep(column)
            for column, field_name in columns.items()
        }
        # Checked on a copy, so that a row rejected by a later check leaves the entry as it was.
        form = form_class(
            data=_form_strings(data),
            **({"instance": copy.copy(instance)} if instance is not None else {}),
        )
        if form.is_valid():
            return form
        errors = _column_errors(form, columns)
        required = [error for error in errors if not cells.get(error[0])]
        if problems.strict or required or any(column == "name" for column, _ in errors):
            raise _Rejected(problems.errors + errors)
        for problem in errors:
            if cells.get(problem[0]):
                problems.append(problem)
                cells = {**cells, problem[0]: ""}


def _valid_numbers(values: dict[str, str], problems: _Problems | None = None) -> dict[str, str]:
    """The row's registration numbers in their stored form; one in no known format is left
    out with a warning (so it neither matches nor is stored)."""
    numbers = {}
    for column, field_name in ORGANISATION_COLUMNS.items():
        if field_name in REGISTRATION_NUMBER_FIELDS and values.get(column):
            number = validators.NUMBER_NORMALISERS[field_name](values[column])
            try:
                validators.NUMBER_VALIDATORS[field_name](number)
            except ValidationError as error:
                if problems is not None:
                    problems.append((column, error.messages[0]))
            else:
                numbers[field_name] = number
    return numbers


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


def _service_values(values, terms, flags, problems: _Problems) -> dict | None:
    """The row's service, or None when the row describes none (or, not strict, when it cannot
    be imported: the organisation is imported without it, with a warning)."""
    if not any(values.get(column) for column in SERVICE_ONLY_COLUMNS):
        return None
    missing = []
    if not values.get("service_name"):
        missing.append(("service_name", "Enter the service's name"))
    if not terms.get("pathways"):
        missing.append(("pathways", "Select at least one pathway"))
    if not terms.get("regions"):
        missing.append(("regions", "Select at least one region"))
    if missing:
        if problems.strict:
            raise _Rejected(problems.errors + missing)
        for problem in missing:
            problems.append(problem, left_out="The service was left out")
        return None
    form = _checked_form(
        ImportServiceForm,
        {column: values.get(column, "") for column in SERVICE_COLUMNS},
        SERVICE_COLUMNS,
        problems,
        keep=lambda column: "",
    )
    return {
        "fields": form.cleaned_data,
        "accepting_referrals": flags["accepting_referrals"],
        **{relation: terms.get(relation, []) for relation in SERVICE_RELATIONS},
    }


def _plan_service(entry: _Entry, values: dict) -> bool:
    """Add or update the organisation's service of that name; True if anything changed."""
    fields = values["fields"]
    name = normalise_name(fields["name"])
    service_entry = next(
        (s for s in entry.services if normalise_name(s.service.name) == name), None
    )
    changed = service_entry is None
    if service_entry is None:
        service_entry = _ServiceEntry(
            instance=Service(position=len(entry.services)),
            terms={relation: set() for relation in SERVICE_RELATIONS},
            is_new=True,
        )
        entry.services.append(service_entry)
    service = service_entry.service
    for field_name, value in fields.items():
        if value not in ("", None) and getattr(service, field_name) != value:
            setattr(service, field_name, value)
            service_entry.fields_changed = changed = True
    accepting = values["accepting_referrals"]
    if accepting is not None and service.accepting_referrals != accepting:
        service.accepting_referrals = accepting
        service_entry.fields_changed = changed = True
    for relation in SERVICE_RELATIONS:
        wanted = {term.pk for term in values[relation]}
        # An empty column leaves the terms as they are (pathways and regions are never empty).
        if wanted and service_entry.terms[relation] != wanted:
            service_entry.terms[relation] = wanted
            service_entry.relations_changed.add(relation)
            changed = True
    return changed
