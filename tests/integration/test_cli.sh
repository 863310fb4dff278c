#!/bin/bash
# Bad usage exits 2 with usage on stderr; unreachable services give one
# clear error naming what was tried and how to start it.
. "$(dirname "$0")/lib.sh"

out=$("$GM" nonsense 2>&1 >/dev/null); rc=$?
check_eq "unknown command exits 2" 2 "$rc"
check_match "unknown command prints usage" 'unknown command "nonsense".*' "$out"
out=$("$GM" rate --bogus 2>&1 >/dev/null); rc=$?
check_eq "unknown flag exits 2" 2 "$rc"
check_match "unknown flag prints the command's usage" 'usage: gpumeter rate' "$out"
"$GM" invoice run >/dev/null 2>&1; check_eq "missing --period exits 2" 2 "$?"
"$GM" invoice run --period 2026-13 >/dev/null 2>&1; check_eq "bad period exits 2" 2 "$?"
"$GM" rate --batch 0 >/dev/null 2>&1; check_eq "out-of-range number exits 2" 2 "$?"
out=$("$GM" help); rc=$?
check_eq "help exits 0" 0 "$rc"
for c in collect rate invoice statement migrate topics; do
    check_match "help lists $c" "  $c " "$out"
done
out=$("$GM" invoice run --help); check_match "subcommand --help lists flags" '--dry-run' "$out"
out=$("$GM" help statement); check_match "help <cmd> shows its usage" '--format text\|json\|csv' "$out"

out=$(GPUMETER_PG="host=127.0.0.1 port=1 dbname=x user=gpumeter" "$GM" migrate 2>&1); rc=$?
check_eq "unreachable PostgreSQL exits 1" 1 "$rc"
check_match "unreachable PostgreSQL names what was tried" \
    'error: could not connect to PostgreSQL at host=127.0.0.1 port=1 dbname=x' "$out"
check_match "unreachable PostgreSQL says how to start it" 'make services-up' "$out"
out=$(GPUMETER_KAFKA_BROKERS=127.0.0.1:1 "$GM" collect synthetic --month 2026-10 2>&1); rc=$?
check_eq "unreachable Kafka exits 1" 1 "$rc"
check_match "unreachable Kafka names the brokers" 'error: could not reach Kafka at 127.0.0.1:1' "$out"
check_eq "unreachable Kafka is one error line" 1 "$(printf '%s\n' "$out" | grep -c 'error:')"

echo "kafka.topic = t" >"$TMP/bad.conf"
echo "kafka.bogus = 1" >>"$TMP/bad.conf"
out=$(GPUMETER_CONFIG=$TMP/bad.conf "$GM" rate 2>&1); rc=$?
check_eq "bad config file exits 2" 2 "$rc"
check_match "bad config names file and line" 'bad.conf:2: unknown key "kafka.bogus"' "$out"
check_eq "services-up created the default usage topic with 6 partitions" 6 \
    "$(kcat -b "$GPUMETER_KAFKA_BROKERS" -L -t gpumeter.usage.v1 | grep -c 'partition [0-9]')"
finish
