#!/bin/bash
# collect tokens --format megatron|torchtitan: the token counts of trainers'
# own logs (tests/fixtures/real/trainer-logs, each with a .source note),
# metered under the high-water-mark rule. The events must be exactly the
# hand-computed ones in <log>.events (Megatron-LM: consumed samples x
# seq_length; torchtitan: step x --tokens-per-step; timestamps read at
# --utc-offset); bad lines counted with their reason; bad flags exit 2.
# No service is needed (--stdout).
. "$(dirname "$0")/lib.sh"

L=$ROOT/tests/fixtures/real/trainer-logs
n=0
# One run over a log; its events in $TMP/out, its log in $TMP/err, exit code in rc.
collect() { # log flags...
    local log=$1
    shift
    n=$((n + 1))
    GPUMETER_QUIET=0 "$GM" collect tokens --file "$L/$log" --state-dir "$TMP/st-$n" --stdout \
        --cluster c1 --site s1 --account lab-nlp "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
summary() { sed -n 's/.* round at .*: \([0-9]*\) events, \([0-9]*\) bad lines.*/\1 \2/p' "$TMP/err"; }

# The real torchtitan log (PR 1287): six step lines, ten steps apart.
collect torchtitan-tps-per-rank-pr1287.log --format torchtitan --job tt-8b --utc-offset -07:00 \
    --tokens-per-step 65536
check_eq "torchtitan PR 1287: events (step x 65536 tokens, times at -07:00)" \
    "$(cat "$L/torchtitan-tps-per-rank-pr1287.events")" "$(cat "$TMP/out")"
check_eq "torchtitan PR 1287: exit code, events, bad lines" "0 6 0" "$rc $(summary)"

# A torchtitan restart from a checkpoint, two ranks' copies of a step, two bad lines.
collect torchtitan-restart.log --format torchtitan --job tt-8b --utc-offset -07:00 \
    --tokens-per-step 65536
check_eq "torchtitan restart: steps re-logged after the checkpoint and rank 1's copy bill nothing" \
    "$(cat "$L/torchtitan-restart.events")" "$(cat "$TMP/out")"
check_eq "torchtitan restart: exit code, events, bad lines" "0 3 2" "$rc $(summary)"
check_match "torchtitan restart: a step line without a timestamp is bad, with why" \
    'torchtitan-restart.log:10: skipped: no timestamp before the step: the count cannot be placed in time' \
    "$(cat "$TMP/err")"
check_match "torchtitan restart: a step that is no whole number is bad, with why" \
    'torchtitan-restart.log:11: skipped: step is not a whole number' "$(cat "$TMP/err")"

# --untimed collection is for torchtitan too: line 10's step 270, unstamped,
# bills its 10 steps x 65536 tokens from the last stamped line (22:41:09.012
# at -07:00) to the collection (--at 05:45:00Z); the cut-off line 11 stays bad.
collect torchtitan-restart.log --format torchtitan --job tt-8b --utc-offset -07:00 \
    --tokens-per-step 65536 --untimed collection --at 2025-06-17T05:45:00Z
check_eq "torchtitan restart --untimed collection: the stamped lines' events, then line 10's at the collection" \
    "$(cat "$L/torchtitan-restart.events")
{\"v\":1,\"source\":\"tokens/c1\",\"seq\":4,\"account\":\"lab-nlp\",\"cluster\":\"c1\",\"site\":\"s1\",\"job\":\"tt-8b\",\"start\":\"2025-06-17T05:41:09.012Z\",\"end\":\"2025-06-17T05:45:00Z\",\"tokens\":655360}" \
    "$(cat "$TMP/out")"
check_eq "torchtitan restart --untimed collection: exit code, events, bad lines" "0 4 1" \
    "$rc $(summary)"

# Megatron-LM with its arguments (seq_length 2048), a restart, two bad lines.
collect megatron-lm-restart.log --format megatron --job gpt-13b --utc-offset +08:00
check_eq "Megatron-LM restart: events (consumed samples x logged seq_length 2048, once)" \
    "$(cat "$L/megatron-lm-restart.events")" "$(cat "$TMP/out")"
check_eq "Megatron-LM restart: exit code, events, bad lines" "0 5 2" "$rc $(summary)"
check_match "Megatron-LM restart: a line of a build without timestamps is bad, with why" \
    'megatron-lm-restart.log:16: skipped: no timestamp before the iteration: the count cannot be placed in time' \
    "$(cat "$TMP/err")"
check_match "Megatron-LM restart: a cut-off line is bad, with why" \
    'megatron-lm-restart.log:17: skipped: consumed samples is not a whole number' "$(cat "$TMP/err")"
collect megatron-lm-restart.log --format megatron --job gpt-13b --utc-offset +08:00 --seq-length 2048
check_eq "Megatron-LM: --seq-length equal to the logged one gives the same events" \
    "$(cat "$L/megatron-lm-restart.events")" "$(cat "$TMP/out")"
collect megatron-lm-restart.log --format megatron --job gpt-13b --utc-offset +08:00 --seq-length 4096
check_eq "Megatron-LM: --seq-length unlike the logged one is refused: exit code, events" "1 " \
    "$rc $(cat "$TMP/out")"
check_match "and says both" "unusable input: --seq-length 4096 but the run's arguments say seq_length 2048" \
    "$(cat "$TMP/err")"

# The real Megatron-LLM lines (issue 11) carry no timestamp: refused whole, with why.
collect megatron-llm-consumed-samples-issue11.log --format megatron --job m --utc-offset +08:00 \
    --seq-length 2048
check_eq "Megatron-LLM issue 11 (no timestamps): exit code, events, bad lines" "1 0 4" \
    "$rc $(summary)"
check_match "and says why" "unusable input: none of its 4 step lines has a timestamp" "$(cat "$TMP/err")"
check_match "and names the flag that bills them" "give --untimed collection to bill them" "$(cat "$TMP/err")"

# With --untimed collection the same lines take the collection time (--at):
# one event of the highest count, 128000 x 2048 = 262,144,000 tokens (the
# job's first count: its window starts where it ends).
collect megatron-llm-consumed-samples-issue11.log --format megatron --job m --utc-offset +08:00 \
    --seq-length 2048 --untimed collection --at 2026-11-01T00:00:00Z
check_eq "Megatron-LLM issue 11 --untimed collection: events at the collection time" \
    "$(cat "$L/megatron-llm-consumed-samples-issue11.events")" "$(cat "$TMP/out")"
check_eq "Megatron-LLM issue 11 --untimed collection: exit code, events, bad lines" "0 1 0" \
    "$rc $(summary)"
# A later collection of the log with iteration 126 appended, on the same
# state: only its 1024 x 2048 tokens, from the previous collection to this one.
cp "$L/megatron-llm-consumed-samples-issue11.log" "$TMP/issue11-more.log"
echo ' iteration      126/  250000 | consumed samples:       129024 | global batch size:  1024 |' \
    >>"$TMP/issue11-more.log"
GPUMETER_QUIET=0 "$GM" collect tokens --file "$TMP/issue11-more.log" --state-dir "$TMP/st-$n" --stdout \
    --cluster c1 --site s1 --account lab-nlp --format megatron --job m --utc-offset +08:00 \
    --seq-length 2048 --untimed collection --at 2026-11-01T00:10:00Z >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "--untimed collection again later: only the appended line's delta, since the last collection" \
    '{"v":1,"source":"tokens/c1","seq":2,"account":"lab-nlp","cluster":"c1","site":"s1","job":"m","start":"2026-11-01T00:00:00Z","end":"2026-11-01T00:10:00Z","tokens":2097152}' \
    "$(cat "$TMP/out")"
check_eq "and exits 0 with 1 event, 0 bad lines" "0 1 0" "$rc $(summary)"
# Lines with a timestamp keep their own time under the flag: the restart
# log's five events are unchanged, and its one unstamped line (16,
# iteration 127, 130048 samples, after 08:08:10 +08:00's 129024) is no
# longer a bad line: it bills its 1024 x 2048 tokens from the last stamped
# line to the collection (--at 00:12:00Z). The cut-off line 17 stays bad.
collect megatron-lm-restart.log --format megatron --job gpt-13b --utc-offset +08:00 \
    --untimed collection --at 2024-05-10T00:12:00Z
check_eq "Megatron-LM restart --untimed collection: the stamped lines' events, then line 16's at the collection" \
    "$(cat "$L/megatron-lm-restart.events")
{\"v\":1,\"source\":\"tokens/c1\",\"seq\":6,\"account\":\"lab-nlp\",\"cluster\":\"c1\",\"site\":\"s1\",\"job\":\"gpt-13b\",\"start\":\"2024-05-10T00:08:10Z\",\"end\":\"2024-05-10T00:12:00Z\",\"tokens\":2097152}" \
    "$(cat "$TMP/out")"
check_eq "Megatron-LM restart --untimed collection: exit code, events, bad lines" "0 6 1" \
    "$rc $(summary)"

# Bad flags exit 2, and say why.
T=$L/torchtitan-restart.log
bad_flags() { # name pattern args...
    local name=$1 pattern=$2
    shift 2
    out=$("$GM" collect tokens --state-dir "$TMP/flags" --stdout --file "$T" "$@" 2>&1)
    check_eq "$name: exit 2" 2 "$?"
    check_match "$name: says why" "$pattern" "$out"
}
bad_flags "no --utc-offset" "has no time zone: give --utc-offset" \
    --format torchtitan --job j --account a --tokens-per-step 8192
bad_flags "a bad --utc-offset" "give --utc-offset like" \
    --format torchtitan --job j --account a --tokens-per-step 8192 --utc-offset 8
bad_flags "torchtitan without --tokens-per-step" "give --tokens-per-step" \
    --format torchtitan --job j --account a --utc-offset +08:00
bad_flags "no --job" "needs --job and --account" \
    --format torchtitan --account a --tokens-per-step 8192 --utc-offset +08:00
bad_flags "no --account" "needs --job and --account" \
    --format megatron --job j --seq-length 2048 --utc-offset +08:00
bad_flags "an unknown format" "--format nemo: not one of the choices \(expected jsonl\|megatron\|torchtitan\)" \
    --format nemo --job j --account a --utc-offset +08:00
bad_flags "--seq-length with torchtitan" "--seq-length is for megatron" \
    --format torchtitan --job j --account a --tokens-per-step 8192 --seq-length 2048 --utc-offset +08:00
bad_flags "--tokens-per-step with megatron" "--tokens-per-step is for torchtitan" \
    --format megatron --job j --account a --tokens-per-step 8192 --utc-offset +08:00
bad_flags "a log's flags with JSON lines" "are for --format megatron or torchtitan" \
    --job j --account a
bad_flags "--untimed with JSON lines" "are for --format megatron or torchtitan" \
    --untimed collection
bad_flags "an unknown --untimed" "--untimed now: not one of the choices \(expected refuse\|collection\)" \
    --format megatron --job j --account a --seq-length 2048 --utc-offset +08:00 --untimed now
bad_flags "--tokens-per-step 0" "tokens-per-step" \
    --format torchtitan --job j --account a --tokens-per-step 0 --utc-offset +08:00
out=$("$GM" collect tokens --state-dir "$TMP/flags" --stdout --listen 127.0.0.1:0 --format megatron \
    --job j --account a --utc-offset +08:00 2>&1)
check_eq "--format with --listen: exit 2" 2 "$?"
check_match "--format with --listen: says why" "--listen takes JSON lines only" "$out"

# Counts that cannot be true (issue 35 review) are bad lines with their
# reason, never billed, and do not move the high-water mark: the real
# restart log with iteration 123's consumed samples made 2^40 (above
# 123 x global_batch_size 1024) and a line stamped in year 9999 (after the
# collection time plus rating.max_future_s) of iteration 200,000 added
# after iteration 125: it would otherwise hold every later line below it.
# Every other event is the real log's.
sed -e 's/consumed samples:       125952/consumed samples: 1099511627776/' \
    -e '/2024-05-10 07:43:23/a\ [9999-12-31 23:59:59] iteration 200000/  250000 | consumed samples: 204800000 | global batch size:  1024 |' \
    "$L/megatron-lm-restart.log" >"$TMP/absurd.log"
check_eq "the altered log has the year-9999 line" 1 "$(grep -c '9999-12-31' "$TMP/absurd.log")"
GPUMETER_QUIET=0 "$GM" collect tokens --file "$TMP/absurd.log" --state-dir "$TMP/absurd" --stdout \
    --cluster c1 --site s1 --account lab-nlp --format megatron --job gpt-13b --utc-offset +08:00 \
    --at 2026-11-01T00:00:00Z >"$TMP/out" 2>"$TMP/err"
rc=$?
tokens_of() { sed -n 's/.*"end":"\([^"]*\)".*"tokens":\([0-9]*\).*/\1 \2/p' "$1" | tr '\n' ','; }
check_eq "the absurd and future lines bill nothing; the real lines after them bill as before" \
    "2024-05-09T23:38:56Z 255852544,2024-05-09T23:41:54Z 4194304,2024-05-09T23:43:23Z 2097152,\
2024-05-10T00:08:10Z 2097152," "$(tokens_of "$TMP/out")"
check_eq "exit code, events, bad lines (the real log's two and these)" "0 4 4" "$rc $(summary)"
check_match "an absurd consumed samples is bad, with why" \
    "absurd.log:9: skipped: consumed samples 1099511627776 exceed iteration 123 x the run's largest global batch size 1024" \
    "$(cat "$TMP/err")"
check_match "a line from the future is bad, with why" \
    "absurd.log:12: skipped: its time 9999-12-31T15:59:59Z is after the collection time 2026-11-01T00:00:00Z plus 900 s" \
    "$(cat "$TMP/err")"
# torchtitan: a step above 10^12 is a bad line; the real lines after it bill
sed '/step: 220 /s/step: 220 /step: 1000000000001 /' "$L/torchtitan-tps-per-rank-pr1287.log" \
    >"$TMP/absurd-titan.log"
GPUMETER_QUIET=0 "$GM" collect tokens --file "$TMP/absurd-titan.log" --state-dir "$TMP/titan" \
    --stdout --cluster c1 --site s1 --account lab-nlp --format torchtitan --job tt-8b \
    --utc-offset -07:00 --tokens-per-step 65536 >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "torchtitan, a step above 10^12: exit code, events, bad lines" "0 5 1" "$rc $(summary)"
check_match "and says why" "skipped: step 1000000000001 is above 1000000000000" "$(cat "$TMP/err")"
# JSON token reports: the same rule for time
printf '%s\n' '{"job":"j","account":"a","tokens":100,"time":"2026-10-31T23:00:00Z"}' \
    '{"job":"j","account":"a","tokens":9000000,"time":"9999-12-31T23:59:59Z"}' \
    '{"job":"j","account":"a","tokens":250,"time":"2026-11-01T00:15:00Z"}' |
    GPUMETER_QUIET=0 "$GM" collect tokens --file - --state-dir "$TMP/json" --stdout --cluster c1 \
        --site s1 --at 2026-11-01T00:00:00Z >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "a JSON report from the future bills nothing and leaves the mark: 100 then 150" \
    "2026-10-31T23:00:00Z 100,2026-11-01T00:15:00Z 150," "$(tokens_of "$TMP/out")"
check_eq "JSON reports: exit code, events, bad lines" "0 2 1" "$rc $(summary)"
check_match "and says why" "stdin:2: skipped: its time 9999-12-31T23:59:59Z is after the collection time" \
    "$(cat "$TMP/err")"
finish
