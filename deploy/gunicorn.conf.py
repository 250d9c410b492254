"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be overridden from the environment (the systemd unit reads
/etc/rehabilitation-partners/env), so one file serves every machine size.
"""

import multiprocessing
import os


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value else default


# nginx proxies to this address (deploy/nginx/rehabilitation-partners.conf). A unix socket
# also works: GUNICORN_BIND=unix:/run/rehabilitation-partners/gunicorn.sock
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")

# Synchronous workers: the views are short and database-bound. The usual 2 x cores + 1 keeps
# every core busy while some workers wait on PostgreSQL.
workers = _env_int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"

# A request still running after 30 s is killed and answers 500 (nginx waits a little longer,
# so the user sees the service's error page rather than nginx's).
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# nginx keeps connections to gunicorn open between requests.
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)

# Restart each worker after a while (with jitter, so they do not all restart at once): a slow
# memory leak in any library cannot grow without bound. Not often: a new worker matches each
# query text again (directory.search.facet_index keeps the matches per process).
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# Load the application before forking: workers share its memory and a broken release fails
# at start rather than on the first request.
preload_app = True


def when_ready(server):
    """Before the first worker is forked: read the search data into memory (about 60 MB at
    250,000 organisations, 1.4 s), so that every worker, and every worker started later,
    begins with it (shared until changed) and reads only what changed since."""
    from django.db import connections

    from directory.search import facet_index

    try:
        facet_index.load()
    except Exception:
        # Without a database now, each worker reads the data on its first search instead.
        server.log.exception("The search data was not read before starting the workers")
    finally:
        # A connection opened here must not be shared by the forked workers.
        connections.close_all()


# Only nginx on this machine may set X-Forwarded-Proto and X-Forwarded-For.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs go to stdout/stderr, which systemd's journal keeps. The access log records the time
# each request took (%(M)s milliseconds) for the performance figures; the query string is
# left out, because search terms and tokens can be personal.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
# The process name shows in ps and top.
proc_name = "rehabilitation-partners"
