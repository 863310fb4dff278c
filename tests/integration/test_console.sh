#!/bin/bash
# The web console as people use it: headless Chromium (Debian's, driven by
# tests/tools/console_drive.mjs) signs in with a customer, a finance and a
# sales key on the demo month (the demo's generator, seed and steps), opens
# every view, and what it shows must equal `gpumeter statement`, `invoice
# show`, `report vouchers` and `plan simulate` to the fen. A customer never
# sees another; a revoked key's session ends; sign-out ends it on the
# server. curl checks the session cookie, the files' headers and many
# sessions at once. Screenshots of every view go to build/console/.
. "$(dirname "$0")/lib.sh"

PERIOD=2026-10
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6TEST
CONF
# The demo month: the generator's October on the seed customers, delta's
# parked usage signed to beta, and a compute voucher of beta's.
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null
cat >"$TMP/voucher.json" <<'JSON'
{"voucher": "shv-0001", "program": "sh-ai-2026", "customer": "beta", "currency": "CNY",
 "face_value": "5000.00", "coverage": "0.10", "valid_from": "2026-10-01",
 "valid_until": "2026-12-31", "priority": 100}
JSON
"$GM" voucher issue "$TMP/voucher.json" >/dev/null
check_eq "beta's voucher is issued" 0 "$?"
"$GM" collect synthetic --month "$PERIOD" --seed 2026 --totals "$TMP/totals.csv" \
    --capacity --capacity-totals "$TMP/capacity.csv" >/dev/null 2>&1
# and one event of an account no customer owns: parked, not billed
printf 'x\t{"v":1,"source":"x","seq":1,"account":"ns-nobody","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":3600000,"start":"2026-10-10T02:00:00Z","end":"2026-10-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
# and a trainer's report under a job named with markup (collectors pass it)
printf 't\t{"v":1,"source":"t","seq":1,"account":"slurm-gamma","cluster":"c","site":"s","job":"<img src=x onerror=\\"document.title=2\\">","tokens":1000000,"model_params":7000000000,"start":"2026-10-10T02:00:00Z","end":"2026-10-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
# and two health windows of a device its exporter named with markup (the
# fleet's health page must show it as text): up an hour, then down (XID 79)
for w in '1 02 03 up []' '2 03 04 down ["xid:79"]'; do
    set -- $w
    printf 'dcgm/h/n-h\t{"v":1,"kind":"health","source":"dcgm/h/n-h","seq":%s,"cluster":"h","site":"sh-lingang","node":"n-h","device":"<b>GPU-h</b>","model":"NVIDIA H800","vendor":"nvidia","start":"2026-10-10T%s:00:00Z","end":"2026-10-10T%s:00:00Z","state":"%s","reasons":%s}\n' "$@"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
