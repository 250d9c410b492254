#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: a temp dir, a free port, owned by the
# postgres user (initdb refuses root). The cluster is stopped and deleted whatever the outcome.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (DATABASE_URL is exported to COMMAND)
# Set KEEP_PGDATA=/path to keep a cluster between runs (used by `make bench`).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL 15 is not installed; installing it with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-contrib-15 >/dev/null
fi

as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
if [ -n "${KEEP_PGDATA:-}" ]; then
  PGDATA="$KEEP_PGDATA"; WORKDIR="$(dirname "$PGDATA")"; KEEP=1
else
  WORKDIR="$(mktemp -d /tmp/rpd-pg.XXXXXX)"; PGDATA="$WORKDIR/data"; KEEP=0
fi
mkdir -p "$WORKDIR"
[ "$(id -u)" = "0" ] && chown postgres "$WORKDIR"

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  if [ "$KEEP" = "0" ]; then rm -rf "$WORKDIR"; fi
}
trap cleanup EXIT INT TERM

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -w -l "$WORKDIR/postgres.log" \
  -o "-p $PORT -k $WORKDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c work_mem=32MB -c max_connections=200" \
  start >/dev/null
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres rpd 2>/dev/null || true

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/rpd"
echo "PostgreSQL on port $PORT ($PGDATA)" >&2
"$@"
