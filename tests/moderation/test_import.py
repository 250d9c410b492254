"""Bulk import: the template, matching and idempotence, the error report, bad files, resuming."""

import gc
import io
import tracemalloc
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.moderation import importer
from directory.moderation.importer import ImportFileError, organisations_import, read_rows
from directory.moderation.models import ClaimRequest
from directory.opendata import insights
from directory.organisations.models import Organisation, Service
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, moderator_user

pytestmark = pytest.mark.django_db
TEMPLATE = Path(settings.BASE_DIR) / "docs" / "import-template.csv"
HEADER = "name,charity_number,postcode,legal_form,service_name,pathways,regions"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode()


def run(data: bytes, **options):
    return organisations_import(file=io.BytesIO(data), **options)


def totals(report) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, report.rejected


def command(path, *args) -> str:
    out = io.StringIO()
    call_command("import_organisations", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_template_imports_a_published_unclaimed_organisation_with_its_service(
    taxonomies, client
):
    output = command(TEMPLATE)

    assert "Created: 1" in output and "Rejected: 0" in output
    organisation = Organisation.objects.get(name="Example Through the Gate Trust")
    assert organisation.status == Organisation.Status.PUBLISHED
    assert organisation.is_unclaimed
    assert organisation.company_number == "01234567"
    assert organisation.based_region.slug == "greater-manchester"
    assert organisation.legal_form.slug == "charitable-company"
    assert organisation.partnership_roles.count() == 2
    service = organisation.services.get()
    assert sorted(service.regions.values_list("slug", flat=True)) == [
        "greater-manchester",
        "north-west",
    ]
    assert service.pathways.count() == 2
    assert service.client_groups.count() == 2
    assert service.largest_contract_value == 250000
    # Findable at once: the search data was refreshed.
    found = client.get(reverse("directory:organisation_list"), {"q": "mentoring"})
    assert [o.pk for o in found.context["page_obj"]] == [organisation.pk]


def test_an_imported_organisation_is_shown_unclaimed_and_can_be_claimed(taxonomies, client):
    command(TEMPLATE)
    organisation = Organisation.objects.get()
    assert "Unclaimed entry" in client.get(organisation.get_absolute_url()).content.decode()

    # Someone from the organisation starts registering it: the listed entry is offered.
    client.force_login(UserFactory())
    start = client.post(
        reverse("registration:new"),
        {
            "name": organisation.name,
            "charity_number_ew": organisation.charity_number_ew,
            "company_number": "",
            "token": str(uuid.uuid4()),
        },
    )
    assert start.context["duplicates"] == [organisation]
    claim_url = reverse("registration:claim", kwargs={"org": organisation.uuid, "kind": "claim"})
    assert claim_url in start.content.decode()
    client.post(claim_url, {"message": "I run it"})
    claim = ClaimRequest.objects.get(organisation=organisation)
    assert claim.kind == ClaimRequest.Kind.CLAIM

    # With no admins yet, a moderator approves the claim; the entry is then claimed.
    client.force_login(moderator_user())
    client.post(reverse("moderation:claim", kwargs={"pk": claim.pk}), {"decision": "approve"})
    organisation.refresh_from_db()
    assert organisation.memberships.get().user == claim.user
    assert not organisation.is_unclaimed
    assert "Unclaimed entry" not in client.get(organisation.get_absolute_url()).content.decode()


def test_the_same_file_twice_changes_nothing_the_second_time(taxonomies):
    command(TEMPLATE)
    history = Organisation.history.count(), Service.history.count()

    output = command(TEMPLATE)

    assert "Created: 0\nUpdated: 0\nUnchanged: 1\nRejected: 0" in output
    assert (Organisation.history.count(), Service.history.count()) == history
    assert Organisation.objects.count() == 1


def test_a_dry_run_reports_the_outcome_and_writes_nothing(taxonomies):
    output = command(TEMPLATE, "--dry-run")

    assert "Dry run: nothing was written" in output
    assert "Created: 1" in output
    assert not Organisation.objects.exists()
    assert not Organisation.history.exists()


def test_a_dry_run_sees_a_repeated_row_as_unchanged(taxonomies):
    line = "Anchor House,1123456,M1 1AE,,,,"

    report = run(csv_bytes(line, line), dry_run=True)

    assert totals(report) == (1, 0, 1, 0)
    assert not Organisation.objects.exists()


def test_a_number_decides_and_a_name_alone_never_merges(taxonomies):
    by_number = OrganisationFactory(name="Old Name", charity_number_ew="1123456")
    same_place = OrganisationFactory(
        name="Bridges Women's Centre", charity_number_ew="", postcode="LS1 1AA", town="Leeds"
    )
    elsewhere = OrganisationFactory(
        name="Hope House", charity_number_ew="", postcode="M1 1AE", town="Manchester"
    )

    report = run(
        csv_bytes(
            "New Name,1123456,M1 1AE,,,,,",  # renamed: the number is the charity
            "  Bridges   Women's Centre ,,LS1 1AA,Leeds,,,,",  # the same entry, again
            "Hope House,,B33 8TH,Birmingham,,,,",  # a namesake in another town
            header="name,charity_number,postcode,town,legal_form,service_name,pathways,regions",
        )
    )

    assert totals(report) == (1, 1, 1, 0)
    by_number.refresh_from_db()
    assert by_number.name == "New Name"
    elsewhere.refresh_from_db()
    assert elsewhere.postcode == "M1 1AE"
    assert Organisation.objects.filter(name="Hope House").count() == 2
    [duplicate] = report.warnings
    assert (duplicate.line, duplicate.column) == (4, "name")
    assert "Possible duplicate of “Hope House”" in duplicate.message
    assert same_place.history.count() == 1


def test_the_same_name_with_different_numbers_is_two_organisations(taxonomies):
    """Two real charities called UNITED CHARITIES, in different towns."""
    first = OrganisationFactory(name="UNITED CHARITIES", charity_number_ew="225159")

    report = run(csv_bytes("UNITED CHARITIES,217145,,,,,"))
    again = run(csv_bytes("UNITED CHARITIES,217145,,,,,", "UNITED CHARITIES,225159,,,,,"))

    assert totals(report) == (1, 0, 0, 0)
    assert not report.warnings  # different numbers: no doubt to report
    assert totals(again) == (0, 0, 2, 0)
    assert sorted(Organisation.objects.values_list("charity_number_ew", flat=True)) == [
        "217145",
        "225159",
    ]
    first.refresh_from_db()
    assert first.charity_number_ew == "225159"


def test_a_charity_with_a_company_number_too_is_one_organisation(taxonomies):
    header = "name,charity_number,company_number"
    organisation = OrganisationFactory(name="Nacro", charity_number_ew="226171", company_number="")

    added = run(csv_bytes("Nacro,226171,142552", header=header))
    by_company = run(csv_bytes("NACRO,,00142552", header=header))
    conflicting = run(csv_bytes("Nacro,226171,01234567", header=header))
    OrganisationFactory(name="Other", charity_number_ew="1123456")
    two_organisations = run(csv_bytes("Nacro,1123456,00142552", header=header))

    assert totals(added) == (0, 1, 0, 0)
    organisation.refresh_from_db()
    assert organisation.company_number == "00142552"
    assert totals(by_company) == (0, 1, 0, 0)  # renamed (capitals) through its company number
    assert totals(conflicting) == (0, 0, 0, 1)
    assert "a different number is a different organisation" in conflicting.errors[0].message
    assert conflicting.errors[0].column == "company_number"
    assert two_organisations.rejected == 1
    assert "different organisations" in two_organisations.errors[0].message
    assert Organisation.objects.filter(company_number="00142552").count() == 1


ROUND_TRIP_HEADER = (
    "name,charity_number,charity_number_scotland,charity_number_ni,company_number,"
    "society_number,postcode,town,website,legal_form"
)
ROUND_TRIP_ROWS = [
    "UNITED CHARITIES,217145,,,,,,Kettering,,",
    "UNITED CHARITIES,225159,,,,,,Leominster,,",
    "Hope House,,,,,,LS1 1AA,Leeds,none,charity-cio",
    "Hope House,,,,,,M1 1AE,Manchester,in progress,",
    "Simon Community NI,,,NI100016,,,BT1 1AA,Belfast,,",
    "Northern Trust,,,100017,,,BT2 8AA,Belfast,,",
    "Glasgow Mentoring,,SC012345,,SC123456,,G1 1AA,Glasgow,,",
    "Linked Almshouse,1123456-1,,,,,,,,",
    "Main Almshouse,1123456,,,,,,,,",
    "Unregistered Company,,,,ZC000201,,,,,",
    "Co-op Homes,,,,,31234R,,,,",
    "Nacro,226171,,,142552,,SE1 1AA,London,nacro.org.uk,Knitting circle",
    "\x07Bell Trust\x07,1099999,,,,,XX1,,,",
    "Junk Number Trust,none,,,,,,Leeds,,",  # a bad number is left out: matched by place
    "Junk Postcode Trust,,,,,,XX1,York,,",  # and so is a bad postcode
]


def test_a_file_imported_twice_merges_nothing_and_changes_nothing_the_second_time(taxonomies):
    data = csv_bytes(*ROUND_TRIP_ROWS, header=ROUND_TRIP_HEADER)

    first = run(data)
    listed = {o.pk: (o.name, o.updated_at) for o in Organisation.objects.all()}
    second = run(data)

    assert totals(first) == (len(ROUND_TRIP_ROWS), 0, 0, 0)
    assert totals(second) == (0, 0, len(ROUND_TRIP_ROWS), 0)
    assert {o.pk: (o.name, o.updated_at) for o in Organisation.objects.all()} == listed
    numbers = {
        (field, number)
        for field in importer.REGISTRATION_NUMBER_FIELDS
        for number in Organisation.objects.exclude(**{field: ""}).values_list(field, flat=True)
    }
    assert numbers == {
        ("charity_number_ew", "217145"),
        ("charity_number_ew", "225159"),
        ("charity_number_ni", "NIC100016"),
        ("charity_number_ni", "NIC100017"),
        ("charity_number_scotland", "SC012345"),
        ("company_number", "SC123456"),
        ("charity_number_ew", "1123456-1"),
        ("charity_number_ew", "1123456"),
        ("company_number", "ZC000201"),
        ("society_number", "31234R"),
        ("charity_number_ew", "226171"),
        ("company_number", "00142552"),
        ("charity_number_ew", "1099999"),
    }
    # Bad optional cells were left out, with a warning each; the rows were kept.
    assert {(w.line, w.column, w.value) for w in first.warnings} >= {
        (4, "website", "none"),
        (5, "website", "in progress"),
        (13, "legal_form", "Knitting circle"),
        (14, "postcode", "XX1"),
    }
    assert Organisation.objects.get(charity_number_ew="1099999").name == "Bell Trust"
    assert Organisation.objects.get(charity_number_ew="226171").website == "https://nacro.org.uk"


def test_blank_cells_never_erase_existing_values(taxonomies):
    organisation = OrganisationFactory(
        name="Anchor", charity_number_ew="1123456", postcode="M1 1AE"
    )

    report = run(csv_bytes("Anchor,1123456,,,,,"))

    assert totals(report) == (0, 0, 1, 0)
    organisation.refresh_from_db()
    assert organisation.postcode == "M1 1AE"


def test_organisations_managed_by_their_members_are_not_changed(taxonomies):
    claimed = OrganisationFactory(name="Claimed", charity_number_ew="1123456")
    MembershipFactory(organisation=claimed)

    report = run(csv_bytes("Renamed,1123456,,,,,"))

    assert totals(report) == (0, 0, 0, 1)
    assert "its own members manage" in report.errors[0].message
    claimed.refresh_from_db()
    assert claimed.name == "Claimed"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (",,M1 1AE,,,,", "name", "Enter the organisation's name"),
        ("A,12,,,,,", "charity_number", "Enter a charity number for England and Wales"),
        ("A,,XX1,,,,", "postcode", "Enter a real postcode"),
        ("A,,,Knitting circle,,,", "legal_form", "“Knitting circle” is not a legal form we know"),
        ("A,,,charity-cio;cic,,,", "legal_form", "Enter one legal form, not 2"),
        ("A,,,,Mentoring,Knitting,north-west", "pathways", "“Knitting” is not a pathway"),
        ("A,,,,Mentoring,,north-west", "pathways", "Select at least one pathway"),
        ("A,,,,Mentoring,Accommodation,", "regions", "Select at least one region"),
        ("A,,,,,Accommodation,north-west", "service_name", "Enter the service's name"),
        ("A,,,,,,,", "", "This row has 8 cells but the header has 7"),
    ],
)
def test_each_rejected_row_is_reported_with_line_column_and_reason(
    taxonomies, row, column, message
):
    """As --strict rejects them: a bad cell loses its row."""
    report = run(csv_bytes("Good Organisation,,,,,,", row), strict=True)

    assert totals(report) == (1, 0, 0, 1)
    [error] = [e for e in report.errors if e.column == column]
    assert error.line == 3
    assert message in error.message


