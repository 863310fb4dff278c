#!/bin/bash
# Every collector against the fixtures in tests/fixtures/ingest, through the
# spool, the real broker and the rater: exact quantities per account and
# meter in PostgreSQL, signed events, the token endpoint, and usage errors.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a team-c team-d team-smi team-default proj-llm proj-ft
F=$ROOT/tests/fixtures/ingest
collect() { "$GM" collect "$@" 2>>"$TMP/collect.log"; }

# Once any cluster has a key every event must be signed (signing.required):
# the collectors of cluster "default" sign with their own.
cat >>"$GPUMETER_CONFIG" <<CONF
hmac.hpc1 = test-signing-key-0123456789
hmac.default = default-signing-key-0123456789
CONF

rc=0
collect dcgm --file "$F/dcgm-k8s-t0.prom" --at 2026-11-01T00:00:00Z --state-dir "$TMP/dcgm" || rc=1
collect dcgm --file "$F/dcgm-k8s-t1.prom" --at 2026-11-01T00:00:30Z --state-dir "$TMP/dcgm" || rc=1
collect dcgm --file "$F/dcgm-k8s-t2-reset.prom" --at 2026-11-01T00:01:00Z --state-dir "$TMP/dcgm" || rc=1
collect dcgm --file "$F/dcgm-mig-t0.prom" --at 2026-11-01T00:00:00Z --state-dir "$TMP/mig" || rc=1
collect dcgm --file "$F/dcgm-mig-t1.prom" --at 2026-11-01T00:01:10Z --state-dir "$TMP/mig" || rc=1
for t in 0 1; do
    collect nvidia-smi --file "$F/nvsmi-units-t$t.csv" --at "2026-11-01T00:0$t:00Z" \
        --state-dir "$TMP/smi" --account-map "$F/accounts.map" --account team-default || rc=1
done
for run in "t0 02:00" "t0 02:00" "t1 02:30" "t1 03:30"; do
    set -- $run
    collect sacct --file "$F/sacct-$1.txt" --at "2026-11-01T$2:00Z" --state-dir "$TMP/sacct" \
        --cluster hpc1 || rc=1
done
collect tokens --file - --state-dir "$TMP/tokens" <"$F/tokens.jsonl" || rc=1
check_eq "every one-shot collector run exits 0" 0 "$rc"
check_eq "every spool is empty after delivery" "" "$(find "$TMP" -name "*.batch")"
# 14 usage events and 4 capacity events (dcgm k8s rounds 2 and 3, MIG,
# nvidia-smi); sacct and tokens see no devices.
check_eq "18 events reached the topic" 18 "$(topic_messages)"
signed=$(kcat -C -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -e -q -f '%s\n' |
    grep -c '"cluster":"hpc1".*"sig":"[0-9a-f]\{64\}"')
check_eq "events of a cluster with an hmac key are signed (3 sacct events)" 3 "$signed"

"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: 18 consumed, 18 rated" "18 18 0 0"
q "SELECT node, model, installed_ms, allocated_ms, idle_whole_ms, idle_stranded_ms, idle_energy_mj,
          energy_ms, events FROM capacity_hourly ORDER BY node" >"$TMP/capacity"
