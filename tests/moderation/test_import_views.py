"""The bulk import page in the moderators' workspace: dry-run report first, then confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from directory.organisations.models import Organisation
from tests.factories import UserFactory, moderator_user

pytestmark = pytest.mark.django_db
UPLOAD = reverse("import_upload")
CONFIRM = reverse("import_confirm")
GOOD_AND_BAD = b"name,postcode\r\nAnchor House,LS1 1AA\r\n,M1 1AE\r\nBad Postcode Trust,XX1\r\n"


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_ROOT


@pytest.fixture
def moderator_client(taxonomies):
    client = Client()
    client.force_login(moderator_user())
    return client


def upload(client, data=GOOD_AND_BAD, name="list.csv", **extra):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, "text/csv"), **extra})


def test_the_dry_run_report_comes_first_and_nothing_is_saved(moderator_client):
    response = upload(moderator_client)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This is a dry run" in html
    assert "Enter the organisation&#x27;s name" in html
    # The bad postcode is left out, and the warning says where, what and why.
    assert "XX1" in html and "Left out: enter a real postcode" in html
    report = response.context["report"]
    assert (report.created, report.rejected, report.warning_count) == (2, 1, 1)
    assert report.errors[0].line == 3
    assert report.warnings[0].line == 4
    assert not Organisation.objects.exists()


def test_strict_rejects_a_row_for_a_bad_cell(moderator_client):
    report = upload(moderator_client, strict="on").context["report"]

    assert (report.created, report.rejected, report.warning_count) == (1, 2, 0)


def test_confirming_imports_the_checked_file_once(moderator_client, upload_root):
    token = upload(moderator_client).context["token"]

    response = moderator_client.post(CONFIRM, {"token": token})

    assert response.status_code == 200
    assert response.context["report"].created == 2
    assert list(Organisation.objects.values_list("name", "postcode")) == [
        ("Anchor House", "LS1 1AA"),
        ("Bad Postcode Trust", ""),
    ]
    # The audit trail names the moderator who confirmed it.
    record = Organisation.objects.get(name="Anchor House").history.get()
    assert record.history_user == response.wsgi_request.user
    assert not list(upload_root.iterdir())
    # The token is spent: a second confirmation finds nothing.
    assert moderator_client.post(CONFIRM, {"token": token}).status_code == 404


def test_another_session_cannot_confirm_someone_elses_upload(moderator_client, taxonomies):
    token = upload(moderator_client).context["token"]
    other = Client()
    other.force_login(moderator_user())

    assert other.post(CONFIRM, {"token": token}).status_code == 404
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("token", ["", "not-a-token", "../../etc/passwd"])
def test_unknown_tokens_are_not_found(moderator_client, token):
    assert moderator_client.post(CONFIRM, {"token": token}).status_code == 404


def test_all_or_nothing_offers_no_import_when_rows_are_rejected(moderator_client):
    response = upload(moderator_client, all_or_nothing="on")

    assert "upload it again" in response.content.decode()
    assert CONFIRM not in response.content.decode()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ("name\nCafé\n".encode("cp1252"), "list.csv", "not UTF-8"),
        (b"Anchor,Leeds\n", "list.csv", "header"),
        (b"name\nA\n", "list.xlsx", "must be a CSV"),
        (b"", "list.csv", "The selected file is empty"),
    ],
)
def test_bad_files_are_errors_beside_the_field(moderator_client, data, name, message):
    response = upload(moderator_client, data=data, name=name)

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert response.context["form"].errors["file"]


def test_confirm_needs_a_post(moderator_client):
    assert moderator_client.get(CONFIRM).status_code == 405


def test_people_who_are_not_moderators_get_404(client, taxonomies):
    client.force_login(UserFactory())

    assert client.get(UPLOAD).status_code == 404
    assert upload(client).status_code == 404
    assert not Organisation.objects.exists()


def test_anonymous_people_are_asked_to_sign_in(client):
    response = client.get(UPLOAD)

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
