#!/bin/bash
# The existing collectors on real outputs nobody here wrote (issue 35):
# published trainer logs and exporter scrapes of other versions than the
# first fixtures, each in tests/fixtures/real/<source>/ with a .source note
# of where it was published and what it shows. The events must be exactly
# the hand-computed ones in <file>.events; the exit code, events and bad
# lines exactly those listed here. No service is needed (--stdout).
. "$(dirname "$0")/lib.sh"

R=$ROOT/tests/fixtures/real
n=0
summary() { sed -n 's/.* round at .*: \([0-9]*\) events, \([0-9]*\) bad lines.*/\1 \2/p' "$TMP/err"; }

# collect tokens on one log; its events in $TMP/out, its log in $TMP/err
tokens() { # log expected-"rc events bad" flags...
    local log=$1 want=$2
    shift 2
    n=$((n + 1))
    GPUMETER_QUIET=0 "$GM" collect tokens --file "$R/trainer-logs/$log" --state-dir "$TMP/st-$n" \
        --stdout --cluster c1 --site s1 --account lab-nlp "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    check_eq "$log: exit code, events, bad lines" "$want" "$rc $(summary)"
}
events_are() { # log why
    check_eq "$1: events ($2)" "$(cat "$R/trainer-logs/${1%.log}.events")" "$(cat "$TMP/out")"
}

# torchtitan before late 2024 printed "wps:" (words per second), not "tps:"
tokens torchtitan-wps-pr364.log "0 4 0" --format torchtitan --job tt-8b --utc-offset -07:00 \
    --tokens-per-step 65536
events_are torchtitan-wps-pr364.log "steps 1, 10, 20, 30 x 65536 tokens, times at -07:00"
# torchtitan of 2026: a grad_norm field; and a log where every rank prints each step
tokens torchtitan-grad-norm-pr3393.log "0 8 0" --format torchtitan --job tt --utc-offset +01:00 \
    --tokens-per-step 8192
events_are torchtitan-grad-norm-pr3393.log "steps 14..21 x 8192 tokens"
tokens torchtitan-every-rank-pr2389.log "0 2 0" --format torchtitan --job moe --utc-offset +00:00 \
    --tokens-per-step 8192
events_are torchtitan-every-rank-pr2389.log "step 4's seven copies bill it once, then step 5"

# Megatron-LM core of 2024 (throughput per GPU, MoE loss fields)
tokens megatron-lm-throughput-issue756.log "0 3 0" --format megatron --job mixtral \
    --utc-offset +08:00 --seq-length 4096
events_are megatron-lm-throughput-issue756.log "consumed samples x 4096"
tokens megatron-lm-throughput-issue756.log "1 0 3" --format megatron --job mixtral --utc-offset +08:00
check_match "issue 756 without --seq-length: refused, with why" \
    "unusable input: no sequence length: give --seq-length" "$(cat "$TMP/err")"

# Megatron-DeepSpeed prints the run's own consumed tokens: read as they are
tokens megatron-deepspeed-consumed-tokens-primus-safe.log "0 1 0" --format megatron --job ds \
    --utc-offset +08:00
events_are megatron-deepspeed-consumed-tokens-primus-safe.log \
    "its consumed tokens 153354240, no --seq-length needed"
tokens megatron-deepspeed-curriculum.log "0 3 0" --format megatron --job ds --utc-offset +08:00
events_are megatron-deepspeed-curriculum.log \
    "consumed tokens under a seqlen curriculum, never samples x seq_length 4096"

# A Megatron-LM fork under srun -l ("3:" before the timestamp) that rounds its
# consumed tokens ("1.258B"): the samples x --seq-length are the count
tokens megatron-swissai-srun-rounded-tokens.log "0 1 0" --format megatron --job apertus \
    --utc-offset +02:00 --seq-length 4096
events_are megatron-swissai-srun-rounded-tokens.log "consumed samples 307200 x 4096, not 1.258B"
tokens megatron-swissai-srun-rounded-tokens.log "1 0 1" --format megatron --job apertus \
    --utc-offset +02:00
check_match "without --seq-length: refused, with why" \
    "unusable input: no sequence length: give --seq-length" "$(cat "$TMP/err")"

