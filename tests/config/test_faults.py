"""A database outage in the middle of a form submit: a friendly error page, nothing half-saved,
nothing saved before it lost, and the same submit works once the database is back."""

import io
import os
import re
import select
import signal
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from accounts.models import Membership
from directory.models import EvidenceItem, Organisation, Service
from tests.directory.registration_helpers import draft_with_admin
from tests.external_database import manage, shared_database
from tests.factories import EvidenceItemFactory, ServiceFactory

FRIENDLY_ERROR = b"Sorry, there is a problem with the service"
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE")
# Transaction control still reaches the database: when a connection really drops, the server
# discards the unfinished transaction itself, which is what the rollback does here.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


class DatabaseOutage:
    """Lets `writes_before_outage` writes through, then fails every query as a lost server would."""

    def __init__(self, writes_before_outage: int):
        self.writes_left = writes_before_outage
        self.down = False
        self.original_execute = CursorWrapper.execute

    def as_execute(self):
        """A replacement for CursorWrapper.execute (a plain function, so it binds the cursor)."""

        def execute(cursor, sql, params=None):
            return self.handle(cursor, sql, params)

        return execute

    def handle(self, cursor, sql, params):
        statement = sql.lstrip().upper()
        if statement.startswith(TRANSACTION_CONTROL):
            return self.original_execute(cursor, sql, params)
        if not self.down and statement.startswith(WRITE_STATEMENTS):
            if self.writes_left == 0:
                self.down = True
            self.writes_left -= 1
        if self.down:
            raise OperationalError("server closed the connection unexpectedly")
        return self.original_execute(cursor, sql, params)


def everything_saved() -> dict[str, list]:
    return {
        "organisations": list(Organisation.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "services": list(Service.objects.order_by("pk").values()),
        "evidence": list(EvidenceItem.objects.order_by("pk").values()),
    }


@pytest.fixture
def signed_in(client, transactional_db, taxonomies):
    """A signed-in admin of a draft, with a published organisation's work already saved."""
    draft, user = draft_with_admin(name="Harbour Women's Centre")
    published = ServiceFactory().organisation
    EvidenceItemFactory(organisation=published)
    client.force_login(user)
    client.raise_request_exception = False
    return client


def start_data() -> dict[str, str]:
    return {
        "name": "Brightside Recovery",
        "charity_number_ew": "",
        "company_number": "",
        "token": str(uuid.uuid4()),
    }


# Registering an organisation writes five rows: the organisation, its history record, the
# membership, its history record, then the organisation's search document.
WRITES_OF_A_REGISTRATION = 5


@pytest.mark.parametrize(
    "writes_before_outage",
    range(WRITES_OF_A_REGISTRATION),
    ids=lambda writes: f"outage after {writes} writes",
)
def test_an_outage_during_a_submit_shows_the_error_page_and_saves_nothing_half(
    signed_in, monkeypatch, writes_before_outage
):
    before = everything_saved()
    data = start_data()
    outage = DatabaseOutage(writes_before_outage)

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", outage.as_execute())
        response = signed_in.post(reverse("registration:new"), data)

    assert outage.down, "the outage never happened: the test would prove nothing"
    assert response.status_code == 500
    assert FRIENDLY_ERROR in response.content
    assert everything_saved() == before

    # Once the database is back, the same submission works, exactly once.
    retry = signed_in.post(reverse("registration:new"), data)

    assert retry.status_code == 302
    assert Organisation.objects.filter(name="Brightside Recovery").count() == 1
    created = Organisation.objects.get(name="Brightside Recovery")
    assert created.memberships.count() == 1


def test_the_health_check_reports_an_outage(client, transactional_db, monkeypatch):
    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", database_down)
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


# --- Commands killed halfway ---------------------------------------------------------------


def wait_for(process, condition, what: str, timeout: float = 180) -> str:
    """Read the process's stderr until `condition(text so far)`; the text."""
    text, deadline = "", time.monotonic() + timeout
    stream = process.stderr.fileno()
    while not condition(text):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(f"gave up waiting for {what}; stderr: {text[-2000:]}")
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            text += os.read(stream, 65536).decode(errors="replace")
    return text


def rows_read(text: str) -> int:
    counts = re.findall(r"([\d,]+) rows read", text)
    return int(counts[-1].replace(",", "")) if counts else 0


IMPORT_ROWS, IMPORT_BATCH = 300, 10


def test_an_import_killed_halfway_resumes_with_nothing_lost_or_doubled(transactional_db, tmp_path):
    call_command("load_taxonomies", verbosity=0)
    path = tmp_path / "list.csv"
    path.write_text(
        "name,charity_number,service_name,pathways,regions\n"
        + "".join(
            f"Trust {n},{1_100_000 + n},Mentoring,accommodation,north-west\n"
            for n in range(IMPORT_ROWS)
        )
    )
    with shared_database(tmp_path) as url:
        process = manage(url, "import_organisations", str(path), "--batch-size", str(IMPORT_BATCH))
        wait_for(process, lambda text: rows_read(text) >= 3 * IMPORT_BATCH, "three batches")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    kept = Organisation.objects.count()
    # Whole batches only: the one being written when it was killed was rolled back.
    assert 3 * IMPORT_BATCH <= kept < IMPORT_ROWS, "not killed halfway: the test proves nothing"
    assert kept % IMPORT_BATCH == 0
    assert Service.objects.count() == kept

    out = io.StringIO()
    call_command("import_organisations", str(path), stdout=out, stderr=io.StringIO())

    assert f"Created: {IMPORT_ROWS - kept:,}\nUpdated: 0\nUnchanged: {kept:,}" in out.getvalue()
    names = list(Organisation.objects.values_list("name", flat=True))
    assert sorted(names) == sorted(f"Trust {n}" for n in range(IMPORT_ROWS))
    assert Service.objects.count() == IMPORT_ROWS
    # One history record each: nothing was written twice.
    assert Organisation.history.count() == IMPORT_ROWS
    assert Service.history.count() == IMPORT_ROWS