# and twelve training jobs of gamma's with long names, one a day on the
# 17th to the 28th (issue 39: more jobs than a legend holds in two lines)
for i in $(seq 12); do
    printf 't\t{"v":1,"source":"t","seq":%d,"account":"slurm-gamma","cluster":"c","site":"s","job":"ns-garden-llm-pretrain-run-%02d","tokens":%d000000,"model_params":7000000000,"start":"2026-10-%02dT02:00:00Z","end":"2026-10-%02dT03:00:00Z"}\n' \
        $((i + 1)) "$i" "$i" $((i + 16)) $((i + 16))
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle >/dev/null 2>&1
"$GM" contract apply "$ROOT/scripts/seed/contract-beta-with-delta.json" >/dev/null 2>&1
"$GM" rate --until-idle >/dev/null 2>&1
"$GM" invoice run --period "$PERIOD" >/dev/null 2>&1
"$GM" invoice issue --period "$PERIOD" >/dev/null 2>&1
alpha=$(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
           WHERE c.code = 'alpha' AND i.status = 'issued'")
"$GM" invoice void "$alpha" --reason "合同提前终止" --code 03 >/dev/null 2>&1
# gamma's fapiao recorded, then corrected by an actor and for a reason that
# are markup: the finance page's audit trail must show them as text.
gamma_inv=$(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.code = 'gamma'")
"$GM" invoice fapiao "$gamma_inv" --number 26310000000000000007 --date "$(issued_on "$gamma_inv")" >/dev/null 2>&1
"$GM" invoice fapiao "$gamma_inv" --number 26310000000000000008 --date "$(issued_on "$gamma_inv")" --correct \
    --reason '<script>document.title=4</script>' --actor '<img src=x onerror="document.title=3">' >/dev/null 2>&1
check_eq "gamma's fapiao is recorded and corrected" 26310000000000000008 \
    "$(q "SELECT fapiao_number FROM invoice WHERE number = '$gamma_inv'")"
# and a partial credit of 100.00 before tax against it: tax 6% = 6.00, so
# 106.00 credited and gamma's total less 106.00 remaining.
gamma_total=$(q "SELECT total FROM invoice WHERE number = '$gamma_inv'")
"$GM" invoice credit "$gamma_inv" --amount 100 --reason 04 --note "SLA credit" --actor fin-ann >/dev/null 2>&1
gamma_cn=$(q "SELECT number FROM invoice WHERE kind = 'credit_note' AND credits =
              (SELECT id FROM invoice WHERE number = '$gamma_inv')")
check_eq "gamma's partial credit note: -100.00 - 6.00 = -106.00" "-10000 -600 -10600" \
    "$(q "SELECT subtotal || ' ' || tax || ' ' || total FROM invoice WHERE number = '$gamma_cn'")"
# minor units as en-US prints CNY: 2025298 is CN¥20,252.98, -10600 -CN¥106.00
cny() { local m=${1#-} sign=""; [ "$m" = "$1" ] || sign=-; m=$(printf '%03d' "$m")
        echo "${sign}CN¥$(sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta' <<<"${m%??}").${m: -2}"; }
# A second version of a plan, for next year: sales sees both side by side.
sed 's/"16.80"/"15.80"/; s/"2026-01-01"/"2027-01-01"/; s/standard 2026/standard 2027/' \
    "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/plan-2027.json"
"$GM" plan apply "$TMP/plan-2027.json" >/dev/null 2>&1
check_eq "the month is issued, alpha's voided with a credit note, gamma's credited in part" "5 2" \
    "$(q "SELECT count(*) || ' ' || count(*) FILTER (WHERE kind = 'credit_note') FROM invoice
          WHERE period = '$PERIOD-01' AND status <> 'draft'")"

# A name that is markup: the console must show it as text, never run it.
"$GM" customer add evil --name '<img src=x onerror="document.title=1">&amp;<b>' >/dev/null
KC=$("$GM" customer key create gamma 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
KS=$("$GM" customer key create --sales --label "sales team" 2>/dev/null)
check_match "a sales key is created" '^gmk_[0-9a-f]{12}_[0-9a-f]{64}$' "$KS"
check_match "and listed as such" "$(cut -d_ -f2 <<<"$KS")  \(sales\) " "$("$GM" customer key list)"
"$GM" customer key create --sales gamma >/dev/null 2>&1
check_eq "a sales key of a customer is a usage error" 2 "$?"

start_server "$TMP/serve.log" --threads 4 || { fail "the server starts"; finish; }
SERVER2=
trap 'kill $SERVER $SERVER2 2>/dev/null; cleanup' EXIT

# ---- the files and the session, as curl sees them ----
head=$(curl -s -D - -o "$TMP/index.html" "$U/")
check_match "/ is the console page" '^HTTP/1.1 200' "$head"
check_match "as HTML" 'Content-Type: text/html; charset=utf-8' "$head"
check_match "scripts only from the server itself" "Content-Security-Policy: default-src 'self'; script-src 'self';" "$head"
check_match "never framed" "frame-ancestors 'none'" "$head"
check_eq "the page names its scripts (ECharts and every file of console/static)" \
    $(($(ls "$ROOT"/console/static/*.js | wc -l) + 1)) "$(grep -c '<script src="/console/' "$TMP/index.html")"
etag=$(curl -s -D - -o "$TMP/echarts.js" "$U/console/echarts.min.js" | tr -d '\r' | sed -n 's/^ETag: //p')
check_eq "ECharts is served as embedded, byte for byte" \
    "$(sha256sum <"$ROOT/console/node_modules/echarts/dist/echarts.min.js")" "$(sha256sum <"$TMP/echarts.js")"
check_eq "and not sent again when unchanged" 304 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/console/echarts.min.js")"
check_eq "an unknown file is 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$U/console/../../etc/passwd")"
check_eq "the console's files take no POST" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/")"
signin=$(curl -s -D - -X POST -H "Authorization: Bearer $KC" "$U/v1/session")
check_match "signing in answers who the key is" '"role":"customer","customer":"gamma"' "$signin"
check_match "with an HttpOnly SameSite=Strict cookie" \
    'Set-Cookie: gm_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200' "$signin"
check_eq "not Secure on plain HTTP" 0 "$(grep -c 'Secure' <<<"$signin")"
check_match "Secure behind a TLS proxy" 'HttpOnly; SameSite=Strict; Max-Age=43200; Secure' \
    "$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KC" -H 'X-Forwarded-Proto: https' "$U/v1/session")"
bad=$(curl -s -D - -X POST -H "Authorization: Bearer gmk_000000000000_00" "$U/v1/session")
check_match "a wrong key gets no session" '^HTTP/1.1 401' "$bad"
check_eq "and no cookie" 0 "$(grep -c 'Set-Cookie' <<<"$bad")"
check_eq "the key goes in the header, not a body" 413 \
    "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KC" --data "key=$KC" "$U/v1/session")"
check_eq "signing in takes no GET" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KC" "$U/v1/session")"
cookie=$(sed -n 's/.*gm_session=\([0-9a-f]*\);.*/\1/p' <<<"$signin")
check_eq "the cookie reads the customer's statement" \
    "$(curl -s -H "Authorization: Bearer $KC" "$U/v1/statement?period=$PERIOD")" \
    "$(curl -s -b "gm_session=$cookie" "$U/v1/statement?period=$PERIOD")"
# the last digit changed (to 0, or to 1 where it was 0: the same cookie
# again would be no forgery, one time in sixteen)
forged=${cookie%?}$([ "${cookie: -1}" = 0 ] && echo 1 || echo 0)
check_eq "a forged cookie is 401" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' -b "gm_session=$forged" "$U/v1/me")"
check_match "and is cleared" 'gm_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0' \
    "$(curl -s -D - -o /dev/null -b "gm_session=$(printf 'f%.0s' $(seq 64))" "$U/v1/me")"
check_eq "stale cookies do not count as failed sign-ins" 200 \
    "$(for _ in $(seq 40); do curl -s -o /dev/null -b gm_session=00 "$U/v1/me"; done
       curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KF" "$U/v1/me")"
# CSRF (docs/console.md#writes): a write through the session cookie alone,
# as another site's form or fetch would send it, is refused and changes
# nothing; with the session's token (from sign-in or /v1/me) it passes.
csrf=$(curl -s -b "gm_session=$cookie" "$U/v1/me" | jq -r .csrf)
check_eq "sign-in and /v1/me give the same CSRF token" "$(sed -n '/^{/p' <<<"$signin" | jq -r .csrf)" "$csrf"
check_match "a bearer key's /v1/me has none" '^null$' "$(curl -s -H "Authorization: Bearer $KC" "$U/v1/me" | jq .csrf)"
check_eq "a cross-site form POST with the cookie alone is refused" "403 csrf_failed" \
    "$(curl -s -o "$TMP/csrf.out" -w '%{http_code}' -X DELETE -b "gm_session=$cookie" \
        -H 'Origin: https://evil.example' "$U/v1/session"; printf ' %s' "$(jq -r .error.code "$TMP/csrf.out")")"
check_eq "and one without an Origin too" "403 csrf_failed" \
    "$(curl -s -o "$TMP/csrf.out" -w '%{http_code}' -X DELETE -b "gm_session=$cookie" "$U/v1/session"; printf ' %s' "$(jq -r .error.code "$TMP/csrf.out")")"
check_eq "a wrong token is refused" 403 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE \
    -b "gm_session=$cookie" -H "X-CSRF-Token: ${csrf%?}$([ "${csrf: -1}" = 0 ] && echo 1 || echo 0)" "$U/v1/session")"
check_eq "the right token from a foreign origin is refused" 403 "$(curl -s -o /dev/null -w '%{http_code}' \
    -X DELETE -b "gm_session=$cookie" -H "X-CSRF-Token: $csrf" -H 'Origin: http://evil.example' "$U/v1/session")"
check_eq "and changed nothing: the session lives" 200 "$(curl -s -o /dev/null -w '%{http_code}' -b "gm_session=$cookie" "$U/v1/me")"
check_eq "a bearer key's write needs no token" 200 "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $KF" --data-binary @"$ROOT/scripts/seed/plan-gpu-standard.json" \
    "$U/v1/simulate?customer=beta&period=$PERIOD")"
check_eq "DELETE with the token and the console's origin signs out" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -b "gm_session=$cookie" -H "X-CSRF-Token: $csrf" \
        -H "Origin: ${U%/}" "$U/v1/session")"
check_eq "DELETE signs out" 401 "$(curl -s -o /dev/null -w '%{http_code}' -b "gm_session=$cookie" "$U/v1/me")"

# Many sessions at once: 16 sign in together and read their statements,
# which must equal the serial answers.
for k in "$KC" "$KF"; do
    curl -s -H "Authorization: Bearer $k" "$U/v1/statement?period=$PERIOD&customer=gamma" >"$TMP/serial.$(cut -c5-8 <<<"$k")"
done
pids=""
for i in $(seq 16); do
    k=$([ $((i % 2)) = 0 ] && echo "$KC" || echo "$KF")
    (c=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $k" "$U/v1/session" |
        sed -n 's/.*gm_session=\([0-9a-f]*\);.*/\1/p')
     for _ in 1 2 3; do curl -s -b "gm_session=$c" "$U/v1/statement?period=$PERIOD&customer=gamma"; echo; done \
        >"$TMP/par.$i.$(cut -c5-8 <<<"$k")") &
    pids="$pids $!"
done
wait $pids
same=0
for f in "$TMP"/par.*; do
    s=$TMP/serial.${f##*.}
    [ "$(grep -v '^$' "$f" | sort -u)" = "$(cat "$s")" ] && same=$((same + 1))
done
check_eq "16 sessions at once answer as one alone" 16 "$same"

# wrk: the console's files under 16 connections, every answer a 200.
w=$(wrk -t2 -c16 -d2s "$U/console/app.js" 2>&1)
check_match "wrk fetched the console's script many times" '[0-9]+ requests in' "$w"
check_eq "every one answered 200" 0 "$(grep -c 'Non-2xx' <<<"$w")"

# Sales keys: plans, customers and simulations; nothing of a customer's.
sget() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KS" "$U$1"; }
check_eq "sales reads the plans" 200 "$(sget /v1/plans)"
check_eq "and the customer list" 200 "$(sget /v1/customers)"
check_eq "not a statement" 403 "$(sget "/v1/statement?customer=beta&period=$PERIOD")"
check_eq "not usage" 403 "$(sget "/v1/usage?customer=beta&from=$PERIOD-01&to=$PERIOD-02")"
check_eq "not an invoice (the role matrix refuses it: docs/api.md#roles)" 403 "$(sget "/v1/invoices/$alpha")"
check_eq "not FOCUS" 403 "$(sget "/v1/focus?period=$PERIOD")"
check_eq "not the month's invoices" 403 "$(sget "/v1/finance/month?period=$PERIOD")"
check_eq "not the operator's reports" 403 "$(sget "/v1/operator/yield?period=$PERIOD")"
check_eq "a customer key reads no plans" 403 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KC" "$U/v1/plans")"

# Hostile plan documents: each rejected whole with its reason, the server
# unharmed.
post_plan() { # file -> "status code"
    curl -s -o "$TMP/plan.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $KS" \
        --data-binary @"$1" "$U/v1/simulate?customer=beta&period=$PERIOD"
    printf ' %s' "$(jq -r .error.code "$TMP/plan.out" 2>/dev/null)"
}
printf '{"plan": "gpu-\xff\xfe"}' >"$TMP/h.utf8"
printf '{"plan": "gpu\0standard"}' >"$TMP/h.nul"
printf '{"plan": "x"} {"plan": "y"}' >"$TMP/h.trailing"
python3 -c 'print("[" * 100000 + "]" * 100000)' >"$TMP/h.deep"
sed 's/"16.80"/1e400/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/h.huge"
sed 's/"16.80"/"1'"$(printf '0%.0s' $(seq 400))"'"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/h.big"
sed 's/"GPU-hour standard 2026"/"GPU\\u202e2026"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/h.bidi"
for h in utf8 nul trailing deep huge big bidi; do
    check_eq "a plan with $h is rejected whole" "422 invalid_document" "$(post_plan "$TMP/h.$h")"
done
check_match "at its JSON path" 'rejected: \$.gpu_hours.prices\[0\].unit_price: ' "$(post_plan "$TMP/h.big"; cat "$TMP/plan.out")"
check_match "a name that would reorder what people read is refused" \
    '"plan document rejected: \$.name: contains a bidirectional formatting character"' "$(post_plan "$TMP/h.bidi"; cat "$TMP/plan.out")"
check_eq "an empty body is a bad request" "400 bad_request" "$(post_plan /dev/null)"
check_eq "and the server is unharmed" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$U/healthz")"

# A notification no webhook delivered (docs/notifications.md): dead after
# 10 attempts, its last answer 503, as `gpumeter notify` leaves one.
as gpumeter_billing "SELECT notify_emit('invoice.overdue', NULL, 'console-dead', '{}')" >/dev/null
dead_event=$(q "SELECT event_id FROM outbox WHERE subject = 'console-dead'")
as gpumeter_billing "INSERT INTO notify_delivery (outbox_id, endpoint, attempts, last_status, last_error, dead_at)
                     SELECT id, 'default', 10, 503, 'HTTP status 503', now() FROM outbox
                     WHERE subject = 'console-dead'" >/dev/null

# A bank credit from a payer nobody knows (docs/payments.md): unapplied,
# its payer a spreadsheet formula and markup, which the console shows as
# text on finance's card of payments to assign.
cat >"$TMP/unknown.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>CONSOLE-1</MsgId><CreDtTm>2026-11-02T09:00:00+08:00</CreDtTm></GrpHdr>
<Stmt><Id>CONSOLE-STMT-1</Id><CreDtTm>2026-11-02T09:00:00+08:00</CreDtTm>
<Acct><Id><Othr><Id>1001234509876543210</Id></Othr></Id><Ccy>CNY</Ccy></Acct>
<Ntry><NtryRef>1</NtryRef><Amt Ccy="CNY">123.45</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-02</Dt></BookgDt><AcctSvcrRef>CONSOLE-UNKNOWN-1</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>=HYPERLINK("http://x.example")&lt;b&gt;x&lt;/b&gt;</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>no reference</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>
XML
"$GM" payment import "$TMP/unknown.xml" >/dev/null 2>&1
check_eq "a credit from an unknown payer is imported, unapplied" "unapplied" \
    "$(q "SELECT status FROM bank_credit WHERE bank_ref = 'CONSOLE-UNKNOWN-1'")"

# ---- the browser ----
sed 's/"16.80"/"15.00"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/proposed.json"
(cd "$TMP" && node "$ROOT/tests/tools/console_drive.mjs" "$U/" "$PERIOD" "$SHOTS" "$GM" "$KC" beta \
    "$KF" "$KS" "$TMP/proposed.json") >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove every view" 0 "$?"
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20

st=$("$GM" statement --customer gamma --period "$PERIOD" --format json)
for f in subtotal tax total due; do
    check_eq "the customer sees its $f as gpumeter statement" "$(jq -r ".${f}_minor" <<<"$st")" "$(seen "customer.$f")"
done
check_eq "the total reads as the statement's, to the fen" "CN¥$(jq -r .total <<<"$st" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta')" \
    "$(seen customer.total.text)"
check_eq "every line of the statement is shown" "$(jq '.lines | length' <<<"$st")" "$(seen customer.lines)"
check_eq "named for people" "$(jq -r '.lines[0].description_en' <<<"$st")" "$(seen customer.line1)"
check_eq "the deposit held and prepaid balance under the statement, as gpumeter statement" \
    "$(jq -r '"\(.deposit_held_minor) \(.prepaid_balance_minor)"' <<<"$st")" \
    "$(seen customer.deposit_held) $(seen customer.prepaid_balance)"
check_eq "and the credit limit: gamma has none" "Credit limit: no credit limit" "$(seen customer.credit)"
check_eq "its quantity in the price unit with every decimal the statement gives" \
    "$(jq -r '.lines[0].price_unit_quantity' <<<"$st" | sed -E ':a;s/^([0-9]+)([0-9]{3})/\1,\2/;ta') million tokens" \
    "$(seen customer.line1.quantity)"
check_eq "the issued month is marked as its issued invoice" \
    "As issued on invoice $(jq -r .number <<<"$st")" "$(seen customer.source)"
check_eq "its invoice and credit note as invoice show" \
    "$gamma_inv=$("$GM" invoice show "$gamma_inv" --format json | jq .total_minor),$gamma_cn=-10600" \
    "$(seen customer.invoices)"
check_eq "the statement of the issued month: what the credit note took" "-10600" "$(seen customer.credited)"
check_eq "with the credit note's number" "Credited by credit notes ($gamma_cn) $(cny -10600)" \
    "$(seen customer.credited.row)"
check_eq "and what remains, to the fen" "$((gamma_total - 10600))" "$(seen customer.remaining)"
check_eq "as money" "Balance after credit notes $(cny $((gamma_total - 10600)))" "$(seen customer.remaining.row)"
check_eq "as gpumeter statement says it" "$((gamma_total - 10600))" "$(jq .remaining_minor <<<"$st")"
check_eq "the invoices list: credited and remaining beside the total (a credit note has none)" \
    "$gamma_inv=$(cny -10600)/$(cny $((gamma_total - 10600))),$gamma_cn=/" "$(seen customer.invoices.credited)"
# the plan's ¥3.00 per million tokens, stored as 3.000000: printed as the PDF does
check_eq "a unit price to the plan's precision, as the PDF" "CN¥3.00 / million tokens" "$(seen customer.line1.price)"
check_eq "(the API keeps six decimals for programs)" "3.000000" "$(jq -r '.lines[0].unit_price' <<<"$st")"
check_eq "three usage charts drawn" 3 "$(seen customer.charts)"
check_eq "the job named with markup is rated" 1 \
    "$(q "SELECT count(*) FROM usage_hourly WHERE job = '<img src=x onerror=\"document.title=2\">'")"
check_eq "and its chart's tooltip shows the name as text, never runs it" "true 0 gpumeter" "$(seen customer.tooltip)"
check_eq "its PDF through the session" "200 application/pdf true" "$(seen customer.pdf)"
check_eq "the CSV download has the API's columns, GPU-hours, million tokens and kWh among them" \
    "time,job,model,meter,quantity,unit,gpu_hours,million_tokens,kwh,gpu_mem_gib_hours" "$(seen customer.csv.head)"
gpu_row=$(seen customer.csv.gpu)
check_eq "a GPU row's GPU-hours are its GPU-ms / 3,600,000 to six decimals (PostgreSQL's numeric, half away from zero)" \
    "$(q "SELECT round($(cut -d, -f5 <<<"$gpu_row") / 3600000.0, 6)")" "$(cut -d, -f7 <<<"$gpu_row")"
# By hand: gamma's October (the generator's totals.csv, slurm-gamma and
# ns-gamma-ft gpu_ms summed over the mixed cluster's models) is
# 9,604,694,000 GPU-ms = 2667.9705555... GPU-hours -> 2667.970556.
check_match "the customer's page gives the month's usage in GPU-hours, exactly" \
    '(^|,)gpu_ms=2667\.970556(,|$)' "$(seen customer.usage)"
check_eq "then million tokens and kWh, as the API's exact decimals" \
    "$(curl -s -H "Authorization: Bearer $KF" "$U/v1/usage?customer=gamma&from=$PERIOD-01&to=$PERIOD-31&group_by=month" |
       jq -r '[.rows[] | "\(.meter)=\(.gpu_hours // .million_tokens // .kwh)"] | sort_by(sub("^gpu"; "0") | sub("^tok"; "1")) | join(",")')" \
    "$(seen customer.usage)"
check_match "written for people, with their units" \
    '^2,667\.970556 GPU-hours\|[0-9,]+\.[0-9]{6} million tokens\|[0-9,]+\.[0-9]{6} kWh$' "$(seen customer.usage.text)"
check_eq "and every token of the month" \
    "$(q "SELECT sum(quantity) FROM usage_hourly WHERE meter = 'tokens' AND account IN
          (SELECT a.account FROM account a JOIN customer c ON c.id = a.customer_id WHERE c.code = 'gamma')")" \
    "$(seen customer.csv.tokens)"
check_eq "another customer's statement is refused" 403 "$(seen customer.other.statement)"
check_eq "its usage too" 403 "$(seen customer.other.usage)"
check_eq "its invoices too" 403 "$(seen customer.other.invoices)"
check_eq "and finance's month" 403 "$(seen customer.finance)"
check_eq "asking for another customer in the address shows one's own" "Customer · gamma" \
    "$(seen customer.other.heading)"
check_eq "a customer's views are its own: its month, its downloads and its keys (issue 39)" \
    customer,documents,keys "$(seen customer.nav)"
check_eq "its invoices' due days and payment states, as the API says" \
    "$(q "SELECT string_agg(i.number || '=' || coalesce(s.due_on::text, 'none') || '/' ||
                            CASE WHEN s.state IS NULL THEN '' WHEN s.state = 'open' THEN 'open'
                                 ELSE s.state END, ',' ORDER BY i.number DESC)
          FROM invoice i JOIN customer c ON c.id = i.customer_id
          LEFT JOIN invoice_state_at(now()) s ON s.invoice_id = i.id
          WHERE c.code = 'gamma' AND i.status <> 'draft'")" \
    "$(seen customer.invoices.due)"
check_eq "the browser holds an HttpOnly SameSite=Strict cookie" \
    "gm_session httpOnly=true sameSite=Strict secure=false" "$(seen cookie)"
check_eq "that scripts cannot read" '""' "$(seen cookie.script)"
check_eq "and never the key" false "$(seen key.stored)"
check_eq "in Chinese, the same total" "$(seen customer.total.text | sed 's/CN¥/¥/')" "$(seen customer.zh.total)"
check_match "with Chinese headings" '项目.*数量.*单价.*金额' "$(seen customer.zh.heading)"
check_eq "in Chinese, what was credited" "已冲减 ($gamma_cn) -¥106.00" "$(seen customer.zh.credited)"
check_eq "a revoked key's session ends at once" 401 "$(seen revoked.me)"
check_eq "and stays ended" 401 "$(seen revoked.again)"
check_eq "the console asks to sign in again" sign-in "$(seen revoked.view)"
check_eq "its cookie, presented again, is refused" 401 "$(seen revoked.cookie)"
check_eq "on a phone's width nothing overflows sideways" 0 "$(seen phone.overflow)"
check_eq "beta's voucher: what is left of its face value" \
    "shv-0001 $(q "SELECT 500000 - sum(signed_amount) FROM voucher_redemption_signed WHERE voucher = 'shv-0001'")" \
    "$(seen phone.voucher)"

want=$(q "SELECT string_agg(number || '=' || total, ',' ORDER BY c.code, i.id) FROM invoice i
          JOIN customer c ON c.id = i.customer_id WHERE i.period = '$PERIOD-01'")
shown=$(seen finance.invoices)
check_eq "finance sees every invoice of the month" "$want" "$shown"
ok=0
for pair in ${shown//,/ }; do
    [ "$("$GM" invoice show "${pair%=*}" --format json | jq .total_minor)" = "${pair#*=}" ] && ok=$((ok + 1))
done
check_eq "each as invoice show" 5 "$ok"
# Each invoice and credit note once (docs/invoices.md, "The month's money"):
# gross issued (voided ones included), credited, net (the invoices that stand).
check_eq "the month's totals: drafts, issued, credited, net" \
    "$(q "SELECT string_agg(l || ':' || currency || '=' || s, ',' ORDER BY currency, o) FROM
          (SELECT currency, o, l, coalesce(sum(total) FILTER (WHERE w), 0) s FROM invoice,
                  LATERAL (VALUES (1, 'draft', status = 'draft'),
                                  (2, 'issued', kind = 'invoice' AND status <> 'draft'),
                                  (3, 'credited', kind = 'credit_note' AND status <> 'draft'),
                                  (4, 'net', status = 'issued' AND (kind = 'invoice' OR EXISTS
                                      (SELECT 1 FROM invoice o WHERE o.id = invoice.credits
                                       AND o.status = 'issued')))) v(o, l, w)
           WHERE period = '$PERIOD-01' GROUP BY currency, o, l) x")" \
    "$(seen finance.totals)"
# net: the invoices that stand less gamma's partial credit of 106.00
check_match "net is issued less the voided invoice's credit note, not less it twice" \
    "net:CNY=$(( $(q "SELECT sum(total) FROM invoice WHERE period = '$PERIOD-01' AND kind = 'invoice'
                     AND status = 'issued'") - 10600 ))(,|$)" "$(seen finance.totals)"
claim=$("$GM" report vouchers --program sh-ai-2026 --period "$PERIOD" | sed -n 's/^claim (issued invoices) *\([-0-9.]*\).*/\1/p')
check_eq "the voucher program's claim as report vouchers" "sh-ai-2026=${claim//./}" "$(seen finance.claims)"
check_match "and it is not nothing" '=[1-9]' "$(seen finance.claims)"
# The money audit trail, oldest first: the three issues (by invoice id),
# alpha's void, gamma's fapiao and its correction.
check_eq "finance sees the month's money audit trail" \
    "$(q "SELECT string_agg(number || ' issue', ',' ORDER BY id) FROM invoice
          WHERE period = '$PERIOD-01' AND kind = 'invoice'"),$alpha void,$gamma_inv fapiao,$gamma_inv correct,$gamma_inv credit" \
    "$(seen finance.audit)"
audit_credit=$(seen finance.audit.credit)
check_match "the credit row: what remained before, as money" "^remaining: $(cny "$gamma_total") → " "$audit_credit"
for f in "subtotal: $(cny -10000)" "tax: $(cny -600)" "total: $(cny -10600)" "remaining: $(cny $((gamma_total - 10600)))"; do
    check_match "the credit row's $f, as money" "(^|, | → )$f(,|$)" "$audit_credit"
done
check_eq "no amount left in bare minor units" "" "$(grep -oE '(subtotal|tax|total|remaining): -?[0-9]+(,|$)' <<<"$audit_credit")"
check_eq "an actor and a reason that are markup are shown as text, never run" \
    "<img src=x onerror=\"document.title=3\">|$gamma_inv|gamma|fapiao record corrected|fapiao_date: $(issued_on "$gamma_inv"), fapiao_number: 26310000000000000007 → reason: <script>document.title=4</script>, fapiao_date: $(issued_on "$gamma_inv"), fapiao_number: 26310000000000000008" \
    "$(seen finance.audit.hostile)"
check_eq "(no element made of them, the title untouched)" "0 gpumeter" "$(seen finance.audit.markup)"
check_eq "what the run did not bill: the parked account" "ns-nobody1 events" "$(seen finance.not_billed)"
check_eq "yield by model" "$(q "SELECT count(DISTINCT model) FROM capacity_hourly")" "$(seen finance.yield.rows)"
check_eq "the contract calendar's six months" 6 "$(seen finance.contracts.rows)"
check_eq "finance's charts drawn" 2 "$(seen finance.charts)"
# The fleet's health page (issue 36): what GET /v1/fleet/health and the
# yield's availability say, in both languages, charts with their units.
fh=$(curl -s -H "Authorization: Bearer $KF" "$U/v1/fleet/health?period=$PERIOD")
fy=$(curl -s -H "Authorization: Bearer $KF" "$U/v1/operator/yield?period=$PERIOD")
check_eq "finance's views include the fleet's health, the investor's page, the price index, plans and contracts" "customer,finance,fleet,investor,index,sales,plans,contractTerms" "$(seen fleet.nav)"
check_eq "the fleet page lists the API's devices" "$(jq -r '[.devices[].device] | join(",")' <<<"$fh")" "$(seen fleet.devices)"
check_eq "the H800's availability: up 1 h of 2, 500,000 ppm" 500000 \
    "$(jq -r '.rows[] | select(.model == "H800") | .availability_ppm' <<<"$fy")"
check_eq "and its reasons" "$(jq -r '[.reasons[].reason] | join(",")' <<<"$fh")" "$(seen fleet.reasons)"
check_eq "the availability by model, as the yield's ppm" \
    "$(jq -r '[.rows[] | select(.availability_ppm != null) | "\(.model)=\(.availability_ppm)"] | join(",")' <<<"$fy")" \
    "$(seen fleet.availability)"
check_match "the credits: every customer, then all (CN¥)" \
    "^($(jq -r '[.credits[] | .customer + "=CN¥" + .sla_credits] | join(",")' <<<"$fh"),)?all=CN¥$(jq -r '.credits_total.sla_credits' <<<"$fh")$" \
    "$(seen fleet.credits)"
check_eq "the fleet's charts drawn: the cost, and availability and devices when there are any" \
    "$(( 1 + $(jq '[.rows[] | select(.availability_ppm != null)] | length | if . > 0 then 1 else 0 end' <<<"$fy") +
          $(jq '.devices | length | if . > 0 then 1 else 0 end' <<<"$fh") ))" "$(seen fleet.charts)"
check_eq "the device named with markup, as text" "sh-lingang/n-h/<b>GPU-h</b> 0" "$(seen fleet.devices) $(seen fleet.markup)"
check_match "in Chinese" "^集群健康 · " "$(seen fleet.zh.heading)"
check_eq "its credits' heads in Chinese" "客户当月发票迟到调整赔付" "$(seen fleet.zh.credits | tr -d ' ')"
check_eq "finance sees the dead notification: id, event, attempts, last answer" \
    "$dead_event invoice.overdue 10 503" "$(seen finance.notifications)"
check_eq "finance sees the unapplied payment, its payer as text" \
    'CONSOLE-UNKNOWN-1 12345 =HYPERLINK("http://x.example")<b>x</b>' "$(seen finance.unapplied)"
# receivables (issue 34): the aging card is GET /v1/receivables (today);
# each customer's open row and the total, in minor units, as the report
check_eq "finance sees the receivables aging as report receivables" \
    "$("$GM" report receivables --format json | jq -r '[.rows[] | "\(.customer // "total"):\(.currency)=\(.open_minor)"] | join(",")')" \
    "$(seen finance.aging)"
check_match "and it is not nothing" '^[a-z]+:CNY=[1-9]' "$(seen finance.aging)"
check_eq "finance reads beta's month as gpumeter statement" \
    "$("$GM" statement --customer beta --period "$PERIOD" --format json | jq .due_minor)" "$(seen finance.customer.due)"
check_eq "sign-out ends the session on the server" 401 "$(seen signout.me)"
check_eq "its cookie, presented again, is refused" 401 "$(seen signout.cookie)"

check_eq "a sales key sees only the sales, plans and contracts views" sales,plans,contractTerms "$(seen sales.nav)"
check_eq "every plan version" \
    "$(q "SELECT string_agg(code || ' ' || effective_from, ',' ORDER BY code, effective_from) FROM document WHERE kind = 'plan'")" \
    "$(seen sales.plans)"
check_eq "no plan shown as raw JSON (issue 39): no document text block on the sales page" 0 "$(seen sales.json)"
check_match "each version a column of the plan's fields, as a table" '^\$\.currency\|CNY' "$(seen sales.field)"
# plan simulate's table: label, then current, proposed, difference (decimals).
# compare as minor units: strip the decimal point from each amount
cli_minor=$(simulate_minor beta "$PERIOD" "$TMP/proposed.json")
check_eq "the simulation, line by line, as plan simulate" "$cli_minor" "$(seen sales.simulation)"
check_eq "its current column marked as the issued invoice" \
    "Current: As issued on invoice $(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
        WHERE c.code = 'beta' AND i.period = '$PERIOD-01' AND i.kind = 'invoice' AND i.status = 'issued'")" \
    "$(seen sales.source)"
check_match "and the proposed price moves the total" 'due from customer=[0-9]+/[0-9]+/-[1-9]' "$(seen sales.simulation)"
check_match "a bad document is rejected at its JSON path" '^422 invalid_document: plan document rejected: \$.plan: duplicate key' "$(seen sales.bad)"
check_eq "sales' session reads no statement" 403 "$(seen sales.statement)"
check_eq "a name that is markup is shown as text, never run" \
    'evil · <img src=x onerror="document.title=1">&amp;<b> 0 gpumeter' "$(seen finance.markup)"
check_eq "no script error on any page" none "$(seen page.errors)"

# Issue 39, charts people can read: gamma's day charts (drawn for a
# finance key, in English) against the API's rows, rebuilt by
# tests/tools/console_chart_check.py: every day of October on the axis
# (days without usage at 0), the registry's unit on the value axis, and
# the tokens chart, with more jobs than its legend holds in two lines,
# the top jobs by total and "Other (n)" summing the rest day by day.
day_rows() { # group_by meter -> the API's rows of the meter, one JSON list
    curl -s -H "Authorization: Bearer $KF" \
        "$U/v1/usage?customer=gamma&from=$PERIOD-01&to=$PERIOD-31&group_by=$1&page_size=1000" |
        jq -c --arg m "$2" '[.rows[] | select(.meter == $m) | . + {meter_name: "Energy"}]'
}
for c in "gpu day,model gpu_ms model gpu_hours GPU-hours" "tokens day,job tokens job million_tokens million_tokens" \
         "energy day energy_mj meter_name kwh kWh"; do
    set -- $c
    day_rows "$2" "$3" >"$TMP/rows.$1"
    seen "chart.$1" >"$TMP/chart.$1"
    check_eq "the $1 chart: every day of the month, its unit, what the API answered" equal \
        "$(python3 "$ROOT/tests/tools/console_chart_check.py" days "$TMP/rows.$1" "$TMP/chart.$1" "$PERIOD" "$4" "$5" "${6//_/ }")"
done
check_eq "the tokens chart's axis: all 31 days of October, and the API's rows leave some out" "31 true" \
    "$(jq '.x | length' "$TMP/chart.tokens") $(jq '[.[].time[:10]] | unique | length < 31' "$TMP/rows.tokens")"
check_eq "more jobs than the legend holds: the top ones and one Other gathering the rest" \
    "$(jq '[.[].job] | unique | length' "$TMP/rows.tokens") true" \
    "$(jq -r '(.series | length - 1) as $k | ((.series[-1].name | capture("Other \\((?<n>[0-9]+)\\)").n) // "0" | tonumber) as $n | "\($k + $n) \($n > 1)"' "$TMP/chart.tokens")"
# Units on every axis, in the page's language: the registry's labels, the
# currency, GPU-hours (the investor's and index pages have no chart here:
# no project, no published index; their own suites check theirs)
check_eq "every chart names its unit (English)" \
    "gpu=GPU-hours,tokens=million tokens,energy=kWh|yield=CNY,capacity=GPU-hours|fleet-cost=CNY,fleet-availability=%,fleet-devices=GPU-hours" \
    "$(seen units.customer.en)|$(seen units.finance.en)|$(seen units.fleet.en)"
check_eq "every chart names its unit (Chinese)" \
    "gpu=卡时,tokens=百万Token,energy=千瓦时|yield=CNY,capacity=卡时|fleet-cost=CNY,fleet-availability=%,fleet-devices=卡时" \
    "$(seen units.customer.zh)|$(seen units.finance.zh)|$(seen units.fleet.zh)"
# Every label translated: each page in Chinese, no Latin-letter word a
# person reads but the allow-list's (console_drive.mjs: units, acronyms,
# vendor names, codes)
for v in customer finance fleet investor index sales; do
    check_eq "the $v page in Chinese has no English word" none "$(seen "latin.$v")"
done
check_eq "a simulation's time-of-use bands in Chinese: the current plan's line, then night, peak and the hours no band covers" \
    "GPU 时长 · NVIDIA H800|GPU 时长 · NVIDIA H800 · 夜间 x0.5|GPU 时长 · NVIDIA H800 · 峰段 x1.5|GPU 时长 · NVIDIA H800 · 平段" \
    "$(seen bands.zh | tr '|' '\n' | LC_ALL=C sort | paste -sd'|')"

for v in customer customer-zh phone finance finance-customer sales; do
    check_eq "a screenshot of the $v view" 1 "$(find "$SHOTS/console-$v.png" -size +20k 2>/dev/null | wc -l)"
done

# Sessions end when unused: a server whose sessions last 1 s unused.
cat >>"$GPUMETER_CONFIG" <<'CONF'
api.session_idle_s = 1
CONF
SERVER1=$SERVER U1=$U
start_server "$TMP/serve2.log" --threads 2 || fail "a second server starts"
SERVER2=$SERVER U2=$U SERVER=$SERVER1 U=$U1
c=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KF" "$U2/v1/session" |
    sed -n 's/.*gm_session=\([0-9a-f]*\);.*/\1/p')
check_eq "a fresh session works" 200 "$(curl -s -o /dev/null -w '%{http_code}' -b "gm_session=$c" "$U2/v1/me")"
sleep 2
check_eq "an unused one ends" 401 "$(curl -s -o /dev/null -w '%{http_code}' -b "gm_session=$c" "$U2/v1/me")"
kill $SERVER $SERVER2
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
wait $SERVER2
check_eq "and the second" 0 "$?"
sanitizer_clean "the server reported no sanitizer error" "$TMP/serve.log"
sanitizer_clean "nor the second" "$TMP/serve2.log"
finish
