"""`make load`: the ramp and its arithmetic, the traffic the simulated people make, the set-up
in the database, the adapted nginx site, and a few seconds of the real locustfile against a
live server with a tiny seeded directory."""

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client

from accounts.models import User
from directory.search.filters import OrganisationFilterSet
from directory.shortlists.models import Shortlist
from scripts.load import plan as load_plan
from scripts.load import ramp, servers, traffic

ROOT = Path(__file__).resolve().parents[2]


def settings(**overrides) -> ramp.RampSettings:
    values = {
        "step_users": 10,
        "step_seconds": 60,
        "settle_seconds": 10,
        "max_users": 40,
        "hold_seconds": 600,
        "failure_p95_ms": 2000,
        "failure_error_rate": 0.01,
    }
    return ramp.RampSettings(**{**values, **overrides})


def run_step(controller: ramp.RampThenHold, start: float, *, ms: float, ok: bool = True):
    """Responses through one step (one a second after the settling time), then its end."""
    for second in range(12, 60):
        controller.record(at=start + second, ms=ms, ok=ok, kind="search")
    return controller.tick(start + 60)


# --- settings ---------------------------------------------------------------------------


def test_settings_come_from_the_environment():
    loaded = ramp.RampSettings.from_env(
        {"LOAD_STEP_USERS": "5", "LOAD_HOLD_SECONDS": "30", "LOAD_FAILURE_P95_MS": "750"}
    )
    assert (loaded.step_users, loaded.hold_seconds, loaded.failure_p95_ms) == (5, 30.0, 750.0)
    assert loaded.hold_share == 0.8 and loaded.target_users == 50


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"LOAD_STEP_USERS": "ten"}, "LOAD_STEP_USERS must be a number"),
        ({"LOAD_STEP_USERS": "0"}, "LOAD_STEP_USERS must be at least 1"),
        ({"LOAD_STEP_USERS": "50", "LOAD_MAX_USERS": "40"}, "at most LOAD_MAX_USERS"),
        ({"LOAD_HOLD_SHARE": "1.5"}, "LOAD_HOLD_SHARE"),
        ({"LOAD_SETTLE_SECONDS": "60"}, "LOAD_SETTLE_SECONDS must be shorter"),
    ],
    ids=["not-a-number", "no-users", "step-over-cap", "share-over-one", "settle-too-long"],
)
def test_bad_settings_are_refused(environ, message):
    with pytest.raises(ValueError, match=message):
        ramp.RampSettings.from_env(environ)


# --- the ramp ---------------------------------------------------------------------------


def test_ramp_steps_up_while_steps_hold_then_holds_at_80_percent_of_the_failing_step():
    controller = ramp.RampThenHold(settings())
    assert controller.tick(0) == (10, 5.0)
    assert run_step(controller, 0, ms=100) == (20, 5.0)
    assert run_step(controller, 60, ms=300) == (30, 5.0)
    # The third step is too slow: the load drops to 80% of 30 users and stays there.
    assert run_step(controller, 120, ms=2500) == (24, 5.0)
    assert controller.failure_users == 30
    assert "p95 2500 ms is over 2000 ms" in controller.failure_reason
    assert controller.tick(180 + 599) == (24, 5.0)
    assert controller.tick(180 + 600) is None
    assert controller.tick(181 + 600) is None
    results = controller.results()
    assert [(p["stage"], p["users"]) for p in results["phases"]] == [
        ("ramp", 10),
        ("ramp", 20),
        ("ramp", 30),
        ("hold", 24),
    ]
    assert results["finished"] and results["hold_users"] == 24


def test_errors_fail_a_step_even_when_it_is_fast():
    controller = ramp.RampThenHold(settings())
    controller.tick(0)
    for second in range(12, 60):
        controller.record(at=second, ms=50, ok=second % 10 != 0, kind="profile")
    assert controller.tick(60) == (8, 5.0)
    assert controller.failure_users == 10
    assert "of requests failed" in controller.failure_reason


