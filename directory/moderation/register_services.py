"""Loading a public register's bulk file: its entries kept as RegisterEntry rows, the
organisations it names flagged when removed, and (if asked) new charities added as unclaimed
drafts. Safe to run again: what the register says the same way twice changes nothing."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from itertools import islice
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from directory.moderation.importer import no_transaction, unique_slugs
from directory.moderation.models import RegisterEntry
from directory.moderation.registers import RegisterRecord, legal_form_slug, reader
from directory.organisations import validators
from directory.organisations.models import IncomeBand, LegalForm, Organisation, own_address_places
from directory.search import search_index

BATCH_SIZE = 1000
HISTORY_REASON = "Loaded from a public register"
RECORD_FIELDS = [f.name for f in fields(RegisterRecord)]
# Companies House lists every company (five million): only the kinds a VCSE may be are kept,
# and any company already in the directory.
VCSE_COMPANY_CATEGORIES = (
    "community interest company",
    "charitable incorporated organisation",
    "scottish charitable incorporated organisation",
    "registered society",
    "industrial and provident society",
    "limited by guarantee",
    "lbg",
    "ltd by guar",
)


@dataclass
class RegisterReport:
    read: int = 0
    entries_created: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0
    skipped: int = 0
    organisations_matched: int = 0
    organisations_flagged_removed: int = 0
    organisations_restored: int = 0
    drafts_created: int = 0
    dry_run: bool = False


def register_import(
    *,
    register: str,
    file: BinaryIO,
    file_name: str = "",
    add_new: bool = False,
    dry_run: bool = False,
    progress: Callable[[RegisterReport], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> RegisterReport:
    """Load a register's bulk file (RegisterFileError when it is not that register's file)."""
    report = RegisterReport(dry_run=dry_run)
    records = reader(register, file_name)(file)
    listed_companies = set()
    if register == "companies_house":
        listed_companies = set(
            Organisation.objects.exclude(company_number="").values_list("company_number", flat=True)
        )
    terms = _Terms()
    with transaction.atomic() if dry_run else no_transaction():
        while batch := list(islice(records, batch_size)):
            report.read += len(batch)
            kept = _kept(register, batch, listed_companies)
            report.skipped += len(batch) - len(kept)
            with no_transaction() if dry_run else transaction.atomic():
                _load_batch(register, kept, report, add_new=add_new, terms=terms)
            if progress:
                progress(report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _kept(register: str, batch: list[RegisterRecord], listed_companies: set) -> list:
    """The batch's records worth keeping, one for each number (the last one read)."""
    by_number = {}
    for record in batch:
        if not record.number or not record.name:
            continue
        if register == "companies_house" and record.number not in listed_companies:
            category = record.legal_form.casefold()
            if not any(kind in category for kind in VCSE_COMPANY_CATEGORIES):
                continue
        by_number[record.number] = record
    return list(by_number.values())


def _load_batch(register, batch, report, *, add_new: bool, terms: "_Terms") -> None:
    numbers = [record.number for record in batch]
    existing = {
        entry.number: entry
        for entry in RegisterEntry.objects.filter(register=register, number__in=numbers)
    }
    now = timezone.now()
    new, changed = [], []
    for record in batch:
        values = asdict(record)
        entry = existing.get(record.number)
        if entry is None:
            new.append(RegisterEntry(register=register, loaded_at=now, **values))
        elif any(getattr(entry, name) != values[name] for name in RECORD_FIELDS):
            for name in RECORD_FIELDS:
                setattr(entry, name, values[name])
            entry.loaded_at = now
            changed.append(entry)
    RegisterEntry.objects.bulk_create(new)
    RegisterEntry.objects.bulk_update(changed, [*RECORD_FIELDS, "loaded_at"])
    report.entries_created += len(new)
    report.entries_updated += len(changed)
    report.entries_unchanged += len(batch) - len(new) - len(changed)
    matched = _flag_organisations(register, batch, report)
    if add_new:
        _add_drafts(register, [r for r in batch if r.number not in matched], report, terms)