@pytest.mark.parametrize(
    ("header", "row", "column", "message"),
    [
        ("name,email", "A,not-an-email", "email", "Enter an email address in the correct"),
        ("name,year_founded", "A,1700", "year_founded", "Year founded must be between 1800"),
        ("name,website", "A,not a web address", "website", "in the correct format"),
        ("name,staff_count", "A,lots", "staff_count", "must be a whole number"),
        ("name,lived_experience_led", "A,maybe", "lived_experience_led", "Enter yes or no"),
        ("name,status", "A,deleted", "status", "Enter published or draft"),
        ("name,summary", "A," + "x" * 281, "summary", "280 characters or fewer"),
    ],
)
def test_rows_are_checked_with_the_registration_forms_rules(
    taxonomies, header, row, column, message
):
    strict = run(csv_bytes(row, header=header), strict=True)

    assert strict.rejected == 1
    assert strict.errors[0].column == column
    assert message.lower() in strict.errors[0].message.lower()
    assert not Organisation.objects.exists()

    # Without --strict the row is imported without the bad cell, and the report says so.
    report = run(csv_bytes(row, header=header))

    assert totals(report) == (1, 0, 0, 0)
    [warning] = report.warnings
    assert (warning.line, warning.column) == (2, column)
    assert warning.value == row.split(",", 1)[1][:200]
    assert message.lower() in warning.message.lower()
    assert Organisation.objects.get().name == "A"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("A,12,,,,,", "charity_number", "Enter a charity number for England and Wales"),
        ("A,,XX1,,,,", "postcode", "Enter a real postcode"),
        ("A,,,Knitting circle,,,", "legal_form", "“Knitting circle” is not a legal form we know"),
        ("A,,,,Mentoring,Knitting,north-west", "pathways", "Select at least one pathway"),
        ("A,,,,Mentoring,Accommodation,", "regions", "Select at least one region"),
        ("A,,,,,Accommodation,north-west", "service_name", "Enter the service's name"),
    ],
)
def test_a_bad_optional_cell_is_left_out_and_the_row_imported(taxonomies, row, column, message):
    report = run(csv_bytes(row))

    assert totals(report) == (1, 0, 0, 0)
    assert any(
        (w.line, w.column) == (2, column) and message.lower() in w.message.lower()
        for w in report.warnings
    )
    organisation = Organisation.objects.get()
    assert (organisation.charity_number_ew, organisation.postcode) == ("", "")
    assert organisation.legal_form is None
    assert not organisation.services.exists()


