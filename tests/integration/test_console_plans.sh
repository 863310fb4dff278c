#!/bin/bash
# The console's plans page (issue 39) as sales and finance use it, in
# headless Chromium (tests/tools/console_plans.mjs): sales enters an invalid
# price and sees the API's problem at that field, in English and in
# Chinese; proposes a version; a write from the page without the session's
# CSRF token is refused; finance simulates the pending proposal on a
# customer's month (to the fen as `plan simulate` prices the same
# document) and approves it, and it takes effect. One rated hour of usage
# is enough. Screenshots of the editor, the diff and the approval page in
# both languages go to build/console/.
. "$(dirname "$0")/lib.sh"

PERIOD=2026-10
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
fresh || { fail "set up database and topic"; finish; }
printf 'x\t{"v":1,"source":"x","seq":1,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-10-10T02:00:00Z","end":"2026-10-10T12:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle >/dev/null 2>&1
check_eq "alpha's ten GPU hours are rated" 36000000 \
    "$(q "SELECT coalesce(sum(quantity), 0) FROM usage_hourly WHERE account = 'ns-alpha' AND meter = 'gpu_ms'")"
KS=$("$GM" customer key create --sales --label sam 2>/dev/null)
KF=$("$GM" customer key create --finance --label fay 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || { fail "the server starts"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT

(cd "$TMP" && node "$ROOT/tests/tools/console_plans.mjs" "$U/" "$SHOTS" "$KS" "$KF" alpha "$PERIOD") \
    >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove the plans page" 0 "$?"
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20

check_eq "a plan's token rows shown, and no stray \"null\" under them" "true 0" "$(seen sales.tokens.nulls)"
check_eq "an invalid price: the problem at its field, in English" "Must not be negative." "$(seen sales.problem.en)"
check_eq "and in Chinese" "不能为负数。" "$(seen sales.problem.zh)"
check_eq "the field itself marked" "true true" "$(seen sales.problem.en.marked) $(seen sales.problem.zh.marked)"
check_eq "nothing proposed then" "Correct the marked fields: nothing was proposed." "$(seen sales.result.en)"
id=$(seen sales.proposal)
check_eq "the corrected version is proposed (by the sales key; approved since)" "approved sales" \
    "$(q "SELECT status || ' ' || split_part(proposed_by, ' ', 1) FROM proposal WHERE id = '${id:-0}'")"
check_eq "as the form said: the price, the date, the name" "15.00 2026-10-01 GPU-hour standard, October 2026" \
    "$(q "SELECT document->'gpu_hours'->'prices'->0->>'unit_price' || ' ' || effective_from || ' ' || (document->>'name')
          FROM proposal WHERE id = '${id:-0}'")"
check_eq "and no problem left shown" 0 "$(seen sales.problems.after)"
check_eq "a write from the page without the CSRF token is refused" 403 "$(seen csrf.status)"
check_eq "the diff marks what changed" '$.name,$.gpu_hours.prices[0].unit_price,$.effective_from' \
    "$(seen sales.diff.changed)"
check_eq "sales has no approve button" 0 "$(seen sales.approve.buttons)"
check_eq "only the one proposal was stored" 1 "$(q "SELECT count(*) FROM proposal")"
q "SELECT document FROM proposal WHERE id = '${id:-0}'" >"$TMP/proposed.json"
# before the approval, current is the 16.80 version: ten hours, 168.00 + 6% tax
proposed_only() { sed -E 's#=[^/;]*/([^/;]*)/[^;]*#=\1#g'; }
check_eq "finance simulates it before approving: current as priced now" \
    "gpu_ms H800=16800;subtotal=16800;tax=1008;total=17808;claimed from voucher programs=0;due from customer=17808" \
    "$(seen finance.simulation | sed -E 's#=([^/;]*)/[^;]*#=\1#g')"
check_eq "and the proposal to the fen, as plan simulate prices its document" \
    "$(simulate_minor alpha "$PERIOD" "$TMP/proposed.json" | proposed_only)" "$(seen finance.simulation | proposed_only)"
check_eq "grouped by model, with the quantity and its unit" "H800 10 GPU-hours" "$(seen finance.quantities)"
check_match "approves it" "^(Proposal|第) ${id:-x} " "$(seen finance.decision)"
check_eq "the proposal approved" approved "$(seen finance.status)"
check_eq "and in effect, applied by finance's key" "15.00 finance" \
    "$(q "SELECT document->'gpu_hours'->'prices'->0->>'unit_price' || ' ' || split_part(applied_by, ' ', 1)
          FROM document WHERE kind = 'plan' AND code = 'gpu-standard' AND effective_from = '2026-10-01'")"
check_eq "no script error on the page" none "$(seen errors)"
for shot in editor-error-en editor-error-zh proposal-diff-en proposal-diff-zh approval-en approval-zh; do
    [ -s "$SHOTS/plans-$shot.png" ] && pass "screenshot plans-$shot" || fail "screenshot plans-$shot"
done
kill "$SERVER"
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server reported no sanitizer error" "$TMP/serve.log"
finish
