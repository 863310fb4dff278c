#!/bin/bash
# deploy/prometheus and deploy/grafana: the alerting rules pass
# `promtool check rules` and their unit tests (`promtool test rules`: each
# alert fires on the series that should fire it, after its `for:`, and not
# on a healthy one); every metric the rules and the dashboard query is one
# the binaries export (read from the code that writes each page) or the
# conservation textfile script writes; every rule has `for:`, a severity,
# a summary and a description naming its runbook section, which exists in
# docs/operations.md; and the conservation script writes holds 1, then 0
# once the counters disagree, and keeps the last verdict when the check
# cannot run.
. "$(dirname "$0")/lib.sh"

RULES=$ROOT/deploy/prometheus/gpumeter-rules.yml
RULES_TEST=$ROOT/deploy/prometheus/gpumeter-rules.test.yml
DASHBOARD=$ROOT/deploy/grafana/gpumeter-dashboard.json
TEXTFILE=$ROOT/deploy/prometheus/gpumeter-conservation-textfile.sh

# promtool is Debian's prometheus package (scripts/setup.sh): missing is a failure, never a skip.
if ! command -v promtool >/dev/null; then
    fail "promtool is installed (scripts/setup.sh installs Debian's prometheus): expected it on PATH, got nothing"
    finish
fi
out=$(promtool check rules "$RULES" 2>&1)
check_match "promtool check rules accepts the rules" "SUCCESS: 8 rules found" "$out"
out=$(cd "$(dirname "$RULES_TEST")" && promtool test rules "$(basename "$RULES_TEST")" 2>&1)
if [ $? -eq 0 ] && grep -q SUCCESS <<<"$out"; then
    pass "promtool test rules: every alert fires when it should and stays silent otherwise"
else
    fail "promtool test rules: expected SUCCESS, got [$out]"
fi

