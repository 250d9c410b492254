"""Freshness: reminders at 11 and 12 months, "may be out of date" at 13, out of search at 18."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from directory.moderation import services
from directory.moderation.models import ModerationDecision
from directory.moderation.selectors import freshness_counts
from directory.organisations.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory, ServiceFactory

pytestmark = pytest.mark.django_db
Freshness = Organisation.Freshness
VERIFIED = datetime(2025, 1, 31, 9, 0, tzinfo=UTC)


def on(year, month, day):
    return datetime(year, month, day, 10, 0, tzinfo=UTC)


@pytest.fixture
def organisation():
    organisation = OrganisationFactory(name="Steady Trust", last_verified_at=VERIFIED)
    ServiceFactory(organisation=organisation)
    MembershipFactory(organisation=organisation, role="admin", user__email="admin@example.org")
    MembershipFactory(organisation=organisation, role="editor")
    return organisation


def search_names(client, **params):
    response = client.get(reverse("directory:organisation_list"), params)
    return [o.name for o in response.context["result"].page.object_list]


@pytest.mark.parametrize(
    "moment, months, expected",
    [
        (on(2026, 3, 31), 1, on(2026, 2, 28)),
        (on(2026, 1, 15), 13, on(2024, 12, 15)),
        (on(2024, 3, 31), 1, on(2024, 2, 29)),
    ],
)
def test_months_before_clamps_to_the_end_of_the_month(moment, months, expected):
    assert services.months_before(moment, months) == expected


def test_a_simulated_year_and_a_half(client, organisation):
    stages = []
    emails_per_day = []
    # Every week for 19 months after verification, running the command twice on each day.
    for month_offset in range(20):
        year, month = divmod(2025 * 12 + month_offset, 12)
        for day in (1, 8, 15, 22):
            now = on(year, month + 1, day)
            before = len(mail.outbox)
            services.freshness_update(now=now)
            services.freshness_update(now=now)
            emails_per_day.append(len(mail.outbox) - before)
            organisation.refresh_from_db()
            if not stages or stages[-1][1] != organisation.freshness_stage:
                stages.append((now.date().isoformat(), organisation.freshness_stage))
    assert stages == [
        ("2025-01-01", Freshness.CURRENT),
        ("2026-01-01", Freshness.FIRST_REMINDER),
        ("2026-02-01", Freshness.SECOND_REMINDER),
        ("2026-03-01", Freshness.STALE),
        ("2026-08-01", Freshness.HIDDEN),
    ]
    # Each move is in the audit history, made by the system rather than a person.
    moves = organisation.history.filter(history_type="~").values_list("freshness_stage", flat=True)
    assert set(moves) == {stage for _, stage in stages[1:]}
    assert not organisation.history.filter(history_user__isnull=False).exists()
    assert sum(emails_per_day) == 2 and max(emails_per_day) == 1
    assert [message.to for message in mail.outbox] == [["admin@example.org"]] * 2
    assert "Reminder" in mail.outbox[1].subject and "Reminder" not in mail.outbox[0].subject


def test_stale_entries_are_flagged_and_then_left_out_of_default_search(client, organisation):
    OrganisationFactory(name="Fresh Trust")
    services.freshness_update(now=on(2026, 3, 1))
    assert "may be out of date" in client.get(organisation.get_absolute_url()).content.decode()
    assert "Steady Trust" in search_names(client)

    services.freshness_update(now=on(2026, 8, 1))
    assert search_names(client) == ["Fresh Trust"]
    assert search_names(client, include_out_of_date="yes") == ["Fresh Trust", "Steady Trust"]
    assert client.get(organisation.get_absolute_url()).status_code == 200


def test_confirming_the_entry_resets_freshness(client, organisation):
    services.freshness_update(now=on(2026, 8, 1))
    admin = organisation.memberships.get(role="admin").user
    services.organisation_confirm_still_correct(organisation=organisation, user=admin)
    organisation.refresh_from_db()
    assert organisation.freshness_stage == Freshness.CURRENT
    assert ModerationDecision.objects.get().kind == ModerationDecision.Kind.CONFIRMATION
    assert "Steady Trust" in search_names(client)
    assert "may be out of date" not in client.get(organisation.get_absolute_url()).content.decode()


def test_unpublished_entries_are_left_alone(organisation):
    draft = OrganisationFactory(status=Organisation.Status.DRAFT, last_verified_at=VERIFIED)
    services.freshness_update(now=on(2027, 1, 1))
    draft.refresh_from_db()
    assert draft.freshness_stage == Freshness.CURRENT


def test_entries_never_verified_count_from_their_publication(organisation):
    """Imported organisations were published without a moderator or an admin checking them."""
    imported = OrganisationFactory(last_verified_at=None, published_at=VERIFIED)
    MembershipFactory(organisation=imported, role="admin", user__email="imported@example.org")
    recent = OrganisationFactory(last_verified_at=None, published_at=on(2026, 6, 1))
    services.freshness_update(now=on(2026, 1, 1))
    imported.refresh_from_db()
    assert imported.freshness_stage == Freshness.FIRST_REMINDER
    assert ["imported@example.org"] in [message.to for message in mail.outbox]
    services.freshness_update(now=on(2026, 8, 1))
    imported.refresh_from_db()
    recent.refresh_from_db()
    assert (imported.freshness_stage, recent.freshness_stage) == (
        Freshness.HIDDEN,
        Freshness.CURRENT,
    )


@override_settings(FRESHNESS_FIRST_REMINDER_MONTHS=2)
def test_intervals_are_settings(organisation):
    services.freshness_update(now=on(2025, 4, 1))
    organisation.refresh_from_db()
    assert organisation.freshness_stage == Freshness.FIRST_REMINDER


def test_the_daily_command_runs_on_the_real_clock(organisation, capsys, monkeypatch):
    # Time travel: the command reads the clock itself. 11 months and a day after verification.
    monkeypatch.setattr(timezone, "now", lambda: on(2025, 12, 31) + timedelta(days=1))
    call_command("send_freshness_reminders")
    assert capsys.readouterr().out == (
        "Entries moved on: first_reminder: 1. Reminder emails sent: 1\n"
    )
    call_command("send_freshness_reminders")
    assert capsys.readouterr().out == "Entries moved on: none. Reminder emails sent: 0\n"
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "moment, stage, says",
    [
        (on(2026, 3, 1), Freshness.STALE, 'now marked "may be out of date"'),
        (on(2026, 8, 1), Freshness.HIDDEN, "now left out of search results"),
    ],
)
def test_an_entry_past_its_final_reminder_is_told_once(organisation, moment, stage, says):
    """If the reminders were never sent (the command did not run, or an old entry was loaded),
    the admins still hear once that their entry is flagged or hidden."""
    services.freshness_update(now=on(2025, 12, 31) + timedelta(days=1))
    assert services.freshness_update(now=moment)["emails"] == 1
    assert services.freshness_update(now=moment)["emails"] == 0
    organisation.refresh_from_db()
    assert organisation.freshness_stage == stage
    assert len(mail.outbox) == 2
    assert says in mail.outbox[1].body and mail.outbox[1].to == ["admin@example.org"]


def test_an_entry_already_reminded_twice_gets_no_more_emails(organisation):
    for moment in [on(2026, 1, 1), on(2026, 2, 1), on(2026, 3, 1), on(2026, 8, 1)]:
        services.freshness_update(now=moment)
    assert len(mail.outbox) == 2


def test_the_moderation_workspace_counts_freshness_states(organisation):
    services.freshness_update(now=on(2026, 3, 1))
    assert dict(freshness_counts())["May be out of date"] == 1
