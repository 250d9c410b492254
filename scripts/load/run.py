"""`make load`: the load test (run by scripts/load.sh, with DATABASE_URL set).

1. Migrates the database, seeds LOAD_ORGANISATIONS (default 250,000) published organisations
   if it has fewer, and rebuilds the search documents when migrations were applied.
2. Creates the signed-in test accounts with their shortlists, and the plan (plan.py).
3. Starts gunicorn (deploy/gunicorn.conf.py, production settings) and nginx in front of it
   (deploy/nginx, adapted by servers.py), then locust, headless, with locustfile.py: users
   ramp up until a step fails, then the load is held at 80% of that (ramp.py).
4. Prints the figures and writes them to the "Load test" section of LOAD_REPORT (default
   docs/performance.md; empty for none). Everything it started is stopped whatever happens.
"""

import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import ramp
import servers

ROOT = servers.ROOT
OUTPUT = Path(os.environ.get("LOAD_OUTPUT", ROOT / "var" / "load"))
ORGANISATIONS = int(os.environ.get("LOAD_ORGANISATIONS", "250000"))
PROFILE_SAMPLE = int(os.environ.get("LOAD_PROFILE_SAMPLE", "5000"))
SEED = int(os.environ.get("LOAD_SEED", "2026"))
REPORT = os.environ.get("LOAD_REPORT", str(ROOT / "docs" / "performance.md"))


def log(message: str) -> None:
    sys.stderr.write(f"[load] {message}\n")
    sys.stderr.flush()


def _stop_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def configure_django(csrf_origin: str) -> dict:
    """Production settings for this process and gunicorn; returns gunicorn's environment."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The sign-in form posts to https://127.0.0.1:PORT, which Django's CSRF check only
            # accepts from the origins it is told about (in production the port is 443).
            "CSRF_TRUSTED_ORIGINS": csrf_origin,
            "EMAIL_URL": os.environ.get("EMAIL_URL", "smtp://127.0.0.1:25"),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return dict(os.environ)


def prepare_database() -> int:
    """Migrate, seed to ORGANISATIONS, refresh search data when needed; the published count."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from directory.organisations.models import Organisation
    from directory.search.management.commands.seed_directory import seed_published_up_to
    from directory.search.search_index import refresh_search_documents

    recorder = MigrationRecorder(connection)
    before = set(recorder.applied_migrations()) if recorder.has_table() else set()
    call_command("migrate", verbosity=0, interactive=False)
    applied = set(recorder.applied_migrations()) - before
    seeded = seed_published_up_to(ORGANISATIONS, log)
    if not seeded and applied and before:
        # A migration may change what the search documents hold; seeding rebuilds them anyway.
        log(f"{len(applied)} new migrations: rebuilding the search documents")
        refresh_search_documents()
    if seeded or applied:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return Organisation.objects.published().count()


def accounts_needed(settings: ramp.RampSettings) -> int:
    """Enough accounts for the signed-in share of the most users the ramp can reach, twice over
    (locust rounds the split between user classes)."""
    share = ramp.MIX["signed_in"] / sum(ramp.MIX.values())
    return (
        int(os.environ.get("LOAD_ACCOUNTS", "0")) or math.ceil(settings.max_users * share * 2) + 5
    )


def run_locust(*, host: str, workdir: Path, settings: ramp.RampSettings, environ: dict) -> dict:
    results = workdir / "results.json"
    steps = settings.max_users // settings.step_users
    # A hard limit on top of the shape's own end (locust ignores --run-time with a shape):
    # every step, the hold, and a margin.
    limit = math.ceil(steps * settings.step_seconds + settings.hold_seconds + 120)
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--host",
        host,
        "--only-summary",
        "--csv",
        str(OUTPUT / "locust"),
        "--html",
        str(OUTPUT / "locust.html"),
        "--loglevel",
        "WARNING",
        "--logfile",
        str(OUTPUT / "locust.log"),
    ]
    environ = {
        **environ,
        "LOAD_PLAN": str(workdir / "plan.json"),
        "LOAD_RESULTS": str(results),
        "LOAD_CA_BUNDLE": str(workdir / "cert.pem"),
    }
    process = subprocess.Popen(command, cwd=ROOT, env=environ)
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        log(f"locust was still running after {limit} s: stopping it")
    finally:
        # SIGTERM: locust stops its users and still writes the results.
        servers.stop(process)
    # locust exits 1 when any request failed, which the ramp to failure expects.
    if not results.exists():
        raise SystemExit(
            f"locust ended ({process.returncode}) without results: see {OUTPUT / 'locust.log'}"
        )
    return json.loads(results.read_text(encoding="utf-8"))