# Every rule: for:, severity warning|critical, a summary, a description
# naming a runbook section that docs/operations.md has.
rules=$(python3 -c '
import json, sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        a = r.get("annotations", {})
        print(json.dumps([r["alert"], r.get("for", ""), r.get("labels", {}).get("severity", ""),
                          a.get("summary", ""), a.get("description", "")]))
' "$RULES")
bad=""
while read -r line; do
    name=$(jq -r '.[0]' <<<"$line")
    jq -e '.[1] != "" and (.[2] == "warning" or .[2] == "critical") and .[3] != ""' <<<"$line" >/dev/null ||
        bad="$bad $name(for/severity/summary)"
    jq -r '.[4]' <<<"$line" | grep -q "Runbook: docs/operations.md, section Alerts and the dashboard, $name\.\$" ||
        bad="$bad $name(runbook)"
    grep -q "^#### $name\$" "$ROOT/docs/operations.md" || bad="$bad $name(no section in docs/operations.md)"
done <<<"$rules"
check_eq "every rule has for:, a severity, a summary and a runbook section that exists" "" "$bad"

# The metric names the binaries export, read from the code that writes each page:
# the API's literal names, the rater's series()/plain[] rows (gpumeter_rater_%s),
# the collector's rows[] (gpumeter_collector_%s), and the conservation script's.
exported=$({
    grep -ohE 'gpumeter_api_[a-z_]*[a-z]' "$ROOT"/api/*.c
    grep -ohE '(series\(&?sb, |\{)"[a-z_]+", "(counter|gauge)"' "$ROOT/rating/rater_metrics.c" |
        sed -E 's/.*"([a-z_]+)", "(counter|gauge)"/gpumeter_rater_\1/'
    grep -ohE '\{"[a-z_]+", "(counter|gauge)"' "$ROOT/ingest/collector.c" |
        sed -E 's/\{"([a-z_]+)".*/gpumeter_collector_\1/'
    sed -nE 's/^# TYPE (gpumeter_[a-z_]+) .*/\1/p' "$TEXTFILE"
} | sort -u)
for m in gpumeter_rater_consumer_lag gpumeter_rater_dead_letters_total gpumeter_rater_events_total \
    gpumeter_collector_spool_bytes gpumeter_api_requests_total gpumeter_conservation_holds; do
    grep -qx "$m" <<<"$exported" || fail "the code's metric names include $m: expected it, got [$(tr '\n' ' ' <<<"$exported")]"
done
# Every gpumeter_ name an expression queries must be exported; each expression queries one.
unknown_in() { # expressions on stdin: prints the unknown names and the expressions querying none
    local e
    while IFS= read -r e; do
        [ -n "$e" ] || continue
        names=$(grep -oE 'gpumeter_[a-z_]+' <<<"$e" | sort -u)
        if [ -z "$names" ] && ! grep -qE '(^|[^a-z_])up\{job="gpumeter-rater"\}' <<<"$e"; then
            echo "(no gpumeter metric: $e)"
        fi
        for n in $names; do grep -qx "$n" <<<"$exported" || echo "$n"; done
    done
}
panels=$(jq -r '.panels | length' "$DASHBOARD")
exprs=$(jq -r '.panels[].targets[].expr' "$DASHBOARD")
check_eq "the dashboard parses: 12 panels, each with a query" "12 12" \
    "$panels $(jq '[.panels[] | select((.targets | length) > 0)] | length' "$DASHBOARD")"
check_eq "every metric the dashboard queries is one the binaries export" "" \
    "$(unknown_in <<<"$exprs" | sort -u | tr '\n' ' ')"
rule_exprs=$(python3 -c '
import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]: print(r["expr"])
' "$RULES")
check_eq "every metric the alerting rules query is one the binaries export" "" \
    "$(unknown_in <<<"$rule_exprs" | sort -u | tr '\n' ' ')"
for m in gpumeter_rater_events_total gpumeter_rater_consumer_lag gpumeter_rater_dead_letters_total \
    gpumeter_api_requests_total gpumeter_api_request_seconds_total; do
    grep -q "$m" <<<"$exprs" || fail "the dashboard queries $m: expected it among [$exprs], got nothing"
done

# The conservation textfile script against a real database.
fresh >/dev/null 2>&1 || { fail "fresh database"; finish; }
dir=$TMP/textfile
mkdir -p "$dir"
prom() { grep -E "^$1 " "$dir/gpumeter_conservation.prom" 2>/dev/null | cut -d' ' -f2; }
GPUMETER=$GM "$TEXTFILE" "$dir" >"$TMP/c1.log" 2>&1
rc=$?
check_eq "conservation holds: exit 0, gpumeter_conservation_holds 1" "0 1" "$rc $(prom gpumeter_conservation_holds)"
t1=$(prom gpumeter_conservation_last_verdict_timestamp_seconds)
now=$(date +%s)
check_eq "the verdict's timestamp is this run's (within 60 s of now)" "yes" \
    "$([ -n "$t1" ] && [ $((now - t1)) -ge 0 ] && [ $((now - t1)) -le 60 ] && echo yes || echo "no: $t1 vs $now")"
out=$(promtool check metrics <"$dir/gpumeter_conservation.prom" 2>&1)
check_eq "promtool check metrics finds nothing wrong in the textfile" "" "$out"
q "INSERT INTO rating_counter (topic, partition, consumed, rated, duplicates, dead_lettered, parked)
   VALUES ('$GPUMETER_TOPIC', 0, 1, 0, 0, 1, 0)" 2>"$TMP/insert.err" ||
    fail "a dead letter counted but not kept: expected the insert to pass, got [$(cat "$TMP/insert.err")]"
GPUMETER=$GM "$TEXTFILE" "$dir" >"$TMP/c2.log" 2>&1
rc=$?
check_eq "conservation violated: exit 1, gpumeter_conservation_holds 0" "1 0" "$rc $(prom gpumeter_conservation_holds)"
before=$(cat "$dir/gpumeter_conservation.prom")
GPUMETER_PG="host=127.0.0.1 port=1 dbname=$DB user=gpumeter connect_timeout=2" GPUMETER=$GM \
    "$TEXTFILE" "$dir" >"$TMP/c3.log" 2>&1
rc=$?
check_eq "no verdict (PostgreSQL unreachable): exit non-zero, the last verdict's file unchanged, no temporary left" \
    "nonzero same 1" \
    "$([ $rc -ne 0 ] && echo nonzero || echo 0) $([ "$(cat "$dir/gpumeter_conservation.prom")" = "$before" ] && echo same || echo changed) $(ls -A "$dir" | wc -l)"
check_match "no verdict: it says so" "no verdict \(exit status [1-9][0-9]*\)" "$(cat "$TMP/c3.log")"
"$TEXTFILE" >/dev/null 2>"$TMP/c4.log"
check_eq "no directory given: exit 2 with the usage" "2 1" "$? $(grep -c '^usage: ' "$TMP/c4.log")"
"$TEXTFILE" "$TMP/missing" >/dev/null 2>&1
check_eq "a directory that does not exist: exit 2" "2" "$?"
finish
