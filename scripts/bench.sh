#!/usr/bin/env bash
# `make bench`: the search benchmark at 250,000 organisations (see scripts/bench.py).
# The PostgreSQL cluster is kept in var/bench-pg so that the data is seeded only once.
# Set BENCH_ORGANISATIONS, BENCH_REPEATS or KEEP_PGDATA to change the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export KEEP_PGDATA="${KEEP_PGDATA:-$PWD/var/bench-pg}"
exec scripts/with-postgres.sh .venv/bin/python scripts/bench.py
