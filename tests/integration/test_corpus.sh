#!/bin/bash
# The corpus of real exporter and scheduler outputs (tests/fixtures/real,
# each with a .source note of where it was published), run through its
# collector: the events of the second scrape must be exactly the
# hand-computed ones, and the round's bad lines and idle capacity exactly
# those listed in corpus.tsv. No service is needed (--stdout).
. "$(dirname "$0")/lib.sh"

C=$ROOT/tests/fixtures/real
n=0
while IFS=$'\t' read -r kind t0 t1 flags rc summary; do
    case "$kind" in '#'* | '') continue ;; esac
    n=$((n + 1))
    name="$(basename "$t0") ($kind${flags:+ $flags})"
    [ "$flags" = - ] && flags=""
    [ "$t1" = - ] && t1=$t0
    read -r -a extra <<<"${flags//@map/$C/corpus.map}"
    st=$TMP/st-$n
    run() { # file at
        GPUMETER_QUIET=0 "$GM" collect "$kind" --file "$C/$1" --at "$2" --state-dir "$st" \
            --stdout --cluster c1 --site s1 "${extra[@]}"
    }
    run "$t0" 2026-11-01T00:00:00Z >"$TMP/t0.out" 2>"$TMP/t0.err"
    run "$t1" 2026-11-01T00:00:30Z >"$TMP/t1.out" 2>"$TMP/t1.err"
    got_rc=$?
    got_summary=$(sed -n 's/.* round at .*: \([0-9]*\) events, \([0-9]*\) bad lines, [0-9]* gaps, [0-9]* resets, \([0-9]*\) idle units (\([0-9]*\) GPU-ms unallocated)/\1 \2 \3 \4/p' "$TMP/t1.err")
    check_eq "$name: events" "$(cat "$C/${t0%.*}.events")" "$(cat "$TMP/t1.out")"
    check_eq "$name: exit code, events, bad lines, idle units and GPU-ms" "$rc $summary" \
        "$got_rc $got_summary"
done <"$C/corpus.tsv"
check_eq "every sample of the corpus was run" 27 "$n"
check_eq "every sample has a note of its source" "" \
    "$(cd "$C" && for f in */*.prom */*.csv */*.txt; do
        case "$f" in *.t1.*) continue ;; esac
        [ -f "$f.source" ] || echo "$f"
    done)"
check_match "an unusable input says why in one line" \
    'unusable input: the header \(its first line\) has no JobID column' \
    "$(GPUMETER_QUIET=1 "$GM" collect sacct --file "$C/sacct/cori-knl-buildtest-noheader.txt" \
        --state-dir "$TMP/unusable" --stdout 2>&1)"
finish