def test_a_step_where_nothing_completes_has_failed():
    controller = ramp.RampThenHold(settings())
    controller.tick(0)
    assert controller.tick(60) == (8, 5.0)
    assert controller.failure_reason == "no request completed"


def test_without_a_failure_the_hold_is_at_80_percent_of_the_cap():
    controller = ramp.RampThenHold(settings(max_users=20))
    controller.tick(0)
    run_step(controller, 0, ms=100)
    assert run_step(controller, 60, ms=100) == (16, 5.0)
    assert controller.failure_users is None


def test_responses_in_the_settling_time_are_left_out():
    controller = ramp.RampThenHold(settings())
    controller.tick(0)
    # Slow responses draining in the first seconds do not fail the step.
    for second in range(10):
        controller.record(at=second, ms=9000, ok=False, kind="search")
    assert run_step(controller, 0, ms=100) == (20, 5.0)
    first = controller.results()["phases"][0]
    assert first["requests"] == 48 and first["errors"] == 0 and first["p95"] == 100


def test_summary_percentiles_throughput_and_mix():
    samples = [ramp.Sample(at=i, ms=float(i + 1), ok=i != 7, kind="search") for i in range(70)]
    samples += [ramp.Sample(at=i, ms=500.0, ok=True, kind="profile") for i in range(20)]
    samples += [ramp.Sample(at=i, ms=900.0, ok=True, kind="signed_in") for i in range(10)]
    figures = ramp.summarise(samples, seconds=50)
    assert figures["requests"] == 100 and figures["errors"] == 1 and figures["rps"] == 2.0
    assert figures["p50"] == 50 and figures["p95"] == 900 and figures["p99"] == 900
    assert [round(figures["by_kind"][kind]["share"], 2) for kind in ramp.MIX] == [0.7, 0.2, 0.1]
    assert figures["by_kind"]["search"]["p50"] == 35
    assert ramp.percentile([], 0.95) is None
    assert ramp.percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def results_with(users_p95_errors: list[tuple[int, float, int]], failure_users=None) -> dict:
    phases = [
        {"stage": "ramp", "users": users, "p95": p95, "errors": errors}
        for users, p95, errors in users_p95_errors
    ]
    return {
        "settings": {"target_users": 50, "target_p95_ms": 500.0},
        "phases": phases,
        "failure_users": failure_users,
    }


@pytest.mark.parametrize(
    "steps, failure_users, verdict",
    [
        ([(40, 200, 0), (50, 450, 0)], None, "met: at 50 users, 0 errors and p95 450 ms"),
        ([(50, 650, 0)], None, "NOT met: at 50 users, 0 errors and p95 650 ms"),
        ([(50, 300, 2)], None, "NOT met: at 50 users, 2 errors"),
        ([(10, 900, 0)], 10, "NOT met: the ramp failed at 10 users, before reaching 50"),
        ([(20, 100, 0)], None, "not measured"),
    ],
    ids=["met", "too-slow", "errors", "failed-earlier", "not-reached"],
)
def test_target_verdict(steps, failure_users, verdict):
    assert ramp.target_verdict(results_with(steps, failure_users)).startswith(verdict)


def test_the_report_replaces_only_its_own_section():
    document = "# Search performance\n\nfigures\n\n## Load test\n\nold\n\n## Budgets\n\n- one\n"
    updated = ramp.replace_section(document, "## Load test\n\nnew\n")
    assert (
        updated == "# Search performance\n\nfigures\n\n## Load test\n\nnew\n\n## Budgets\n\n- one\n"
    )
    appended = ramp.replace_section("# Search performance\n", "## Load test\n\nnew\n")
    assert appended == "# Search performance\n\n## Load test\n\nnew\n"


