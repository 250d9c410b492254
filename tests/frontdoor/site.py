"""The site as `make run` serves it: dev settings, a fresh SQLite database, the demo data.

Started once per test session (see conftest.py) in a subprocess with `manage.py`'s own default
settings (config.settings.dev), the way a newcomer's `make run` starts it; only the database
and the uploads folder are moved into a temporary directory.
"""

import base64
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

ROOT = Path(__file__).resolve().parents[2]
# The recipe of `make run` (Makefile: run, setup and demo), in its order; test_makefile.py
# checks that the Makefile still runs these.
MAKE_RUN_COMMANDS = [
    ["migrate", "--noinput"],
    ["load_taxonomies"],
    ["load_demo_data"],
    ["demo_logins"],
]
STARTUP_SECONDS = 60
TOTP_PERIOD = 30


@dataclass
class DevSite:
    url: str
    env: dict[str, str]
    setup_output: str
    log: Path

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        """Run a management command against this site's database and settings."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def server_log(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def dev_environment(directory: Path) -> dict[str, str]:
    """The environment of a shell that runs `make run`, with a throwaway database and media.

    Nothing chooses the settings (manage.py's default, the dev settings, applies) and nothing
    of the test run's own database (PostgreSQL's DATABASE_URL under with-postgres.sh) leaks in.
    """
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO", "DATABASE", "PG", "PYTEST"))
        and name not in {"MEDIA_ROOT", "SECRET_KEY", "ALLOWED_HOSTS", "DEMO_PASSWORD"}
    }
    return {
        **inherited,
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "MEDIA_ROOT": str(directory / "media"),
        "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def set_up(directory: Path) -> tuple[dict[str, str], str]:
    """Run `make run`'s commands in order; fail with a command's output if one fails."""
    env = dev_environment(directory)
    output = []
    for command in MAKE_RUN_COMMANDS:
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        output.append(result.stdout + result.stderr)
        if result.returncode != 0:
            raise AssertionError(
                f"`manage.py {' '.join(command)}` (as make run runs it) failed:\n{output[-1]}"
            )
    return env, "\n".join(output)


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"runserver stopped at start-up:\n{log.read_text()}")
        try:
            requests.get(f"{url}/healthz", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"runserver did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


def serve(directory: Path):
    """Set the site up and serve it with runserver until the generator is closed."""
    env, setup_output = set_up(directory)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = directory / "runserver.log"
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(url, server, log)
            yield DevSite(url=url, env=env, setup_output=setup_output, log=log)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


class TotpCodes:
    """Codes of one secret, never the same one twice: allauth refuses a code used already
    (within its period), so a second sign-in in the same half-minute waits for the next."""

    def __init__(self, secret: str):
        base64.b32decode(secret, casefold=True)  # a bad secret fails here, not at sign-in
        self.secret = secret
        self.last_counter = None

    def next_code(self) -> str:
        counter = int(time.time()) // TOTP_PERIOD
        if counter == self.last_counter:
            time.sleep(TOTP_PERIOD - time.time() % TOTP_PERIOD + 0.5)
            counter = int(time.time()) // TOTP_PERIOD
        self.last_counter = counter
        return format_hotp_value(hotp_value(self.secret, counter))
