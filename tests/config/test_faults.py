"""Faults: a database outage in the middle of a form submit (a friendly error page, nothing
half-saved, nothing saved before it lost, and the same submit works once the database is back);
a mail server that is down (the action stands, its email waits in the outbox and is sent later);
and the import and alert commands killed halfway (run again, nothing is lost or doubled)."""

import io
import os
import re
import select
import signal
import time
import uuid
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership
from config.settings import base
from consortia.models import ExpressionOfInterest
from directory.moderation.models import ModerationDecision
from directory.organisations.models import EvidenceItem, Organisation, Region, Service
from directory.search import search_alerts
from directory.search.models import SavedSearchSeen
from directory.shortlists.models import ContactMessage
from outbox.models import OutgoingEmail
from tests.external_database import manage, shared_database
from tests.factories import (
    CommissionerProfileFactory,
    EvidenceItemFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganisationFactory,
    SavedSearchFactory,
    ServiceFactory,
    UserFactory,
    moderator_user,
    verified_user,
)
from tests.registration.registration_helpers import draft_with_admin

FRIENDLY_ERROR = b"Sorry, there is a problem with the service"
# Transaction control still reaches the database: when a connection really drops, the server
# discards the unfinished transaction itself, which is what the rollback does here.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


class DatabaseOutage:
    """Lets `statements_before_outage` statements through, then fails every query as a lost
    server would (never, when None: it only counts). Every statement counts, reads and writes
    alike, so that stepping through the counts puts the outage at every point of a submit."""

    def __init__(self, statements_before_outage: int | None):
        self.limit = statements_before_outage
        self.statements = 0
        self.down = False
        self.original_execute = CursorWrapper.execute

    def as_execute(self):
        """A replacement for CursorWrapper.execute (a plain function, so it binds the cursor)."""

        def execute(cursor, sql, params=None):
            return self.handle(cursor, sql, params)

        return execute

    def handle(self, cursor, sql, params):
        if sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            return self.original_execute(cursor, sql, params)
        if self.statements == self.limit:
            self.down = True
        if self.down:
            raise OperationalError("server closed the connection unexpectedly")
        self.statements += 1
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


def start_data(name: str) -> dict[str, str]:
    return {"name": name, "charity_number_ew": "", "company_number": "", "token": str(uuid.uuid4())}


def submit(client, monkeypatch, data: dict, outage: DatabaseOutage):
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", outage.as_execute())
        return client.post(reverse("registration:new"), data)


def test_an_outage_at_any_point_of_a_submit_shows_the_error_page_and_saves_nothing_half(
    signed_in, monkeypatch
):
    # Registering an organisation reads the session and user, then writes the organisation,
    # its history, the membership, its history and the search data: count its statements.
    counter = DatabaseOutage(None)
    assert submit(signed_in, monkeypatch, start_data("Counted"), counter).status_code == 302
    assert counter.statements > 5

    for statements_before_outage in range(counter.statements):
        name = f"Brightside Recovery {statements_before_outage}"
        before = everything_saved()
        data = start_data(name)
        outage = DatabaseOutage(statements_before_outage)

        response = submit(signed_in, monkeypatch, data, outage)

        where = f"outage after {statements_before_outage} statements"
        assert outage.down, where
        assert response.status_code == 500, where
        assert FRIENDLY_ERROR in response.content, where
        assert everything_saved() == before, where

        # Once the database is back, the same submission works, exactly once.
        retry = signed_in.post(reverse("registration:new"), data)

        assert retry.status_code == 302, where
        assert Organisation.objects.filter(name=name).count() == 1, where
        assert Organisation.objects.get(name=name).memberships.count() == 1, where


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


def test_alerts_killed_halfway_resume_with_no_alert_lost_or_sent_twice(
    transactional_db, tmp_path, settings
):
    call_command("load_taxonomies", verbosity=0)
    users = [UserFactory(email=f"commissioner{n}@example.org") for n in range(4)]
    for user in users:
        SavedSearchFactory(owner=user, query_string="region=wales", alert_frequency="daily")
    ServiceFactory(regions=[Region.objects.get(slug="wales")])
    folder = tmp_path / "mail"
    folder.mkdir()

    with shared_database(tmp_path) as url:
        # The mail server stalls on the second email; the run is killed while it waits.
        process = manage(
            url,
            "send_search_alerts",
            settings="tests.config.fault_settings",
            MAIL_FOLDER=str(folder),
            HANG_ON_MESSAGE="2",
        )
        wait_until(process, lambda: (folder / "hanging").exists(), "the stalled second email")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    delivered = [
        message_from_bytes(path.read_bytes())["To"] for path in sorted(folder.glob("*.eml"))
    ]
    assert delivered == [users[0].email]
    # The second user's alert was committed with its email, which waits in the outbox.
    [waiting] = OutgoingEmail.objects.all()
    assert waiting.recipients == users[1].email
    assert SavedSearchSeen.objects.filter(saved_search__owner=users[1]).exists()
    assert not SavedSearchSeen.objects.filter(saved_search__owner__in=users[2:]).exists()

    # Run again (in this process, with the mail server back).
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    call_command("send_search_alerts", stdout=io.StringIO())
    # The killed run's claim on the waiting email runs out; the timer then sends it.
    OutgoingEmail.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    call_command("send_queued_emails", stdout=io.StringIO())
    call_command("send_search_alerts", stdout=io.StringIO())

    delivered += [message.to[0] for message in mail.outbox]
    assert sorted(delivered) == sorted(user.email for user in users)
    assert not OutgoingEmail.objects.exists()


