#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into the PostgreSQL database at DATABASE_URL,
# replacing what is there (objects in the dump are dropped first, if they exist).
# Usage: scripts/restore.sh DUMP_FILE
set -euo pipefail
cd "$(dirname "$0")/.."

DUMP="${1:?Usage: scripts/restore.sh DUMP_FILE}"
: "${DATABASE_URL:?Set DATABASE_URL to the postgres:// URL of the database to restore into}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "Restores are into PostgreSQL: DATABASE_URL must be postgres://" >&2; exit 2 ;;
esac
test -f "$DUMP" || { echo "No such dump: $DUMP" >&2; exit 2; }

# One transaction: a restore that fails halfway leaves the database as it was.
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$DATABASE_URL" "$DUMP"
echo "Restored $DUMP"
