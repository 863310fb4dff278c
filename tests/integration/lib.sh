# Sourced by each integration test: a database and topic of the test's own
# on the real local services, the sanitized binary, and assertions that print
# "ok - ..." / "not ok - ...". The database is dropped on exit.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

TEST=$(basename "$0" .sh)
GM=$ROOT/build/asan/gpumeter
# `gpumeter serve` may run another build (make tsan: ThreadSanitizer).
GM_SERVE=$ROOT/${GPUMETER_SERVE_BINARY:-build/asan/gpumeter}
# and `gpumeter rate` where a test says so (its consumer and commit threads).
GM_RATE=$ROOT/${GPUMETER_RATE_BINARY:-build/asan/gpumeter}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 exitcode=66 second_deadlock_stack=1 suppressions=$ROOT/tests/tsan.supp}
TMP=$(mktemp -d)
DB="gmt_${TEST#test_}_$$"
export GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=$DB user=gpumeter"
export GPUMETER_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
export GPUMETER_TOPIC="gmt.${TEST#test_}.$$.$(date +%s%N)"
export GPUMETER_GROUP="gmt-${TEST#test_}-$$"
export GPUMETER_QUIET=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
FAILURES=0

# A killed rater holds its partitions until its group session times out
# (45 s by default); tests shorten it through the rdkafka pass-through.
cat >"$TMP/gpumeter.conf" <<CONF
rdkafka.session.timeout.ms = 6000
rdkafka.heartbeat.interval.ms = 500
CONF
export GPUMETER_CONFIG=$TMP/gpumeter.conf