def test_alerts_interrupted_before_a_commit_resume_with_no_alert_lost_or_sent_twice(
    transactional_db, settings, monkeypatch
):
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    call_command("load_taxonomies", verbosity=0)
    users = [UserFactory() for _ in range(3)]
    for user in users:
        SavedSearchFactory(owner=user, query_string="region=wales", alert_frequency="daily")
    ServiceFactory(regions=[Region.objects.get(slug="wales")])
    real_send_mail = search_alerts.send_mail
    calls = {"n": 0}

    def killed_while_sending_the_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr(search_alerts, "send_mail", killed_while_sending_the_second)
    with pytest.raises(KeyboardInterrupt):
        call_command("send_search_alerts", stdout=io.StringIO())
    assert [message.to for message in mail.outbox] == [[users[0].email]]
    # The interrupted user's transaction was rolled back whole: nothing marked as seen.
    assert not SavedSearchSeen.objects.filter(saved_search__owner=users[1]).exists()

    monkeypatch.setattr(search_alerts, "send_mail", real_send_mail)
    call_command("send_search_alerts", stdout=io.StringIO())
    call_command("send_search_alerts", stdout=io.StringIO())

    assert sorted(message.to[0] for message in mail.outbox) == sorted(u.email for u in users)
    assert not OutgoingEmail.objects.exists()


def wait_until(process, condition, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(
                f"gave up waiting for {what}; stderr: {process.stderr.read().decode()[-2000:]}"
            )
        time.sleep(0.2)


# --- A mail server that is down -------------------------------------------------------------

DOWN = "tests.outbox.mail_servers.DownMailServer"


def approve_a_submission(client):
    organisation = OrganisationFactory(status=Organisation.Status.SUBMITTED, last_verified_at=None)
    admin = MembershipFactory(organisation=organisation, role=Membership.Role.ADMIN).user
    client.force_login(moderator_user())
    url = reverse("moderation:organisation", kwargs={"org": organisation.uuid})
    response = client.post(url, {"action": "approve", "version": organisation.version})

    def done() -> bool:
        organisation.refresh_from_db()
        return organisation.status == Organisation.Status.PUBLISHED and (
            ModerationDecision.objects.filter(organisation=organisation, action="approve").exists()
        )

    return response, done, admin.email


def send_a_contact_message(client):
    organisation = OrganisationFactory(email="hello@safehomes.example.org")
    sender = UserFactory()
    CommissionerProfileFactory(
        user=sender, verification_status="verified", verified_at=timezone.now()
    )
    client.force_login(sender)
    response = client.post(
        reverse("contact_organisation", kwargs={"slug": organisation.slug}),
        {"subject": "Accommodation contract", "body": "Would you bid with us?"},
    )

    def done() -> bool:
        return ContactMessage.objects.filter(organisation=organisation, sender=sender).exists()

    return response, done, "hello@safehomes.example.org"


def invite_a_colleague(client):
    membership = MembershipFactory(user=verified_user(), role=Membership.Role.ADMIN)
    client.force_login(membership.user)
    response = client.post(
        reverse("accounts_member_invite", kwargs={"slug": membership.organisation.slug}),
        {"email": "new.person@example.org", "role": "editor"},
    )

    def done() -> bool:
        return Invitation.objects.filter(email="new.person@example.org").exists()

    return response, done, "new.person@example.org"


def respond_to_an_opportunity(client):
    opportunity = OpportunityFactory()
    membership = MembershipFactory()
    service = ServiceFactory(organisation=membership.organisation)
    client.force_login(membership.user)
    response = client.post(
        opportunity.get_absolute_url(),
        {
            "organisation": membership.organisation.pk,
            "message": "We can help.",
            "services": [service.pk],
        },
    )

    def done() -> bool:
        return ExpressionOfInterest.objects.filter(opportunity=opportunity).exists()

    return response, done, opportunity.posted_by.email


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    [approve_a_submission, send_a_contact_message, invite_a_colleague, respond_to_an_opportunity],
    ids=["moderation decision", "contact message", "invitation", "expression of interest"],
)
def test_a_mail_server_that_is_down_loses_no_action_and_its_email_is_sent_later(
    client, settings, django_capture_on_commit_callbacks, action
):
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.EMAIL_DELIVERY_BACKEND = DOWN

    with django_capture_on_commit_callbacks(execute=True):
        response, done, recipient = action(client)

    # The action succeeded as usual and stands; its email waits.
    assert response.status_code == 302, response.content.decode()[:500]
    assert done()
    assert mail.outbox == []
    waiting = OutgoingEmail.objects.get()
    assert recipient in waiting.recipients
    assert waiting.attempts == 1 and "SMTPConnectError" in waiting.last_error

    # The mail server is back; the timer's next run after the wait sends it, once.
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.update(next_attempt_at=timezone.now())
    call_command("send_queued_emails", stdout=io.StringIO())
    call_command("send_queued_emails", stdout=io.StringIO())

    [email] = mail.outbox
    assert recipient in email.to
    assert not OutgoingEmail.objects.exists()
