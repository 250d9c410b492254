#!/usr/bin/env bash
# Back up the PostgreSQL database at DATABASE_URL in pg_dump's custom format (compressed,
# restorable table by table with pg_restore).
# Usage: scripts/backup.sh [OUTPUT_DIR]   (default backups/; set BACKUP_DIR instead if you like)
# Prints the path of the dump it wrote: OUTPUT_DIR/<UTC timestamp>.dump
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?Set DATABASE_URL to the postgres:// URL of the database to back up}"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "Backups are of PostgreSQL: DATABASE_URL must be postgres://" >&2; exit 2 ;;
esac

OUTPUT_DIR="${1:-${BACKUP_DIR:-backups}}"
mkdir -p "$OUTPUT_DIR"
DUMP="$OUTPUT_DIR/$(date -u +%Y%m%dT%H%M%SZ).dump"
# Written under a temporary name first: a dump cut short is never mistaken for a backup.
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$DUMP.partial"
mv "$DUMP.partial" "$DUMP"
echo "$DUMP"
