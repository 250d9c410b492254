#!/usr/bin/env bash
# `make test`: everything CI runs. Chromium is installed (when missing) in the background while
# the checks and the SQLite run go on, since only the browser tests need it; then the whole
# suite, browser tests included, runs on one throwaway PostgreSQL cluster (one test database
# per worker, and the workers share out the browser and the other tests between them).
set -euo pipefail
cd "$(dirname "$0")/.."
MAKE="${MAKE:-make}"
mkdir -p var

$MAKE --no-print-directory browser-deps > var/browser-deps.log 2>&1 &
browser_deps=$!
# Whatever happens, never leave apt-get half-way through an installation.
trap 'wait "$browser_deps" 2>/dev/null || true' EXIT

$MAKE --no-print-directory install frontend postcodes lint migrations-check audit test-sqlite

if ! wait "$browser_deps"; then
  cat var/browser-deps.log >&2
  echo "Installing Chromium for the browser tests failed (above)" >&2
  exit 1
fi
$MAKE --no-print-directory test-postgres-and-browser
echo "All checks passed"
