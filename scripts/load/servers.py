"""The servers under load: gunicorn with deploy/gunicorn.conf.py, and nginx with the site in
deploy/nginx adapted to a local port, a throwaway certificate and a temporary folder.

Free of Django, so that the tests can check the adapted nginx configuration.
"""

import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "rehabilitation-partners.conf"
PROXY = ROOT / "deploy" / "nginx" / "rehabilitation-partners-proxy.conf"


def free_ports(count: int) -> list[int]:
    """`count` different ports free on the loopback now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def adapt_site(
    template: str, *, https_port: int, http_port: int, upstream_port: int, workdir: Path
) -> str:
    """deploy/nginx/rehabilitation-partners.conf for this machine: loopback ports, the
    throwaway certificate, logs in `workdir`, the repository's files, the local gunicorn.

    Every adaptation must apply: a change to the site that this does not understand stops the
    load test rather than testing something else.
    """
    text = "\n".join(line for line in template.splitlines() if not line.lstrip().startswith("#"))
    changes = [
        (r"listen \[::\]:\d+[^;]*;\n?", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
        (r"ssl_certificate [^;]+;", f"ssl_certificate {workdir / 'cert.pem'};"),
        (r"ssl_certificate_key [^;]+;", f"ssl_certificate_key {workdir / 'key.pem'};"),
        (r"access_log /var/log/nginx/[^;]+;", f"access_log {workdir / 'nginx-access.log'};"),
        (r"error_log /var/log/nginx/[^;]+;", f"error_log {workdir / 'nginx-error.log'};"),
        (r"root /var/www/letsencrypt;", f"root {workdir / 'acme'};"),
        (r"/srv/rehabilitation-partners/", f"{ROOT}/"),
        (r"/etc/nginx/snippets/rehabilitation-partners-proxy\.conf", str(PROXY)),
        (r"server 127\.0\.0\.1:8001\b", f"server 127.0.0.1:{upstream_port}"),
    ]
    for pattern, replacement in changes:
        text, count = re.subn(pattern, replacement, text)
        if not count:
            raise ValueError(
                f"{SITE.name} no longer has {pattern!r}: update scripts/load/servers.py"
            )
    leftover = re.findall(r"(?<![\w/])/(?:etc|var|srv)/\S+", text)
    if leftover:
        raise ValueError(f"{SITE.name} refers to paths the load test cannot use: {leftover}")
    return text + "\n"


def nginx_main_config(*, workdir: Path) -> str:
    """A whole nginx configuration around the adapted site, writing only inside `workdir`."""
    temp = workdir / "nginx-temp"
    return f"""worker_processes auto;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {workdir / "site.conf"};
}}
"""


def make_certificate(workdir: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (the load test trusts exactly this one)."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(workdir / "key.pem"),
            "-out",
            str(workdir / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return workdir / "cert.pem"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise SystemExit("nginx is not installed (`make load` installs it with apt-get)")
    return found


def start_nginx(
    *, workdir: Path, https_port: int, http_port: int, upstream_port: int, log
) -> subprocess.Popen:
    (workdir / "nginx-temp").mkdir(exist_ok=True)
    (workdir / "acme").mkdir(exist_ok=True)
    (workdir / "site.conf").write_text(
        adapt_site(
            SITE.read_text(encoding="utf-8"),
            https_port=https_port,
            http_port=http_port,
            upstream_port=upstream_port,
            workdir=workdir,
        ),
        encoding="utf-8",
    )
    (workdir / "nginx.conf").write_text(nginx_main_config(workdir=workdir), encoding="utf-8")
    # Run as root, nginx's workers become `nobody`, who must be able to reach the folder.
    workdir.chmod(0o755)
    command = [
        nginx_binary(),
        "-p",
        str(workdir),
        "-c",
        str(workdir / "nginx.conf"),
        "-e",
        str(workdir / "nginx-error.log"),
    ]
    subprocess.run([*command, "-t", "-q"], check=True)
    return subprocess.Popen([*command, "-g", "daemon off;"], stdout=log, stderr=log)


def start_gunicorn(*, port: int, environ: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "config.wsgi",
        ],
        cwd=ROOT,
        env={**environ, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=log,
    )


def wait_until_healthy(
    url: str, process: subprocess.Popen, *, cafile: Path | None = None, seconds: float = 60
) -> None:
    """Wait for `url` to answer 200, failing early if the server process has died."""
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server for {url} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def stop(process: subprocess.Popen | None, *, seconds: float = 30) -> None:
    """Ask a server to stop (SIGTERM: gunicorn and nginx finish what they are doing), then kill
    it if it has not stopped in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def machine() -> str:
    cpus = os.cpu_count()
    meminfo = Path("/proc/meminfo")
    memory = ""
    if meminfo.exists():
        memory = f", {int(meminfo.read_text().split()[1]) / 1024 / 1024:.1f} GB RAM"
    uname = os.uname()
    return f"{uname.sysname} {uname.machine}, {cpus} CPUs{memory}"


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())