@pytest.mark.parametrize(
    "row", [",,M1 1AE,,,,", "A,,,,,,,"], ids=["missing name", "unreadable row"]
)
def test_only_a_missing_name_an_unreadable_row_or_a_number_conflict_rejects(taxonomies, row):
    report = run(csv_bytes(row))

    assert report.rejected == 1
    assert not Organisation.objects.exists()


def test_the_report_lists_rejected_rows_and_totals(taxonomies, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes("Good,,,,,,", "Bad,,XX1,,,,"))

    output = command(path, "--strict")

    assert "Line 3, column “postcode”: Enter a real postcode" in output
    assert "Created: 1\nUpdated: 0\nUnchanged: 0\nRejected: 1" in output

    warned = command(path)

    assert "Line 3, column “postcode”, “XX1”: Left out: enter a real postcode" in warned
    assert "Created: 1\nUpdated: 0\nUnchanged: 1\nRejected: 0\nWarnings: 1" in warned


def test_a_long_file_shows_its_progress_after_each_batch(taxonomies, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes(*[f"Trust {n},,,,,," for n in range(5)]))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_organisations", str(path), "--batch-size", "2", stdout=out, stderr=err)

    assert [line for line in err.getvalue().split("\r") if "read" in line] == [
        "2 rows read",
        "4 rows read",
        "5 rows read",
    ]
    assert "Created: 5" in out.getvalue()


