"""The systemd units in deploy/systemd: every timer starts its service, every service runs a
management command that exists, and the jobs the code relies on being run are scheduled."""

import re
from pathlib import Path

from django.core.management import get_commands

SYSTEMD = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
COMMAND = re.compile(r"^ExecStart=\S*python manage\.py (\w+)", re.MULTILINE)


def scheduled_commands() -> set[str]:
    """The commands that a timer runs."""
    return {
        command
        for timer in SYSTEMD.glob("*.timer")
        for command in COMMAND.findall(timer.with_suffix(".service").read_text())
    }


def test_every_timer_starts_a_service():
    timers = sorted(SYSTEMD.glob("*.timer"))
    assert timers
    assert [t.name for t in timers if not t.with_suffix(".service").exists()] == []


def test_every_service_runs_a_command_that_exists():
    commands = get_commands()
    run = [name for s in SYSTEMD.glob("*.service") for name in COMMAND.findall(s.read_text())]
    assert run
    assert [name for name in run if name not in commands] == []


def test_the_jobs_that_tell_people_are_scheduled():
    """The moderators' digest (hourly at most) and daily summary, and the emails waiting in
    the outbox, go only if something runs them."""
    scheduled = scheduled_commands()
    for command in (
        "send_moderation_digest",
        "send_moderation_summary",
        "send_freshness_reminders",
        "send_queued_emails",
    ):
        assert command in scheduled, command