def errors_by_request() -> list[str]:
    """locust's own failure table, summarised: "N × name: error"."""
    failures = OUTPUT / "locust_failures.csv"
    if not failures.exists():
        return []
    import csv

    with failures.open(encoding="utf-8") as file:
        rows = sorted(csv.DictReader(file), key=lambda row: -int(row["Occurrences"]))
    return [f"{int(row['Occurrences']):,} × {row['Name']}: {row['Error'][:80]}" for row in rows[:8]]


def main() -> None:
    # Stop cleanly on Ctrl-C even when started with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    settings = ramp.RampSettings.from_env()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    https_port, http_port, gunicorn_port = servers.free_ports(3)
    host = f"https://127.0.0.1:{https_port}"
    environ = configure_django(host)

    published = prepare_database()
    log(f"{published:,} published organisations")
    from django.core.management import call_command
    from django.db import connections
    from plan import build_plan

    accounts = accounts_needed(settings)
    plan = build_plan(
        accounts=accounts,
        password=secrets.token_urlsafe(16),
        seed=SEED,
        profile_sample=PROFILE_SAMPLE,
    )
    log(
        f"{accounts} signed-in test accounts with shortlists; "
        f"{len(plan['organisations']):,} profiles to visit"
    )
    call_command("collectstatic", verbosity=0, interactive=False)
    connections.close_all()

    gunicorn = nginx = None
    with tempfile.TemporaryDirectory(prefix="rpd-load-") as temp:
        workdir = Path(temp)
        plan_file = workdir / "plan.json"
        plan_file.write_text(json.dumps(plan), encoding="utf-8")
        plan_file.chmod(0o600)
        certificate = servers.make_certificate(workdir)
        server_log = (OUTPUT / "servers.log").open("w", encoding="utf-8")
        try:
            gunicorn = servers.start_gunicorn(port=gunicorn_port, environ=environ, log=server_log)
            servers.wait_until_healthy(f"http://127.0.0.1:{gunicorn_port}/healthz", gunicorn)
            nginx = servers.start_nginx(
                workdir=workdir,
                https_port=https_port,
                http_port=http_port,
                upstream_port=gunicorn_port,
                log=server_log,
            )
            servers.wait_until_healthy(f"{host}/healthz", nginx, cafile=certificate)
            workers = _gunicorn_workers(gunicorn.pid)
            log(f"gunicorn ({workers} workers) behind nginx at {host}; logs in {OUTPUT}")
            load_before = servers.load_average()
            results = run_locust(host=host, workdir=workdir, settings=settings, environ=environ)
            load_after = servers.load_average()
        finally:
            servers.stop(nginx)
            servers.stop(gunicorn)
            for nginx_log in ("nginx-access.log", "nginx-error.log"):
                if (workdir / nginx_log).exists():
                    (workdir / nginx_log).replace(OUTPUT / nginx_log)
            server_log.close()

    wait = f"{os.environ.get('LOAD_WAIT_MIN', '1')} to {os.environ.get('LOAD_WAIT_MAX', '5')}"
    context = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": servers.machine() + f", Python {sys.version.split()[0]}",
        "load_before": load_before,
        "load_after": load_after,
        "organisations": published,
        "workers": workers,
        "locust_version": metadata.version("locust"),
        "wait": wait,
        "errors": errors_by_request(),
        "code": code_version(),
    }
    (OUTPUT / "results.json").write_text(
        json.dumps({"context": context, **results}, indent=2), encoding="utf-8"
    )
    section = ramp.report_markdown(results, context=context)
    sys.stdout.write(section)
    if REPORT:
        report = Path(REPORT)
        existing = report.read_text(encoding="utf-8") if report.exists() else ""
        report.write_text(ramp.replace_section(existing, section), encoding="utf-8")
        log(f"Written to {report}")


def code_version() -> str:
    """The commit measured, and whether the work tree had changes on top of it."""
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "an unknown version (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if changed else "")


def _gunicorn_workers(pid: int) -> int:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return len(children.read_text().split()) if children.exists() else 0


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("Interrupted: everything the load test started has been stopped")
        sys.exit(130)
