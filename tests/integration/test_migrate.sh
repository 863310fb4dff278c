#!/bin/bash
# Migrations apply once, in order, are recorded, and are safe to run twice;
# an applied migration that changed is refused.
. "$(dirname "$0")/lib.sh"

createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "$DB"
GPUMETER_QUIET=0 "$GM" migrate >"$TMP/first" 2>&1; rc=$?
check_eq "first migrate succeeds" 0 "$rc"
check_match "first migrate applies 001" 'applied 001_foundation.sql' "$(cat "$TMP/first")"
tables=$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
GPUMETER_QUIET=0 "$GM" migrate >"$TMP/second" 2>&1; rc=$?
check_eq "second migrate succeeds" 0 "$rc"
check_match "second migrate applies nothing" '0 migrations applied now' "$(cat "$TMP/second")"
check_eq "one row per migration" "$(ls "$ROOT"/schema/[0-9]*_*.sql | wc -l)" \
    "$(q 'SELECT count(*) FROM schema_migration')"
check_eq "no table added by the second run" "$tables" \
    "$(q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")"
q "UPDATE schema_migration SET sha256 = 'x' WHERE version = 1" >/dev/null
out=$("$GM" migrate 2>&1); rc=$?
check_eq "changed migration is refused" 1 "$rc"
check_match "refusal names the migration" 'migration 001_foundation.sql was changed' "$out"
finish