pg() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d "$DB" "$@"; }
q() { pg -tAc "$1"; }
# psql as a role of the database (gpumeter_billing, ...): its output and errors.
as() { # role sql
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$1" -d "$DB" -tAc "$2" 2>&1
}
# A statement a role may not run: it fails, with an error matching pattern.
refused_as() { # name role sql pattern
    local out
    out=$(as "$2" "$3")
    if [ $? -ne 0 ] && grep -qE -- "$4" <<<"$out"; then
        pass "$1"
    else
        fail "$1 (as $2: expected an error matching [$4], got [$out])"
    fi
}
# The date invoice $1 was issued on, in its time zone: the first date its
# fapiao may bear (invoice fapiao refuses one before it, or in the future).
issued_on() { q "SELECT to_char(issued_at AT TIME ZONE customer_time_zone(customer_id, period), 'YYYY-MM-DD')
                 FROM invoice WHERE number = '$1'"; }


# Rates what is on the topic, then invoices and issues month $1 (YYYY-MM).
rate_and_issue() {
    "$GM" rate --until-idle 2>/dev/null
    "$GM" invoice run --period "$1" >/dev/null 2>&1 && "$GM" invoice issue --period "$1" >/dev/null 2>&1
}

# KEEP_TMP=DIR keeps a copy of the test's files (PDFs, exports) to look at.
cleanup() {
    [ -z "${KEEP_TMP:-}" ] || cp -r "$TMP" "$KEEP_TMP"
    dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$DB" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# A fresh database with the schema and the demo customers, and a new topic.
# The database is a copy of a template migrated and seeded once per
# version of the schema, the seed and the binary (template_db): a copy
# costs PostgreSQL about a tenth of migrating and seeding each time. The
# migrate after the copy grants the roles on the new database (database
# privileges are not copied).
fresh() {
    template_db &&
        createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -T "$TEMPLATE_DB" "$DB" &&
        "$GM" migrate && "$GM" topics >/dev/null
}
# Sets TEMPLATE_DB, making it when it is missing: built under another name
# and renamed when complete, one suite at a time (flock), so that a suite
# copies only a whole template; older templates are dropped then.
template_db() {
    local key
    key=$(cat "$ROOT"/schema/*.sql "$ROOT/scripts/seed.sh" $(find "$ROOT/scripts/seed" -type f | sort) |
        { cat; stat -c %Y "$GM"; } | sha256sum | cut -c1-12)
    TEMPLATE_DB=gmt_template_$key
    [ "$(template_exists "$TEMPLATE_DB")" != 1 ] || return 0
    (
        flock 9
        [ "$(template_exists "$TEMPLATE_DB")" != 1 ] || exit 0
        local build=${TEMPLATE_DB}_build old
        for old in $(psql -X -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d postgres -tAc \
            "SELECT datname FROM pg_database WHERE datname LIKE 'gmt\_template\_%'"); do
            dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "$old"
        done
        createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "$build" &&
            GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=$build user=gpumeter" "$GM" migrate &&
            GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=$build user=gpumeter" \
                "$ROOT/scripts/seed.sh" "$GM" &&
            psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d postgres \
                -c "ALTER DATABASE $build RENAME TO $TEMPLATE_DB"
    ) 9>"/tmp/gpumeter-test-template-$PG_PORT.lock"
}
template_exists() {
    psql -X -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$1'"
}

pass() { echo "ok - $1"; }
fail() {
    echo "not ok - $1"
    FAILURES=$((FAILURES + 1))
}
# Every failure says what was expected and what came, in words: the name
# says what is checked, the values are shown as "[value]" ("nothing" when
# empty), several values at once each with its label (check_fields).
shown() { if [ -n "$1" ]; then echo "[$1]"; else echo "nothing"; fi; }
check_eq() { # name expected actual
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected $(shown "$2"), got $(shown "$3")"; fi
}
# Several values in one check, each named by a label (one word each, "_"
# for a space): a failure lists both sides label by label and says which
# differ, e.g. "expected consumed 5, accepted 5; got consumed 4, accepted 4
# (differ: consumed, accepted)".
check_fields() { # name "label..." expected actual
    local labels want got i w g label exp= act= differ=
    if [ "$3" = "$4" ]; then pass "$1"; return; fi
    read -ra labels <<<"$2"
    read -ra want <<<"$3"
    read -ra got <<<"$4"
    for ((i = 0; i < ${#labels[@]} || i < ${#want[@]} || i < ${#got[@]}; i++)); do
        label=${labels[i]:-value_$((i + 1))}
        label=${label//_/ }
        w=${want[i]-(none)} g=${got[i]-(none)}
        exp+="${exp:+, }$label $w"
        act+="${act:+, }$label $g"
        [ "$w" = "$g" ] || differ+="${differ:+, }$label"
    done
    fail "$1: expected $exp; got $act (differ: $differ)"
}
# The rating counters (counters, below) against "consumed accepted
# duplicates dead_lettered".
check_counters() { # name expected
    check_fields "$1" "consumed accepted_(rated+parked) duplicates dead_letters" "$2" "$(counters)"
}
# A measured figure within its bound: "expected at most 64 MiB, got 80 MiB".
check_at_most() { # name bound actual unit
    if [ "$3" -le "$2" ]; then pass "$1"; else fail "$1: expected at most $2 $4, got $3 $4"; fi
}
# An invoice's figures as the tests' inv() helpers print them.
INVOICE_FIELDS="subtotal tax total claimed due"
check_match() { # name pattern text
    # A here-string, not a pipe: under pipefail, grep -q exiting at the first
    # match would kill a line-buffered printf still writing (SIGPIPE, 141).
    if grep -qE -- "$2" <<<"$3"; then pass "$1"; else fail "$1: expected text matching /$2/, got $(shown "$3")"; fi
}
# Quantities and invoices against generator totals (scripts/check-totals.sql).
totals_mismatches() { # totals.csv period
    pg -tA -v totals="$1" -v period="$2" -f "$ROOT/scripts/check-totals.sql" | tail -n 1
}
finish() { exit $((FAILURES > 0)); }

# The FinOps Foundation's focus-validator (scripts/setup.sh installs it) on
# a FOCUS CSV: its report, ending "Validation succeeded." or "Validation
# failed!" (it exits 0 either way). It reads its currency list relative to
# the working directory, so it runs from its site-packages.
focus_validate() { # csv
    local sp
    sp=$(echo "$FOCUS_VENV"/lib/python3*/site-packages)
    (cd "$sp" && "$FOCUS_VENV/bin/focus-validator" --data-file "$1" --validate-version 1.0 \
        --override-file "$ROOT/tests/tools/focus-overrides.yaml") 2>&1
}
# BilledCost summed per invoice of a FOCUS CSV, and the rows: "NUMBER TOTAL"
# lines, then "rows N".
focus_sums() { python3 "$ROOT/tests/tools/focus_sums.py" "$1"; }
# The issued invoices' totals as focus_sums prints them, and the rows
# FOCUS holds for them (a line each and a tax row).
invoice_sums() { # period-first-day [customer]
    q "SELECT string_agg(i.number || ' ' || (i.total::numeric / 10 ^ cur.minor_digits)::numeric(20, 2), E'\\n' ORDER BY i.number)
           || E'\\nrows ' || (SELECT count(*) FROM invoice j JOIN invoice_line l ON l.invoice_id = j.id
                                JOIN customer d ON d.id = j.customer_id
                               WHERE j.period = '$1' AND j.kind = 'invoice' AND j.status = 'issued'
                                 AND ('${2:-}' = '' OR d.code = '${2:-}'))
                         + count(*)
       FROM invoice i JOIN customer c ON c.id = i.customer_id JOIN currency cur ON cur.code = i.currency
       WHERE i.period = '$1' AND i.kind = 'invoice' AND i.status = 'issued' AND ('${2:-}' = '' OR c.code = '${2:-}')"
}
# A third H800 buyer for the price index (issue 37): customer delta (tax
# id $1, "" for none) on gpu-premium, gpu-standard's copy at 20.00 per
# H800 GPU-hour, account ns-delta, from 2026-01-01.
premium_delta() { # [tax-id]
    sed -e 's/"gpu-standard"/"gpu-premium"/' -e 's/"GPU-hour standard 2026"/"GPU-hour premium 2026"/' \
        -e 's/"16.80"/"20.00"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/plan.json"
    cat >"$TMP/delta.json" <<'DOC'
{ "contract": "delta-2026", "customer": "delta", "effective_from": "2026-01-01",
  "plan": "gpu-premium", "currency": "CNY", "tax_rate": "0.06",
  "accounts": [ { "account": "ns-delta" } ] }
DOC
    "$GM" plan apply "$TMP/plan.json" >/dev/null &&
        "$GM" customer add delta --name "Delta Compute" ${1:+--tax-id "$1"} >/dev/null &&
        "$GM" contract apply "$TMP/delta.json" >/dev/null
}
# An etax export's lines of one invoice (cells of tests/tools/xlsx_cells.py),
# summed: "amount tax total", each line's tax its amount x rate rounded
# once, as the tax system computes the fapiao (docs/money.md).
fapiao_sums() { # cells-file sheet invoice-column amount-column rate-column invoice
    python3 - "$@" <<'PY'
import sys
from decimal import Decimal, ROUND_HALF_UP
path, sheet, inv_col, amt_col, rate_col, number = sys.argv[1:]
amount = tax = Decimal(0)
for line in open(path, encoding="utf-8"):
    head, *cells = line.rstrip("\n").split("\t")
    if not head.startswith(sheet + "!") or int(head.split("!")[1]) < 4:
        continue
    c = dict(x.split("=", 1) for x in cells)
    if c.get(inv_col) != number:
        continue
    a = Decimal(c[amt_col])
    amount += a
    tax += (a * Decimal(c[rate_col])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
print(amount, tax, amount + tax)
PY
}
# A server's stderr has no sanitizer report (ASan, UBSan or TSan).
sanitizer_clean() { # name log
    if grep -qE 'ThreadSanitizer|AddressSanitizer|runtime error:' "$2"; then
        fail "$1 ($(grep -m1 -E 'ThreadSanitizer|AddressSanitizer|runtime error:' "$2"))"
        sed -n '1,60p' "$2" | sed 's/^/# /'
    else
        pass "$1"
    fi
}
# A port from 20000 to 31999 that no socket on this machine uses now (ss):
# a fixed or pid-derived one may be some client's ephemeral port or another
# suite's listener on a busy machine. Another process can still take it
# before the caller binds: listeners that can be restarted retry
# (start_server).
free_port() {
    local p _
    for _ in $(seq 50); do
        p=$((20000 + (RANDOM * 32768 + RANDOM + $$) % 12000))
        [ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] && break
    done
    echo "$p"
}
# Waits until http://127.0.0.1:port/healthz answers, while pid lives, for up
# to a minute (an ASan binary on a busy machine starts slowly); fails when
# the process died or never answered.
wait_healthz() { # port pid
    local _
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# Starts `gpumeter serve` on a free port: SERVER (pid), U (base URL).
# A random port may be taken (by another listener, or as some client's
# ephemeral port): a server that exits at once is started again on another,
# up to three times. The server's log is shown when it never answers.
start_server() { # log args...
    local log=$1 try
    shift
    for try in 1 2 3; do
        PORT=$(free_port)
        "$GM_SERVE" serve --listen "127.0.0.1:$PORT" "$@" 2>"$log" &
        SERVER=$!
        U="http://127.0.0.1:$PORT"
        for _ in $(seq 300); do
            curl -sf "$U/healthz" >/dev/null && return 0
            kill -0 "$SERVER" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$SERVER" 2>/dev/null && break # alive but not answering: no retry
    done
    sed 's/^/server log: /' "$log" >&2
    return 1
}
# The closing line of a fault scenario (make faults, tests/run.sh): events
# that went in, what the rater did with them, and the money of the period's
# invoices against the generator's totals (scripts/check-totals.sql). The
# scenario passes when its own checks did, every event in was consumed and
# accounted for (rated + duplicates + dead letters + parked), and quantities
# and money match to the fen.
scenario() { # name events-in totals.csv period
    local consumed rated dups dead parked expected got mismatches check
    read -r consumed rated dups dead parked <<<"$(q "SELECT coalesce(sum(consumed), 0),
        coalesce(sum(rated), 0), coalesce(sum(duplicates), 0), coalesce(sum(dead_lettered), 0),
        coalesce(sum(parked), 0) FROM rating_counter" | tr '|' ' ')"
    check=$(pg -tA -v totals="$3" -v period="$4" -f "$ROOT/scripts/check-totals.sql")
    read -r _ _ expected _ got mismatches <<<"$(echo "$check" | tail -n 2 |
        sed 's/^mismatches //' | xargs)"
    echo "$check" | head -n -2 | sed 's/^/# /' # the problems, if any
    check_fields "$1: every event in was consumed and accounted for" \
        "consumed rated+duplicates+dead_letters+parked" "$2 $2" "$consumed $((rated + dups + dead + parked))"
    check_fields "$1: quantities and money match the generator" "mismatched_rows money_(fen)" \
        "0 $expected" "$mismatches $got"
    printf 'scenario %-40s in %8s  rated %8s  duplicates %7s  dead %3s  parked %4s  money %s expected %s  %s\n' \
        "$1" "$2" "$rated" "$dups" "$dead" "$parked" "$got" "$expected" \
        "$([ "$FAILURES" -eq 0 ] && echo pass || echo FAIL)"
}
# An event of N GPU-hours of H800s on account A over the hour from START
# (ISO, UTC), produced to the test's topic with the next seq of source "l".
H800_SEQ=0
h800_hours() { # account start-iso gpu-hours
    H800_SEQ=$((H800_SEQ + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$H800_SEQ" "$1" $(($3 * 3600000)) "$2" "$(date -u -d "$2 + 1 hour" +%FT%TZ)" |
        kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
# Applies the demo's seed contract of a customer with extra members (JSON
# text put before "accounts"): what contract apply prints, errors too.
seed_contract_with() { # customer extra-json
    sed "s|\"accounts\"|$2, \"accounts\"|" "$ROOT/scripts/seed/contract-$1.json" >"$TMP/$1.json"
    "$GM" contract apply "$TMP/$1.json" 2>&1
}
# A device_health window of device $3 of node $2 at sh-lingang (H800,
# source c1): seq, node, device, start (ISO), minutes, state, reasons.
health_window() { # seq node device start minutes state reasons
    q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                                  end_at, window_ms, state, reasons)
       VALUES ('c1', $1, 'sh-a', 'sh-lingang', '$2', '$3', 'H800', 'nvidia', '$4',
               '$4'::timestamptz + interval '$5 minutes', $5 * 60000, '$6', '$7')" >/dev/null
}
# Issue 36's SLA windows, hand-computed in docs/availability.md ("A
# customer's availability"; test_sla.sh, test_sla_report.sh): alpha's
# contract reserves node gpu-node-07 at sh-lingang (and its GPU-a again),
# Asia/Shanghai, maintenance and customer-caused failures excluded; an
# announced maintenance window on 10 Jan 2027 02:00-06:00 local.
sla_alpha_fixture() {
    "$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
    "$GM" maintenance apply /dev/stdin --actor ops >/dev/null <<'JSON' || fail "apply the maintenance"
{"maintenance": "lingang-2027", "effective_from": "2027-01-01",
 "windows": [{"site": "sh-lingang", "start": "2027-01-10T02:00:00+08:00", "end": "2027-01-10T06:00:00+08:00",
   "announced_at": "2026-12-01T10:00:00+08:00", "reason": "UPS replacement"}]}
JSON
    local sla='"time_zone": "Asia/Shanghai", "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}, {"site": "sh-lingang", "node": "gpu-node-07", "device": "GPU-a"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}, {"below": "99.0", "credit": "25"}], "cap": "20", "excludes": ["maintenance", "customer_caused"]}'
    check_match "a contract reserving node gpu-node-07" "alpha-2026 version 2026-01-01" \
        "$(seed_contract_with alpha "$sla")"
    health_window 1 gpu-node-07 GPU-a 2027-01-05T00:00:00Z 60 up '{}'
    health_window 2 gpu-node-07 GPU-a 2027-01-09T19:00:00Z 60 down '{xid:79}'        # in the announced window
    health_window 3 gpu-node-07 GPU-a 2027-01-12T00:00:00Z 30 degraded '{xid:13}'    # the application's
    health_window 4 gpu-node-07 GPU-a 2027-01-12T00:30:00Z 30 down '{xid:13,xid:79}' # not only the application's
    health_window 5 gpu-node-07 GPU-b 2027-01-31T20:00:00Z 60 down '{scrape_failed}' # 1 Feb in Shanghai
    health_window 6 gpu-node-07 GPU-b 2026-12-31T16:00:00Z 120 up '{}'               # 1 Jan in Shanghai
    health_window 7 gpu-node-08 GPU-c 2027-01-05T00:00:00Z 60 down '{xid:79}'        # not reserved
}
# Runs gpumeter and checks its exit code; its output (errors too) in $out.
run_gm() { # expected-exit-code name args...
    local want=$1 name=$2
    shift 2
    out=$("$GM" "$@" 2>&1)
    check_eq "$name: exit $want" "$want" "$?"
}
# plan simulate's table as the console's data-minor cells: one
# "label=current/proposed/difference" per line (minor units), joined by ';'.
simulate_minor() { # customer period plan-file | customer period --proposal ID
    local source=(--plan "$3")
    [ "$3" = --proposal ] && source=(--proposal "$4")
    # columns are set apart by two spaces or more: the line, its quantity
    # (usage lines), current, proposed, difference
    sed -E 's#([=/])(-?)([0-9]+)\.([0-9]+)#\1\2\3\4#g; s#([=/])(-?)0+([0-9])#\1\2\3#g' <<<"$("$GM" plan simulate --customer "$1" --period "$2" "${source[@]}" |
        awk -F '  +' 'NR > 2 { sub(/ +$/, ""); printf "%s%s=%s/%s/%s", (NR > 3 ? ";" : ""), $1, $(NF-2), $(NF-1), $NF }')"
}
# A GET of the test's server ($U) with key $1: "status body".
api_get() { # key path
    curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $1" "$U$2"
    printf ' %s' "$(cat "$TMP/body")"
}
# The receivables ledger balances: each transaction, and debits against
# credits over the whole ledger (two checks).
check_ledger_balanced() {
    check_eq "every transaction balances" "" \
        "$(q "SELECT string_agg(txn_id || ':' || s, ' ') FROM (SELECT txn_id, sum(amount_minor) s
              FROM ledger_entry GROUP BY txn_id HAVING sum(amount_minor) <> 0) x")"
    check_eq "debits equal credits over the whole ledger" "t" \
        "$(q "SELECT sum(amount_minor) FILTER (WHERE amount_minor > 0)
                     = -sum(amount_minor) FILTER (WHERE amount_minor < 0) FROM ledger_entry")"
}
# Messages in the test's topic, counted by kcat (independent of gpumeter).
topic_messages() {
    kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '.\n' | wc -l
}
# "consumed accepted duplicates dead_lettered": accepted = rated + parked.
counters() { q "SELECT coalesce(sum(consumed), 0) || ' ' || coalesce(sum(rated + parked), 0) || ' ' ||
                       coalesce(sum(duplicates), 0) || ' ' || coalesce(sum(dead_lettered), 0)
                FROM rating_counter"; }
parked() { q "SELECT coalesce(sum(parked), 0) FROM rating_counter"; }
# Waits up to N seconds until the command succeeds.
wait_for() { # seconds, condition...
    local n=$(($1 * 10))
    shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}
# Messages the raters have consumed (0 while PostgreSQL is away).
consumed() { q "SELECT coalesce(sum(consumed), 0) FROM rating_counter" 2>/dev/null || echo 0; }
# Waits up to two minutes until the raters have consumed at least N.
consumed_at_least() { [ "$(consumed)" -ge "$1" ]; }
wait_consumed() { wait_for 120 consumed_at_least "$1"; } # n
# The end of a collector daemon scenario (state directory S, account team-a
# on the fixture's H800): every event the collector counted reached the
# topic with seq 1..N of its source, the rated GPU time covers its first to
# last scrape exactly, and the scenario line of the month it ran in.
collector_daemon_scenario() { # name state-dir
    local events seqs window first last period
    events=$(sed -n 's/^gpumeter_collector_events_total{.*} //p' "$2/metrics.prom")
    # per source (the message key): how many distinct seqs, and how many of
    # them are out of 1..N
    seqs=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%k %s\n' |
        sed 's/ .*"seq":\([0-9]*\),.*/ \1/' | sort -u | sort -k1,1 -k2,2n |
        awk '$1 != src { src = $1; want = 1 } { n++; if ($2 != want++) gaps++ }
             END { print n + 0, gaps + 0 }')
    check_eq "every collected event reached the topic, each source's seq 1..N without a gap" \
        "$events 0" "$seqs"
    window=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%s\n' |
        grep -o '"start":"[^"]*","end":"[^"]*"' | sort |
        sed -n '1s/"start":"\([^"]*\)".*/\1/p;$s/.*"end":"\([^"]*\)"/\1/p')
    first=$(date -d "$(echo "$window" | head -1)" +%s%3N)
    last=$(date -d "$(echo "$window" | tail -1)" +%s%3N)
    "$GM" rate --until-idle 2>>"$TMP/rate.log"
    check_counters "no event was rated twice" "$events $events 0 0"
    check_eq "rated GPU time covers first to last scrape exactly" "$((last - first))" \
        "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'gpu_ms'")"
    period=$(TZ=Asia/Shanghai date -d "@$((first / 1000))" +%Y-%m)
    printf 'account,meter,model,quantity\nteam-a,gpu_ms,H800,%s\nteam-a,energy_mj,H800,0\n' \
        $((last - first)) >"$TMP/totals.csv"
    "$GM" invoice run --period "$period" >/dev/null 2>&1
    scenario "$1" "$events" "$TMP/totals.csv" "$period"
}
# Maps accounts to customer alpha, so that their usage is rated, not parked.
map_accounts() { # account...
    local a
    for a in "$@"; do
        q "INSERT INTO account (account, customer_id) SELECT '$a', id FROM customer
           WHERE code = 'alpha' ON CONFLICT DO NOTHING" >/dev/null
    done
}
usage_snapshot() { q "SELECT count(*) || ' ' || coalesce(sum(quantity), 0) || ' ' ||
                             coalesce(sum(events), 0) FROM usage_hourly"; }

# The rated usage per account, model, vendor and meter, one line:
# "acct model vendor meter total, ..." (collector tests assert it exactly).
rated_totals() { q "SELECT string_agg(account || ' ' || model || ' ' || vendor || ' ' || meter || ' ' || total,
                                      ', ' ORDER BY account, meter)
                    FROM (SELECT account, model, vendor, meter, sum(quantity) AS total FROM usage_hourly
                          GROUP BY account, model, vendor, meter) t"; }

# Shares of shared devices (hami tests). The usage events of --stdout on
# stdin, one "account/job gpu_ms energy_mj" line each ("-": no energy).
event_shares() { python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("kind", "usage") == "usage" and "gpu_ms" in e:
        print(e["account"] + "/" + e["job"], e["gpu_ms"], e.get("energy_mj", "-"))'; }
# The rated GPU-ms and energy per account and job, one line:
# "acct job ms mj, ..." in (account, job) order.
rated_by_job() { q "SELECT string_agg(account || ' ' || job || ' ' || ms || ' ' || mj, ', ' ORDER BY account, job)
                    FROM (SELECT account, job,
                                 sum(quantity) FILTER (WHERE meter = 'gpu_ms') AS ms,
                                 sum(quantity) FILTER (WHERE meter = 'energy_mj') AS mj
                          FROM usage_hourly GROUP BY account, job) t"; }