# gpu-node-01: 2 H800s for 2 x 30 s, GPU0 allocated, GPU1 stranded beside it,
# drawing 2,107,500 mJ per round by its counter; mig-node: one A800 for 70 s,
# 3/7 + 1/7 allocated, the rest stranded, 7,000,000 - 3,000,000 - 1,000,000
# mJ idle; vm: 3 H100s for 60 s, all allocated, GPU1 without power.
check_eq "capacity per node is exact" "gpu-node-01|H800|120000|60000|0|60000|4215000|120000|2
mig-node|A800|70000|40000|0|30000|3000000|70000|1
vm|H100|180000|180000|0|0|0|0|1" "$(cat "$TMP/capacity")"
got=$(q "SELECT string_agg(account || ' ' || meter || ' ' || total, ', ' ORDER BY account, meter)
         FROM (SELECT account, meter, sum(quantity) AS total FROM usage_hourly
               GROUP BY account, meter) t")
expected="ns-gamma-ft tokens 15000, proj-ft energy_mj 1800000000, proj-ft gpu_ms 5400000, \
proj-llm energy_mj 7200000000, proj-llm gpu_ms 28800000, slurm-gamma tokens 1000000, \
team-a energy_mj 28500000, team-a gpu_ms 60000, team-c energy_mj 3000000, team-c gpu_ms 30000, \
team-d energy_mj 1000000, team-d gpu_ms 10000, team-default energy_mj 6000000, \
team-default gpu_ms 120000, team-smi energy_mj 39000000, team-smi gpu_ms 60000"
check_eq "rated quantities per account and meter are exact" "$expected" "$got"
check_eq "token usage keeps the trained model's size (7B for train-a, unknown for train-b)" \
    "0 7000000000" \
    "$(q "SELECT string_agg(DISTINCT model_params::text, ' ') FROM usage_hourly
          WHERE meter = 'tokens'")"
check_eq "reported model names are rated under the catalogue's (H800 for \"NVIDIA H800\")" \
    "A800|nvidia H100|nvidia H800|nvidia unknown|nvidia" \
    "$(q "SELECT string_agg(DISTINCT model || '|' || vendor, ' ') FROM usage_hourly
          WHERE meter = 'gpu_ms'")"

# The token endpoint acknowledges after the spool commit.
port=$(free_port)
printf 'tokens.reporters = %s\nhmac.http = http-signing-key-0123456789\n' "$TMP/reporters" \
    >>"$GPUMETER_CONFIG"
cred=$("$GM" collect reporter create trainer --accounts 'ns-gamma-*,slurm-gamma,ns-x' 2>/dev/null)
# Its own cluster, so its source (tokens/http) is not the file run's above.
"$GM" collect tokens --listen "127.0.0.1:$port" --state-dir "$TMP/http" --cluster http \
    2>>"$TMP/collect.log" &
pid=$!
wait_healthz "$port" "$pid" || sed "s/^/# token server: /" "$TMP/collect.log"
reply=$(curl -s -X POST -H "Authorization: Bearer $cred" --data-binary "@$F/tokens.jsonl" \
    "http://127.0.0.1:$port/v1/tokens")
check_eq "POST /v1/tokens accepts 6 reports and rejects 4" '{"accepted":6,"rejected":4}' "$reply"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/tokens")
check_eq "GET /v1/tokens is 405" 405 "$status"
# Issue 31: the same credential naming alpha's account (a customer's, so it
# would be rated, not parked) is refused and nothing reaches the rater.
forged='{"job":"x","account":"ns-alpha","tokens":1000000000,"time":"2026-11-01T09:00:00Z"}'
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $cred" \
    --data-binary "$forged" "http://127.0.0.1:$port/v1/tokens")
check_eq "a report for an account the reporter may not report for is 403" 403 "$status"
kill -TERM "$pid"
wait "$pid"
check_eq "the token server stops cleanly on SIGTERM" 0 "$?"
check_eq "the 4 billable reports reached the topic" 22 "$(topic_messages)"
"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "the rater rated them" "22 22 0 0"
check_eq "no tokens were rated for the forged account" 0 \
    "$(q "SELECT count(*) FROM usage_hourly WHERE account = 'ns-alpha' AND meter = 'tokens'")"
check_eq "the trainer's tokens are billed to gamma's accounts (the file's and the endpoint's)" \
    "ns-gamma-ft 30000 slurm-gamma 2000000" \
    "$(q "SELECT string_agg(account || ' ' || total, ' ' ORDER BY account) FROM (SELECT account,
          sum(quantity) AS total FROM usage_hourly WHERE meter = 'tokens' GROUP BY account) t")"

# Usage errors exit 2; a second collector on the same state directory is refused.
"$GM" collect dcgm --file "$F/dcgm-k8s-t0.prom" >/dev/null 2>&1
check_eq "missing --state-dir exits 2" 2 "$?"
"$GM" collect dcgm --state-dir "$TMP/x" --bogus >/dev/null 2>&1
check_eq "unknown flag exits 2" 2 "$?"
"$GM" collect sacct --state-dir "$TMP/x" --file "$F/sacct-t0.txt" --at yesterday >/dev/null 2>&1
check_eq "bad --at exits 2" 2 "$?"
# A URL's host is the node name of what it serves (npu-exporter names no
# node: its NPUs are keyed <node>/npu-<id>): cut to 64 characters, two hosts
# sharing those became one node and one of them was never charged. Such a
# URL (and an IPv6 literal, or user info, whose host was cut at its first
# ':' or kept with the '@') is a usage error unless --node names the node.
long=$(printf 'n%.0s' $(seq 1 64))
out=$("$GM" collect npu --state-dir "$TMP/x" --stdout "http://${long}a.localhost:1/metrics" \
    "http://${long}b.localhost:1/metrics" 2>&1)
check_eq "a URL host over 64 characters exits 2" 2 "$?"
check_match "and says why" "host of http://${long}a.localhost:1/metrics is not a node name of at most 64" "$out"
"$GM" collect npu --state-dir "$TMP/x" --stdout --timeout 1 --node n1 \
    "http://${long}a.localhost:1/metrics" >/dev/null 2>&1
check_eq "with --node it is fetched (nothing listens: exit 1)" 1 "$?"
out=$("$GM" collect npu --state-dir "$TMP/x" --stdout --timeout 1 "http://[::1]:1/metrics" \
    "http://u@127.0.0.1:1/metrics" 2>&1)
check_eq "an IPv6 literal and user info are hosts too (nothing listens: exit 1)" 1 "$?"
out=$("$GM" collect sacct --state-dir "$TMP/x" --file /nonexistent --stdout 2>&1)
check_eq "unreadable --file exits 1" 1 "$?"
check_match "and says why" "cannot read /nonexistent" "$out"
# A run whose whole input is unusable exits 1 with one clear line (issue 14),
# and every line of it counts as a bad line in the round summary (issue 31).
: >"$TMP/empty.prom"
printf 'index, name\n0, H800\n' >"$TMP/noheader.csv"
printf 'JobID|State\n9001|RUNNING\n' >"$TMP/nocols.txt"
printf 'JobID|Account|AllocTRES|State\n9001|p|gres/gpu=8|RUNNING\n9002|p|gres/gpu=1|RUNNING\n' \
    >"$TMP/notimes.txt"
# metric names are case-sensitive: a lower-cased paste is not read as GPUs;
# its HELP and TYPE comments are no bad lines, so the error line and the
# round summary give the same count
tr 'A-Z' 'a-z' <"$F/dcgm-k8s-t1.prom" >"$TMP/lower.prom"
for run in "dcgm $TMP/empty.prom 0 no accelerator in it" \
    "dcgm $TMP/lower.prom 6 no accelerator in it (6 bad lines)" \
    "npu $TMP/empty.prom 0 no accelerator in it" \
    "nvidia-smi $TMP/noheader.csv 2 needs uuid and power.draw columns" \
    "sacct $TMP/nocols.txt 2 has no Account column" \
    "sacct $TMP/notimes.txt 3 has no Start column" \
    "tokens $TMP/empty.prom 0 it holds no report"; do
    set -- $run
    kind=$1 file=$2 bad=$3
    shift 3
    out=$(GPUMETER_QUIET=0 "$GM" collect "$kind" --file "$file" --state-dir "$TMP/u-$kind-$bad" \
        --stdout 2>&1)
    rc=$?
    check_eq "collect $kind of an unusable $(basename "$file") exits 1" 1 "$rc"
    check_eq "with one error line saying why" "1 1" \
        "$(echo "$out" | grep -c 'error:') $(echo "$out" | grep -c "unusable input: .*$*")"
    check_match "and counts its $bad lines as bad lines" " 0 events, $bad bad lines," "$out"
done

# sacct --parsable2 never escapes a '|' in JobName (issue 31): with one
# free-text column the row is placed and billed; where it cannot be placed
# (JobName and WorkDir both present) it is refused and the run exits 1.
out=$(GPUMETER_QUIET=0 "$GM" collect sacct --file "$F/sacct-jobname-bar.txt" --state-dir "$TMP/bar" \
    --at 2026-11-01T02:00:00Z --stdout 2>"$TMP/bar.err")
check_eq "sacct with a '|' in JobName exits 0" 0 "$?"
check_eq "and bills all 3 GPU jobs" "7001 1200000 7002 300000 7003 60000" \
    "$(echo "$out" | sed 's/.*"job":"\([^"]*\)".*"gpu_ms":\([0-9]*\).*/\1 \2/' | tr '\n' ' ' | sed 's/ $//')"
check_match "with no bad line" " 3 events, 0 bad lines," "$(cat "$TMP/bar.err")"
cori="Account|AllocNodes|AllocTRES|ConsumedEnergyRaw|CPUTimeRaw|Elapsed|End|ExitCode|JobID|JobName"
cori="$cori|NCPUS|NNodes|QOS|ReqMem|ReqNodes|Start|State|Submit|UID|User|WorkDir"
for run in "sacct-cori-jobname-bar.txt 0" "sacct-jobname-bar-two-free-columns.txt 1"; do
    set -- $run
    cols=()
    [ "$1" = sacct-cori-jobname-bar.txt ] && cols=(--columns "$cori" --utc-offset -07:00)
    out=$(GPUMETER_QUIET=0 "$GM" collect sacct --file "$F/$1" --state-dir "$TMP/refuse-$2" \
        --at 2026-11-01T02:00:00Z --stdout "${cols[@]}" 2>"$TMP/refuse.err")
    rc=$?
    check_eq "$1: a row that cannot be placed makes the run exit 1" 1 "$rc"
    check_eq "$1: the rows that line up still count ($2 events)" "$2" \
        "$(echo -n "$out" | grep -c '"gpu_ms"')"
    check_match "$1: it is refused, counted and named" \
        "1 rows refused.* $2 events, 1 bad lines,.*; 1 rows and 0 units refused" \
        "$(tr '\n' ' ' <"$TMP/refuse.err")"
done
# The collector's own sacct command asks for no free-text column at all.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/sacct" <<SH
#!/bin/sh
printf '%s\n' "\$@" >"$TMP/sacct.args"
cat "$F/sacct-t0.txt"
SH
chmod +x "$TMP/bin/sacct"
PATH="$TMP/bin:$PATH" "$GM" collect sacct --state-dir "$TMP/own" --at 2026-11-01T02:00:00Z \
    --stdout >/dev/null 2>&1
check_eq "collect sacct runs sacct itself and exits 0" 0 "$?"
check_match "with --parsable2 and its own --format" \
    "--parsable2 .*--format=JobID,Account,AllocTRES," "$(tr '\n' ' ' <"$TMP/sacct.args")"
check_eq "which names no free-text column (JobName, Comment, WorkDir, ...)" "" \
    "$(grep -ioE 'jobname|comment|workdir|submitline|constraints|wckey|std(in|out|err)' \
        "$TMP/sacct.args")"
exec 9>"$TMP/dcgm/lock"
flock 9
out=$("$GM" collect dcgm --file "$F/dcgm-k8s-t0.prom" --state-dir "$TMP/dcgm" --stdout 2>&1)
check_match "a locked state directory is refused" "another collector is using" "$out"
finish
