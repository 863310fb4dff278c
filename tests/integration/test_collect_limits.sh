#!/bin/bash
# Scrape failures and a full spool: a URL that fails is reported and retried
# while the others still count; a round too big for the spool is refused
# whole, loudly and in the metrics, and collected in full once it fits.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts ns-x
F=$ROOT/tests/fixtures/ingest

# Two URLs, one missing: the good one's events are committed, the run exits 1.
S=$TMP/urls
for at in 2026-11-01T00:00:00Z 2026-11-01T00:00:30Z; do
    [ "$at" = 2026-11-01T00:00:00Z ] && f=t0 || f=t1
    out=$("$GM" collect dcgm --at "$at" --state-dir "$S" --stdout \
        "file://$F/dcgm-k8s-$f.prom" "file://$TMP/no-such-exporter.prom" 2>&1)
    rc=$?
done
check_eq "a failed scrape makes the run exit 1" 1 "$rc"
check_match "and is logged with its URL" "cannot scrape file://$TMP/no-such-exporter.prom" "$out"
check_match "the other URL's event still counts" '"account":"team-a".*"gpu_ms":30000' "$out"
check_eq "the failed input is in the metrics of the run" 1 \
    "$(sed -n 's/^gpumeter_collector_input_errors_total{.*} //p' "$S/metrics.prom")"

# A daemon backs off: with a 1 s interval, the failing URL is tried at 1, 2, 4 s...
"$GM" collect dcgm --interval 1 --state-dir "$TMP/backoff" --stdout \
    "file://$F/dcgm-k8s-t0.prom" "file://$TMP/no-such-exporter.prom" >/dev/null 2>"$TMP/backoff.log" &
pid=$!
# Six rounds, however long a busy machine takes to run them (not a fixed
# 6.5 s: a loaded machine ran fewer rounds in it).
rounds_at_least_6() {
    [ "$(sed -n 's/^gpumeter_collector_rounds_total{.*} //p' "$TMP/backoff/metrics.prom" 2>/dev/null)" -ge 6 ] 2>/dev/null
}
wait_for 120 rounds_at_least_6
kill -TERM "$pid"
wait "$pid"
rounds=$(sed -n 's/^gpumeter_collector_rounds_total{.*} //p' "$TMP/backoff/metrics.prom")
errors=$(sed -n 's/^gpumeter_collector_input_errors_total{.*} //p' "$TMP/backoff/metrics.prom")
if [ "$rounds" -ge 6 ] && [ "$errors" -ge 2 ] && [ "$errors" -le 4 ]; then
    pass "the failing URL is retried with backoff ($errors failed scrapes in $rounds rounds)"
else
    fail "the failing URL is retried with backoff: expected 2 to 4 failed scrapes in at least 6 rounds, got $errors in $rounds"
fi
check_match "the backoff is logged" "failure 1; next try in 1 s" "$(cat "$TMP/backoff.log")"

# 6,000 new jobs in one round make about 1.5 MB of events: over a 1 MB spool.
awk 'BEGIN { for (i = 1; i <= 6000; i++)
    printf "{\"job\":\"job-%05d\",\"account\":\"ns-x\",\"tokens\":%d,\"time\":\"2026-11-01T08:00:00Z\"}\n", i, i }' \
    >"$TMP/tokens.jsonl"
S=$TMP/full
out=$("$GM" collect tokens --file "$TMP/tokens.jsonl" --state-dir "$S" --spool-max-mb 1 2>&1)
check_eq "a round that does not fit the spool exits 1" 1 "$?"
check_match "with a loud error" "spool .* is full" "$out"
check_eq "counted in the metrics" 1 \
    "$(sed -n 's/^gpumeter_collector_spool_full_total{.*} //p' "$S/metrics.prom")"
check_eq "and nothing of it was sent" 0 "$(topic_messages)"
"$GM" collect tokens --file "$TMP/tokens.jsonl" --state-dir "$S" --spool-max-mb 4 2>/dev/null
check_eq "with room, the same round is collected whole" 6000 "$(topic_messages)"
"$GM" rate --until-idle 2>/dev/null
check_eq "every token counted once" 18003000 \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'tokens'")"
finish
