"""`make audit` (scripts/audit.sh) against a stand-in OSV server on the loopback."""

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VULNERABLE = {"django": "4.2.0"}
ADVISORY = {
    "id": "PYSEC-2099-1",
    "aliases": ["CVE-2099-0001"],
    "summary": "A made-up flaw for the test",
    "affected": [
        {
            "package": {"name": "django", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.2.1"}]}],
        }
    ],
}


class FakeOsv(BaseHTTPRequestHandler):
    """Answers OSV's /v1/query: one advisory for the versions in VULNERABLE, none otherwise."""

    def do_POST(self):
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        name, version = query["package"]["name"], query["version"]
        body = {"vulns": [ADVISORY]} if VULNERABLE.get(name) == version else {}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass  # keep the test output clean


@pytest.fixture(scope="module")
def osv_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1/query"
    server.shutdown()
    server.server_close()


def run_audit(requirements: Path | None, **env: str) -> subprocess.CompletedProcess:
    extra = {"AUDIT_SERVICE": "osv", **env}
    if requirements is not None:
        extra["AUDIT_REQUIREMENTS"] = str(requirements)
    return subprocess.run(
        [str(ROOT / "scripts" / "audit.sh")],
        env={**os.environ, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


def pinned(tmp_path: Path, *pins: str) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text("\n".join(pins) + "\n")
    return path


def test_the_audit_fails_on_a_known_vulnerability(osv_url, tmp_path):
    requirements = pinned(tmp_path, "Django==4.2.0", "asgiref==3.8.1")

    result = run_audit(requirements, AUDIT_OSV_URL=osv_url)

    assert result.returncode != 0
    assert "PYSEC-2099-1" in result.stdout
    assert "4.2.1" in result.stdout  # the fixed version to upgrade to


def test_the_locked_dependencies_pass_when_none_is_vulnerable(osv_url):
    result = run_audit(None, AUDIT_OSV_URL=osv_url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found" in result.stdout + result.stderr


@pytest.mark.parametrize(("required", "expected_returncode"), [("0", 0), ("1", 1)])
def test_an_unreachable_service_is_reported_and_fails_only_when_required(
    tmp_path, required, expected_returncode
):
    requirements = pinned(tmp_path, "Django==4.2.0")

    result = run_audit(
        requirements,
        AUDIT_OSV_URL="http://127.0.0.1:1/v1/query",  # nothing listens on port 1
        AUDIT_REQUIRED=required,
    )

    assert result.returncode == expected_returncode
    assert "the dependency audit did NOT run" in result.stderr
