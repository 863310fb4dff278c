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
check_eq "only the one plan proposal was stored" 1 "$(q "SELECT count(*) FROM proposal WHERE kind = 'plan'")"
q "SELECT document FROM proposal WHERE id = '${id:-0}'" >"$TMP/proposed.json"
# before the approval, current is the 16.80 version: ten hours, 168.00 + 6% tax
proposed_only() { sed -E 's#=[^/;]*/([^/;]*)/[^;]*#=\1#g'; }
check_eq "finance simulates it before approving: current as priced now" \
    "gpu_ms H800=16800;subtotal=16800;tax=1008;total=17808;claimed from voucher programs=0;due from customer=17808" \
    "$(seen finance.simulation | sed -E 's#=([^/;]*)/[^;]*#=\1#g')"
check_eq "and the proposal to the fen, as plan simulate prices its document" \
    "$(simulate_minor alpha "$PERIOD" "$TMP/proposed.json" | proposed_only)" "$(seen finance.simulation | proposed_only)"
check_eq "grouped by model, with the quantity and its unit" "H800 10 GPU-hours" "$(seen finance.quantities)"
# plan simulate --proposal prices the stored proposal's document, to the
# fen as POST /v1/simulate prices it (now that it is in effect too)
check_eq "plan simulate --proposal equals the API's simulation of it, to the fen" \
    "$(curl -s -H "Authorization: Bearer $KF" -H "Content-Type: application/json" --data-binary @"$TMP/proposed.json" \
        "$U/v1/simulate?customer=alpha&period=$PERIOD" |
        jq -r '[.rows[] | "\(.line)=\(.current_minor)/\(.proposed_minor)/\(.difference_minor)"] | join(";")')" \
    "$(simulate_minor alpha "$PERIOD" --proposal "${id:-0}")"
check_match "grouped by model with its quantity and unit" '^gpu_ms H800 +10 GPU-hours +150\.00 +150\.00 +0\.00$' \
    "$("$GM" plan simulate --customer alpha --period "$PERIOD" --proposal "${id:-0}")"
check_match "approves it" "^(Proposal|第) ${id:-x} " "$(seen finance.decision)"
check_eq "the proposal approved" approved "$(seen finance.status)"
check_eq "and in effect, applied by finance's key" "15.00 finance" \
    "$(q "SELECT document->'gpu_hours'->'prices'->0->>'unit_price' || ' ' || split_part(applied_by, ' ', 1)
          FROM document WHERE kind = 'plan' AND code = 'gpu-standard' AND effective_from = '2026-10-01'")"
# contracts (console/static/contracts.js): the form loads the version, an
# invalid field is shown at it in both languages, a whole number typed into
# a new commitment is proposed as a number, the version proposed by
# sales's key is approved by finance's in the console and is in effect,
# its accounts rewritten (schema 073)
check_eq "the contract form loads the current version" alpha "$(seen contract.form.customer)"
check_eq "an invalid tax rate: at its field, in English and Chinese" "Not a valid value here.|此处的值无效。|true true" \
    "$(seen contract.problem.en)|$(seen contract.problem.zh)|$(seen contract.problem.en.marked) $(seen contract.problem.zh.marked)"
cid=$(seen contract.proposal)
check_eq "sales's contract version proposed as the form said, approved by finance" \
    "approved sales finance 2026-11-01 0.06 5000.00 2 number ns-alpha,ns-alpha-lab" \
    "$(q "SELECT status || ' ' || split_part(proposed_by, ' ', 1) || ' ' || split_part(decided_by, ' ', 1) || ' ' ||
                 effective_from || ' ' || (document->>'tax_rate') || ' ' || (document->'commitment'->>'amount') || ' ' ||
                 (document->'commitment'->>'makeup_periods') || ' ' || jsonb_typeof(document->'commitment'->'makeup_periods') || ' ' ||
                 (SELECT string_agg(a->>'account', ',') FROM jsonb_array_elements(document->'accounts') a)
          FROM proposal WHERE id = '${cid:-0}'")"
check_match "the console says it is approved" "^Proposal ${cid:-x} approved: version created" "$(seen contract.decision)"
check_eq "in effect: its accounts from 1 November" "ns-alpha 2026-01-01 2026-10-31|ns-alpha 2026-11-01 -|ns-alpha-lab 2026-11-01 -" \
    "$(q "SELECT string_agg(a.account || ' ' || a.valid_from || ' ' || coalesce(a.valid_until::text, '-'), '|'
                            ORDER BY a.valid_from, a.account)
          FROM account a JOIN customer c ON c.id = a.customer_id WHERE c.code = 'alpha'")"
check_eq "the history marks what changed" '$.effective_from,$.accounts[1].account,$.commitment.amount,$.commitment.makeup_periods' \
    "$(seen contract.history.changed)"
"$GM" plan simulate --customer alpha --period "$PERIOD" --proposal "${cid:-0}" >/dev/null 2>"$TMP/err"
check_eq "a contract proposal is not a plan to simulate: exit 2" "2 1" "$? $(grep -c 'a contract proposal, not a plan' "$TMP/err")"
check_eq "no script error on the page" none "$(seen errors)"
for shot in plans-editor-error-en plans-editor-error-zh plans-proposal-diff-en plans-proposal-diff-zh \
    plans-approval-en plans-approval-zh contracts-form-error-en contracts-form-error-zh contracts-form-en \
    contracts-form-zh contracts-history-en contracts-history-zh; do
    [ -s "$SHOTS/$shot.png" ] && pass "screenshot $shot" || fail "screenshot $shot"
done
kill "$SERVER"
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server reported no sanitizer error" "$TMP/serve.log"
finish