def _flag_organisations(register: str, batch: list[RegisterRecord], report) -> set[str]:
    """Flag (or clear) the removal of the organisations the batch names; their numbers."""
    field = RegisterEntry.NUMBER_FIELDS[register]
    by_number = {record.number: record for record in batch}
    companies = {r.company_number: r for r in batch if r.company_number}
    organisations = Organisation.objects.filter(
        Q(**{f"{field}__in": list(by_number)}) | Q(company_number__in=list(companies))
    ).exclude(status=Organisation.Status.ARCHIVED)
    matched, touched = set(), []
    for organisation in organisations:
        record = (
            by_number.get(getattr(organisation, field)) or companies[organisation.company_number]
        )
        matched.add(record.number)
        report.organisations_matched += 1
        removed_on = (record.removed_on or timezone.localdate()) if record.is_removed else None
        if record.is_removed and organisation.removed_from_register_on is None:
            organisation.removed_from_register_on = removed_on
            # Left out of default search, as a long-unverified entry is, until a moderator
            # decides (the moderation queue lists it).
            organisation.freshness_stage = Organisation.Freshness.HIDDEN
            report.organisations_flagged_removed += 1
        elif not record.is_removed and organisation.removed_from_register_on is not None:
            organisation.removed_from_register_on = None
            organisation.freshness_stage = Organisation.Freshness.CURRENT
            report.organisations_restored += 1
        else:
            continue
        organisation._change_reason = HISTORY_REASON
        organisation.save(update_fields=["removed_from_register_on", "freshness_stage"])
        touched.append(organisation.pk)
    if touched:
        search_index.refresh_search_documents(organisation_ids=touched)
    return matched


class _Terms:
    def __init__(self):
        self.legal_forms = {form.slug: form for form in LegalForm.objects.all()}
        self.income_bands = list(IncomeBand.objects.order_by("min_income"))

    def income_band(self, income: int | None) -> IncomeBand | None:
        return income_band_for(income, self.income_bands)


def income_band_for(income: int | None, bands) -> IncomeBand | None:
    if income is None:
        return None
    return next(
        (
            band
            for band in bands
            if band.min_income <= income and (band.max_income is None or income <= band.max_income)
        ),
        None,
    )


def _add_drafts(register, records: list[RegisterRecord], report, terms: _Terms) -> None:
    """New charities (not removed) as unclaimed drafts: a moderator or the charity itself
    completes and publishes them."""
    field = RegisterEntry.NUMBER_FIELDS[register]
    drafts = [
        draft_from_register(register, record, terms) for record in records if not record.is_removed
    ]
    drafts = [draft for draft in drafts if getattr(draft, field)]
    for draft, slug in zip(drafts, unique_slugs([d.name for d in drafts]), strict=True):
        draft.slug = slug
    places = own_address_places(draft.postcode for draft in drafts)
    for draft in drafts:
        draft.place_own_address(places)
    Organisation.objects.bulk_create(drafts)
    Organisation.history.bulk_history_create(drafts, default_change_reason=HISTORY_REASON)
    report.drafts_created += len(drafts)


def draft_from_register(register: str, record: RegisterRecord, terms: _Terms) -> Organisation:
    field = RegisterEntry.NUMBER_FIELDS[register]
    organisation = Organisation(
        name=record.name[:200],
        status=Organisation.Status.DRAFT,
        is_unclaimed=True,
        address_line_1=record.address_line_1,
        address_line_2=record.address_line_2,
        town=record.town,
        postcode=record.postcode,
        description=record.activities[:10000],
        legal_form=terms.legal_forms.get(legal_form_slug(register, record)),
        income_band=terms.income_band(record.latest_income),
        **{field: record.number},
    )
    if record.company_number and field != "company_number":
        try:
            validators.validate_company_number(record.company_number)
        except ValidationError:
            pass
        else:
            organisation.company_number = record.company_number
    try:
        validators.NUMBER_VALIDATORS[field](record.number)
    except ValidationError:
        setattr(organisation, field, "")
    return organisation