@pytest.mark.parametrize("size", ["0", "-3"])
def test_a_batch_size_below_one_is_refused(taxonomies, size):
    with pytest.raises(CommandError, match="--batch-size must be 1 or more"):
        command(TEMPLATE, "--batch-size", size)


def test_all_or_nothing_imports_nothing_when_a_row_is_rejected(taxonomies, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes("Good,,,,,,", ",,XX1,,,,"))

    with pytest.raises(CommandError, match="nothing was imported"):
        command(path, "--all-or-nothing")

    assert not Organisation.objects.exists()


def test_file_status_and_unclaimed_columns_are_respected(taxonomies):
    report = run(csv_bytes("A,draft,no", header="name,status,unclaimed"))

    assert report.created == 1
    organisation = Organisation.objects.get()
    assert organisation.status == Organisation.Status.DRAFT
    assert not organisation.is_unclaimed


def test_an_interrupted_import_can_be_run_again(taxonomies, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    data = csv_bytes(*[f"Organisation {n},,,,,," for n in range(10)])
    real_plan_row = importer._plan_row
    calls = {"n": 0}

    def killed_on_the_eighth_row(values, batch, problems):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt
        return real_plan_row(values, batch, problems)

    monkeypatch.setattr(importer, "_plan_row", killed_on_the_eighth_row)
    with pytest.raises(KeyboardInterrupt):
        run(data)
    # The finished batches were kept; the one in progress was rolled back whole.
    assert Organisation.objects.count() == 6

    monkeypatch.setattr(importer, "_plan_row", real_plan_row)
    report = run(data)

    assert totals(report) == (4, 0, 6, 0)
    assert Organisation.objects.count() == 10


# --- Batched writes and their history ------------------------------------------------------

SERVICE_HEADER = "name,charity_number,service_name,pathways,regions,client_groups"


def service_row(n: int, service: str = "Mentoring", pathways: str = "accommodation") -> str:
    return f"Trust {n},{1_100_000 + n},{service},{pathways},north-west;wales,women"


def test_every_imported_change_is_in_the_history_with_its_taxonomy_lists(taxonomies):
    user = moderator_user()

    run(csv_bytes(service_row(1), header=SERVICE_HEADER), user=user)

    organisation = Organisation.objects.get()
    [created] = organisation.history.all()
    assert (created.history_type, created.history_user) == ("+", user)
    assert created.history_change_reason == importer.HISTORY_REASON
    service = organisation.services.get()
    [record] = service.history.all()
    assert record.history_type == "+"
    assert record.history_user == user
    assert sorted(r.region.slug for r in record.regions.all()) == ["north-west", "wales"]
    assert [r.pathway.slug for r in record.pathways.all()] == ["accommodation"]
    assert [r.clientgroup.slug for r in record.client_groups.all()] == ["women"]

    # A later file changing the service's pathways records one change, with the new lists.
    run(csv_bytes(service_row(1, pathways="health"), header=SERVICE_HEADER), user=user)

    latest = service.history.latest()
    assert service.history.count() == 2
    assert latest.history_type == "~"
    assert [r.pathway.slug for r in latest.pathways.all()] == ["health"]
    assert [change.field for change in latest.diff_against(record).changes] == ["pathways"]
    assert list(service.pathways.values_list("slug", flat=True)) == ["health"]
    assert sorted(service.regions.values_list("slug", flat=True)) == ["north-west", "wales"]


def test_an_organisations_roles_and_quality_marks_are_in_its_history(taxonomies):
    header = "name,partnership_roles,quality_marks"
    run(csv_bytes("Anchor,subcontractor,", header=header))
    organisation = Organisation.objects.get()
    created = organisation.history.get()

    # Only a list changes: still one history record, with the lists as they now are.
    report = run(csv_bytes("Anchor,consortium-member;subcontractor,", header=header))

    assert totals(report) == (0, 1, 0, 0)
    latest = organisation.history.latest()
    assert organisation.history.count() == 2
    assert [r.partnershiprole.slug for r in created.partnership_roles.all()] == ["subcontractor"]
    assert sorted(r.partnershiprole.slug for r in latest.partnership_roles.all()) == [
        "consortium-member",
        "subcontractor",
    ]
    assert [change.field for change in latest.diff_against(created).changes] == [
        "partnership_roles"
    ]


def test_rows_repeating_an_organisation_add_its_services_in_and_across_batches(
    taxonomies, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    rows = [
        service_row(1, "Mentoring"),
        service_row(1, "Housing advice"),  # same batch as the first
        service_row(2, "Mentoring"),
        service_row(1, "Employment"),  # the next batch
        service_row(1, "Housing advice"),  # the same service again: nothing new
    ]

    report = run(csv_bytes(*rows, header=SERVICE_HEADER))

    assert totals(report) == (2, 2, 1, 0)
    services = Service.objects.filter(organisation__name="Trust 1").order_by("position")
    assert [(s.name, s.position) for s in services] == [
        ("Mentoring", 0),
        ("Housing advice", 1),
        ("Employment", 2),
    ]
    assert Organisation.objects.count() == 2


def test_a_rejected_row_changes_nothing_of_an_organisation_an_earlier_row_imported(taxonomies):
    header = "name,charity_number,postcode,service_name,pathways,regions"
    report = run(
        csv_bytes(
            "Anchor,1123456,M1 1AE,,,",
            # Valid organisation fields, but its service has no region: rejected whole.
            "Anchor,1123456,LS1 1AA,Mentoring,accommodation,",
            header=header,
        ),
        strict=True,
    )

    assert totals(report) == (1, 0, 0, 1)
    organisation = Organisation.objects.get()
    assert organisation.postcode == "M1 1AE"
    assert not organisation.services.exists()
    assert organisation.history.count() == 1


def test_a_batch_is_written_in_a_few_statements_whatever_its_rows(taxonomies):
    def writes(first: int, rows: int) -> int:
        data = csv_bytes(
            *[service_row(n) for n in range(first, first + rows)], header=SERVICE_HEADER
        )
        with CaptureQueriesContext(connection) as queries:
            report = run(data)
        assert report.created == rows
        return sum(
            query["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
            for query in queries.captured_queries
        )

    # A row used to take some twenty writes; a batch now takes a few per table (SQLite
    # splits long inserts by its limit on parameters).
    assert writes(0, 5) <= 12
    assert writes(100, 60) <= 20


def test_checking_a_row_asks_the_database_nothing(taxonomies):
    def statements(first: int, rows: int) -> int:
        data = csv_bytes(
            *[service_row(n) for n in range(first, first + rows)], header=SERVICE_HEADER
        )
        with CaptureQueriesContext(connection) as queries:
            assert run(data).created == rows
        return len(queries.captured_queries)

    # The model's check constraints were each checked with a query in a savepoint (six
    # statements a row); the fields' own rules, which they repeat, are checked in Python.
    assert statements(100, 60) - statements(0, 5) <= 15


def test_an_import_makes_the_market_coverage_figures_out_of_date(taxonomies):
    fingerprint = insights.data_fingerprint()

    run(csv_bytes(service_row(1), header=SERVICE_HEADER))

    assert insights.data_fingerprint() != fingerprint


# --- Malformed files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,town\nCafé Trust,Léeds\n".encode("cp1252"), "not UTF-8"),
        ("name,town\nA,B\n".encode("utf-16"), "UTF-16"),
        (b"", "empty"),
        (b"\n\nname\nA\n", "empty"),
        (b"Anchor House,Leeds\n", "header"),
        (b"name,colour\nA,blue\n", "Unknown column: “colour”"),
        (b"name,town,Name\nA,B,C\n", "Repeated column"),
        (b'name,town\n"A,B\n', "not a readable CSV"),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_error(taxonomies, data, message):
    with pytest.raises(ImportFileError, match=message):
        run(data)
    assert not Organisation.objects.exists()


def test_a_bad_file_is_a_command_error(taxonomies, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes("name\nCafé\n".encode("cp1252"))

    with pytest.raises(CommandError, match="not UTF-8.*Nothing was imported"):
        command(path)


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfName,Town\r\nAnchor House,Leeds\r\n",  # Excel's CSV UTF-8: BOM, CRLF
        b'name,summary\r\n"Anchor House","Homes, support and ""move-on"" help\r\nin Leeds"\r\n',
        b"name;town\r\nAnchor House;Leeds\r\n",  # a semicolon locale
        b"name\ttown\nAnchor House\tLeeds\n",
        b"name,town\n\nAnchor House,Leeds\n,\n",  # blank rows are skipped
    ],
)
def test_excel_dialects_are_read(taxonomies, data):
    report = run(data)

    assert totals(report) == (1, 0, 0, 0)
    assert Organisation.objects.get().name == "Anchor House"


def test_line_numbers_count_line_breaks_inside_quoted_cells(taxonomies):
    report = run(b'name,summary,postcode\n"A","two\nlines",\nB,,XX1\n')

    assert report.warnings[0].line == 4


class GeneratedFile(io.RawIOBase):
    """A CSV file made as it is read, `line(n)` giving its nth row, so the test holds none of
    it: a long file costs no memory of its own."""

    def __init__(self, header: str, line, rows: int):
        self.lines = (f"{line(n)}\n".encode() for n in range(rows))
        self.pending = f"{header}\n".encode()

    def readable(self):
        return True

    def readinto(self, buffer):
        while len(self.pending) < len(buffer):
            line = next(self.lines, b"")
            if not line:
                break
            self.pending += line
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        return size


def generated(header: str, line, rows: int) -> io.BufferedReader:
    return io.BufferedReader(GeneratedFile(header, line, rows))


def test_reading_a_long_file_uses_bounded_memory():
    rows = 100_000
    file = generated(
        "name,charity_number,postcode", lambda n: f"Organisation {n},{1_100_000 + n},M1 1AE", rows
    )

    tracemalloc.start()
    count = sum(1 for _ in read_rows(file))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert count == rows
    assert peak < 2 * 1024 * 1024


# What the matcher keeps of each organisation in the directory (its index of names and
# registration numbers; about 250 bytes), with room for the allocator's noise.
INDEX_BYTES_PER_ORGANISATION = 500


def test_a_long_import_holds_only_a_batch_and_the_matchers_index_in_memory(taxonomies):
    """The whole import, matching and batched writes included (docs/import.md gives the
    figures for 100,000 rows from scripts/bench_import.py)."""
    rows, batch_size = 500, 50
    file = generated(SERVICE_HEADER, service_row, rows)
    after_each_batch = []

    def measure(_rows_read):
        gc.collect()
        after_each_batch.append(tracemalloc.get_traced_memory())
        tracemalloc.reset_peak()

    tracemalloc.start()
    try:
        report = organisations_import(file=file, batch_size=batch_size, progress=measure)
    finally:
        tracemalloc.stop()

    assert totals(report) == (rows, 0, 0, 0)
    assert Service.objects.count() == rows
    # From the second batch on (the first fills caches): what stays after a batch grows only
    # by the index of the organisations written...
    kept = [current for current, _ in after_each_batch]
    rows_since = rows - 2 * batch_size
    assert kept[-1] - kept[1] < INDEX_BYTES_PER_ORGANISATION * rows_since
    # ...and a batch at the end of the file needs no more than one at its start, beyond that.
    peaks = [peak for _, peak in after_each_batch]
    assert max(peaks[2:]) - peaks[1] < INDEX_BYTES_PER_ORGANISATION * rows_since + 256 * 1024


def test_a_row_without_a_number_never_joins_a_numbered_namesake(taxonomies):
    OrganisationFactory(name="Hope House", charity_number_ew="1123456", postcode="LS1 1AA")
    OrganisationFactory(name="Hope House", charity_number_ew="1123457")

    without_number = run(csv_bytes("Hope House,,LS1 1AA,,,,"))
    by_number = run(csv_bytes("Hope House,1123457,LS1 1AA,,,,"))

    assert totals(without_number) == (1, 0, 0, 0)
    assert not without_number.warnings  # the namesakes have numbers: nothing to suggest
    assert totals(by_number) == (0, 1, 0, 0)
    assert Organisation.objects.get(charity_number_ew="1123457").postcode == "LS1 1AA"
    assert Organisation.objects.count() == 3


def test_control_characters_are_removed_on_the_way_in(taxonomies):
    report = run(b"name,summary\nBell\x07 Trust,Tea\x00 and\x1b talk\ttime\n")

    assert report.created == 1
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.summary) == ("Bell Trust", "Tea and talk\ttime")