def test_report_names_the_figures():
    controller = ramp.RampThenHold(settings(max_users=20, hold_seconds=60))
    controller.tick(0)
    run_step(controller, 0, ms=100)
    run_step(controller, 60, ms=3000)
    for second in range(130, 180):
        controller.record(at=second, ms=250, ok=True, kind="profile")
    controller.tick(180)
    context = {
        "date": "2026-11-22 10:00 UTC",
        "machine": "Linux x86_64, 2 CPUs",
        "load_before": "1.00, 1.00, 1.00",
        "load_after": "2.00, 2.00, 2.00",
        "organisations": 250000,
        "workers": 5,
        "locust_version": "2.47.0",
        "wait": "1 to 5",
        "errors": [],
        "code": "commit abc1234",
    }
    text = ramp.report_markdown(controller.results(), context=context)
    assert text.startswith("## Load test\n")
    assert "The first step that failed had **20 users** (p95 3000 ms is over 2000 ms)" in text
    assert "**16 users, for 1 minute**" in text
    assert "| 50 | 1.0 | 0 | 250 | 250 | 250 |" in text  # the hold: 50 requests in 50 s
    assert "load average 1.00, 1.00, 1.00 before the run" in text
    assert "cut short" not in text
    cut_short = {**controller.results(), "finished": False}
    assert "**The run was cut short**" in ramp.report_markdown(cut_short, context=context)


# --- traffic ----------------------------------------------------------------------------


@pytest.fixture
def tiny_plan(taxonomies):
    """The plan for a directory of 12 seeded organisations and 3 accounts."""
    call_command("seed_directory", organisations=12, seed=7, force=True, verbosity=0)
    return load_plan.build_plan(
        accounts=3, password="load-test-password-1", seed=1, profile_sample=8
    )


@pytest.mark.django_db
def test_every_generated_search_is_valid_and_filtered(tiny_plan):
    rng = random.Random(3)
    for _ in range(200):
        params = traffic.search_params(rng, tiny_plan)
        names = {name for name, _ in params}
        assert names - {"q", "page", "sort"}, params  # a filter or a postcode, always
        data = QueryDict(urlencode(params))
        filterset = OrganisationFilterSet(data)
        assert filterset.is_valid(), (params, filterset.errors)
        assert not filterset.notices, params
    exports = [traffic.export_params(rng, tiny_plan) for _ in range(50)]
    assert all({"region", "pathway"} <= {name for name, _ in params} for params in exports)


def test_each_simulated_person_has_a_loopback_address_of_their_own():
    addresses = {traffic.source_address(n, "https://127.0.0.1:8443") for n in range(600)}
    assert len(addresses) == 600
    assert all(address.startswith("127.77.") for address in addresses)
    assert traffic.source_address(0, "http://localhost:8000") == "127.77.0.1"
    assert traffic.source_address(0, "https://partners.example.org") is None
    with pytest.raises(ValueError):
        traffic.source_address(64_000, "https://127.0.0.1")


# --- set-up in the database -------------------------------------------------------------


@pytest.mark.django_db
def test_plan_accounts_sign_in_and_own_a_shortlist(tiny_plan):
    assert [account["email"] for account in tiny_plan["accounts"]] == [
        f"load-test-{n}@example.org" for n in (1, 2, 3)
    ]
    assert len(tiny_plan["organisations"]) == 8 and tiny_plan["postcodes"]
    assert set(tiny_plan["taxonomies"]) == {"pathway", "region", "client_group", "setting"}
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"login": "load-test-2@example.org", "password": "load-test-password-1"},
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    shortlist = Shortlist.objects.get(pk=tiny_plan["accounts"][1]["shortlist"])
    assert shortlist.owner.email == "load-test-2@example.org"
    assert shortlist.items.count() == load_plan.SHORTLIST_SIZE
    assert User.objects.get(email="load-test-2@example.org").commissioner_profile


@pytest.mark.django_db
def test_a_second_plan_resets_the_accounts(tiny_plan):
    again = load_plan.build_plan(
        accounts=3, password="another-password-22", seed=1, profile_sample=8
    )
    assert User.objects.filter(email__startswith="load-test-").count() == 3
    assert Shortlist.objects.filter(owner__email__startswith="load-test-").count() == 3
    assert again["accounts"][0]["shortlist"] != tiny_plan["accounts"][0]["shortlist"]
    assert Client().login(email="load-test-1@example.org", password="another-password-22")


