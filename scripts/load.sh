#!/usr/bin/env bash
# `make load`: the load test (scripts/load/run.py) against PostgreSQL with LOAD_ORGANISATIONS
# organisations. The cluster is kept in var/load-pg so that the data is seeded only once; when
# it does not exist yet and `make bench` has left a stopped cluster in var/bench-pg, that one
# is copied instead of seeding again. Set LOAD_PGDATA to use another cluster (never copied:
# a cluster of its own, seeded with LOAD_ORGANISATIONS, e.g. a small one for a quick try).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DEFAULT_PGDATA="$PWD/var/load-pg/data"
LOAD_PGDATA="${LOAD_PGDATA:-$DEFAULT_PGDATA}"
BENCH_PGDATA="$PWD/var/bench-pg"

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
bench_stopped() {
  # pg_ctl status: 0 running, 3 not running; anything else (e.g. unreadable) counts as in use.
  local status=0
  as_pg "$PG_BIN/pg_ctl" status -D "$BENCH_PGDATA" >/dev/null 2>&1 || status=$?
  [ "$status" = "3" ]
}

if [ "$LOAD_PGDATA" = "$DEFAULT_PGDATA" ] && [ ! -f "$LOAD_PGDATA/PG_VERSION" ] && [ -f "$BENCH_PGDATA/PG_VERSION" ] && [ -x "$PG_BIN/pg_ctl" ] \
   && bench_stopped; then
  echo "Copying the seeded cluster in var/bench-pg to $LOAD_PGDATA" >&2
  mkdir -p "$(dirname "$LOAD_PGDATA")"
  rm -rf "$LOAD_PGDATA.partial"
  cp -a "$BENCH_PGDATA" "$LOAD_PGDATA.partial"
  # A cluster started while it was being copied would leave an inconsistent copy.
  if bench_stopped; then mv "$LOAD_PGDATA.partial" "$LOAD_PGDATA"; else rm -rf "$LOAD_PGDATA.partial"; fi
fi
mkdir -p "$(dirname "$LOAD_PGDATA")"
export KEEP_PGDATA="$LOAD_PGDATA"
# In the background, so that a TERM or HUP sent to this script (not only Ctrl-C, which reaches
# every process) stops the run: run.py stops the servers and locust, then with-postgres.sh
# stops PostgreSQL, and this script waits for all of that before it exits.
scripts/with-postgres.sh .venv/bin/python scripts/load/run.py &
child=$!
stop() { pkill -TERM -P "$child" 2>/dev/null || true; }
trap stop INT TERM HUP
status=0
wait "$child" || status=$?
while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
exit "$status"
