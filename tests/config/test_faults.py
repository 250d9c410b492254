"""A database outage in the middle of a form submit: a friendly error page, nothing half-saved,
nothing saved before it lost, and the same submit works once the database is back."""

import uuid

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse

from accounts.models import Membership
from directory.models import EvidenceItem, Organisation, Service
from tests.directory.registration_helpers import draft_with_admin
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