# AscendSpeed's README log (Ascend NPUs): consumed tokens but no timestamp; an
# unusable input counts each of its lines bad
tokens ascendspeed-llama-readme-no-timestamp.log "1 0 3" --format megatron --job llama-65b \
    --utc-offset +08:00
check_match "AscendSpeed: the line without a timestamp is bad, with why" \
    'no-timestamp.log:1: skipped: no timestamp before the iteration' "$(cat "$TMP/err")"
check_match "and the log is unusable, with why" \
    "unusable input: none of its 1 step lines has a timestamp" "$(cat "$TMP/err")"

check_eq "every real trainer log has a note of its source" "" \
    "$(cd "$R/trainer-logs" && for f in *.log; do [ -f "$f.source" ] || echo "$f"; done)"

# An exporter scrape collected at 00:00:00 and 30 s later from its .t1
# file; the second round's events must be <file>.events, and its exit
# code, events and bad lines the expected ones.
scrape() { # kind file expected-"rc events bad" flags...
    local kind=$1 file=$2 want=$3 t1=$R/${2%.*}.t1.${2##*.}
    shift 3
    [ -f "$t1" ] || t1=$R/$file
    n=$((n + 1))
    GPUMETER_QUIET=0 "$GM" collect "$kind" --file "$R/$file" --at 2026-11-01T00:00:00Z \
        --state-dir "$TMP/st-$n" --stdout --cluster c1 --site s1 "$@" >/dev/null 2>&1
    GPUMETER_QUIET=0 "$GM" collect "$kind" --file "$t1" --at 2026-11-01T00:00:30Z \
        --state-dir "$TMP/st-$n" --stdout --cluster c1 --site s1 "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    check_eq "$file: exit code, events, bad lines" "$want" "$rc $(summary)"
    check_eq "$file: events" "$(cat "$R/${file%.*}.events")" "$(cat "$TMP/out")"
}

# npu-exporter 6.x/7.x: container_npu_*, machine_card_nums and vnpu_pod_*
scrape npu npu/ascend910b-npu-exporter-v6-format.prom "0 2 1" --node npu-node-3
check_match "a vNPU's pod is a bad line that says why" \
    'v6-format.t1.prom:34: skipped: vNPU 100 of NPU 1: AI-core shares are not metered yet' \
    "$(cat "$TMP/err")"

# dcgm-exporter of 2024 with a DCGM_FI_DRIVER_VERSION label: one idle GPU
scrape dcgm dcgm/a5000-driver-version-label-issue363.prom "0 1 0"

# nvidia-smi csv,nounits of a 16-GPU V100 node: the units stay in the header only
scrape nvidia-smi nvidia-smi/v100x16-nounits-slurm-monitor.csv "0 17 0" --node n1 --account team-smi
check_eq "V100 x 16: each GPU's energy is its power.draw x 30 s" \
    "$(tail -n +2 "$R/nvidia-smi/v100x16-nounits-slurm-monitor.csv" |
        awk -F', ' '{ printf "%d\n", $3 * 30000 + 0.5 }' | sort -n)" \
    "$(grep -o '"energy_mj":[0-9]*' "$TMP/out" | cut -d: -f2 | sort -n)"

# sacct on a Hygon DCU cluster (SCNet): the DCU is GRES "dcu"; one run (a
# finished job is emitted once)
sacct_run() { # file flags...
    local file=$1
    shift
    n=$((n + 1))
    GPUMETER_QUIET=0 "$GM" collect sacct --file "$R/sacct/$file" --at 2026-11-01T00:00:30Z \
        --state-dir "$TMP/st-$n" --stdout --cluster c1 --site s1 "$@" >"$TMP/out" 2>"$TMP/err"
}
sacct_run scnet-dcu-parsable2.txt --model K100 --utc-offset +08:00
check_eq "SCNet gres/dcu job: exit code, events, bad lines" "0 1 0" "$? $(summary)"
check_eq "SCNet gres/dcu job: 1 DCU x 20069 s, vendor hygon" \
    "$(cat "$R/sacct/scnet-dcu-parsable2.events")" "$(cat "$TMP/out")"
sacct_run scnet-dcu-fixed-width.txt --utc-offset +08:00
check_eq "sacct's fixed-width table: exit code, events" "1 0" "$? $(summary | cut -d' ' -f1)"
check_match "and says why" \
    "unusable input: its first line has no '|': this is sacct's fixed-width table" "$(cat "$TMP/err")"
finish