# --- nginx ------------------------------------------------------------------------------


def adapted(tmp_path, template: str | None = None) -> str:
    return servers.adapt_site(
        servers.SITE.read_text() if template is None else template,
        https_port=18443,
        http_port=18080,
        upstream_port=18001,
        workdir=tmp_path,
    )


def test_the_deploy_nginx_site_is_adapted_to_local_ports_and_a_temporary_folder(tmp_path):
    site = adapted(tmp_path)
    assert "listen 127.0.0.1:18443 ssl" in site and "listen 127.0.0.1:18080;" in site
    assert "server 127.0.0.1:18001" in site
    assert f"ssl_certificate {tmp_path / 'cert.pem'};" in site
    assert f"include {servers.PROXY};" in site
    assert "/etc/" not in site and "/var/" not in site and "/srv/" not in site
    # The production rate limits stay.
    assert "limit_req zone=rpd_general burst=40 nodelay;" in site


def test_a_site_the_adaptation_does_not_understand_stops_the_load_test(tmp_path):
    changed = servers.SITE.read_text().replace("listen 443 ssl", "listen 8443 ssl")
    with pytest.raises(ValueError, match="no longer has"):
        adapted(tmp_path, changed)
    extra_path = servers.SITE.read_text().replace("gzip on;", "gzip on;\ninclude /etc/x.conf;")
    with pytest.raises(ValueError, match="refers to paths"):
        adapted(tmp_path, extra_path)


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
    reason="nginx is not installed (make nginx-deps)",
)
def test_nginx_accepts_the_adapted_configuration(tmp_path):
    servers.make_certificate(tmp_path)
    (tmp_path / "site.conf").write_text(adapted(tmp_path))
    (tmp_path / "nginx.conf").write_text(servers.nginx_main_config(workdir=tmp_path))
    (tmp_path / "nginx-temp").mkdir()
    result = subprocess.run(
        [
            servers.nginx_binary(),
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "nginx-error.log"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# --- the locustfile, for a few seconds ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_locustfile_runs_the_mix_without_errors(taxonomies, live_server, tmp_path):
    call_command("seed_directory", organisations=12, seed=7, force=True, verbosity=0)
    plan = load_plan.build_plan(
        accounts=3, password="load-test-password-1", seed=1, profile_sample=8
    )
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    environ = {
        "PATH": "/usr/bin:/bin",
        "LOAD_PLAN": str(tmp_path / "plan.json"),
        "LOAD_RESULTS": str(tmp_path / "results.json"),
        # Ten users (so that one is signed in), a 4-second step, then 3 seconds at eight.
        "LOAD_STEP_USERS": "10",
        "LOAD_MAX_USERS": "10",
        "LOAD_STEP_SECONDS": "4",
        "LOAD_HOLD_SECONDS": "3",
        "LOAD_SETTLE_SECONDS": "0.5",
        "LOAD_SPAWN_RATE": "20",
        "LOAD_FAILURE_P95_MS": "60000",
        "LOAD_WAIT_MIN": "0.05",
        "LOAD_WAIT_MAX": "0.2",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "scripts" / "load" / "locustfile.py"),
            "--headless",
            "--host",
            live_server.url,
            "--only-summary",
            "--csv",
            str(tmp_path / "locust"),
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert [(p["stage"], p["users"]) for p in results["phases"]] == [("ramp", 10), ("hold", 8)]
    assert results["finished"]
    assert sum(p["errors"] for p in results["phases"]) == 0
    for kind in ramp.MIX:
        assert sum(p["by_kind"][kind]["requests"] for p in results["phases"]) > 0, kind
    names = (tmp_path / "locust_stats.csv").read_text()
    for name in ("search", "profile", "signed in: sign in", "signed in: shortlist"):
        assert f",{name}," in names
