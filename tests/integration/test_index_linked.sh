#!/bin/bash
# Plan prices linked to the realised compute price index (issue 37,
# deliverable 4; docs/investor.md, "Prices linked to the index"), by hand.
# January 2026 (test_price_index.sh's month): H800 312.00 over 18
# GPU-hours of 3 contracts = 17.333333; H20 2 contracts, withheld under
# index.min_contracts 3, published as 7.250000 under 2.
# zeta's plan: H800 at January's index + 0.50 (floor 12.00, cap 20.00),
# H20 at the index - 0.25 with a floor of 9.00; eps's: H800 + 3.00 capped
# at 20.00.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
sed -e 's/"gpu-standard"/"gpu-premium"/' -e 's/"GPU-hour standard 2026"/"GPU-hour premium 2026"/' \
    -e 's/"16.80"/"20.00"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/premium.json"
cat >"$TMP/indexed.json" <<'DOC'
{ "plan": "gpu-indexed", "name": "GPU-hour at the index", "currency": "CNY",
  "effective_from": "2026-01-01",
  "gpu_hours": { "prices": [
    { "model": "H800", "index": { "lag_months": 1, "spread": "0.50", "floor": "12.00", "cap": "20.00" } },
    { "model": "H20", "index": { "lag_months": 1, "spread": "-0.25", "floor": "9.00" } } ] } }
DOC
cat >"$TMP/capped.json" <<'DOC'
{ "plan": "gpu-capped", "name": "GPU-hour at the index, capped", "currency": "CNY",
  "effective_from": "2026-01-01",
  "gpu_hours": { "prices": [
    { "model": "H800", "index": { "lag_months": 1, "spread": "3.00", "cap": "20.00" } } ] } }
DOC
contract() { # customer plan
    cat >"$TMP/$1.json" <<DOC
{ "contract": "$1-2026", "customer": "$1", "effective_from": "2026-01-01",
  "plan": "$2", "currency": "CNY", "tax_rate": "0.06",
  "accounts": [ { "account": "ns-$1" } ] }
DOC
    "$GM" customer add "$1" --name "$1 Compute" >/dev/null && "$GM" contract apply "$TMP/$1.json" >/dev/null
}
{ "$GM" plan apply "$TMP/premium.json" && "$GM" plan apply "$TMP/indexed.json" &&
    "$GM" plan apply "$TMP/capped.json"; } >/dev/null &&
    contract delta gpu-premium && contract zeta gpu-indexed && contract eps gpu-capped ||
    { fail "set up the plans and contracts"; finish; }

event() { # seq account model gpu_ms month
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$5"
}
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }
{
    event 1 ns-alpha H800 36000000 01
    event 2 ns-alpha H20 7200000 01
    event 3 ns-beta H800 18000000 01
    event 4 ns-beta H20 14400000 01
    event 5 ns-delta H800 10800000 01
} | send
rate_and_issue 2026-01
check_eq "a month without usage of a model at the index needs no value: no problem in January" "0" \
    "$(q "SELECT count(*) FROM invoice_problem")"
check_eq "January's index published: H800 17.333333, H20 withheld (gross and net of each)" \
    "price index 2026-01: 4 published first, 0 revised, 0 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"

# February: zeta 7 H800 hours and 2 H20 hours, eps 3 H800 hours.
{
    event 6 ns-zeta H800 25200000 02
    event 7 ns-zeta H20 7200000 02
    event 8 ns-eps H800 10800000 02
    event 9 ns-alpha H800 3600000 02
} | send
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-02 >"$TMP/run1.out" 2>&1
check_eq "no value to price at: zeta's draft is refused, naming the model, month and why" \
    "no H20 index of 2026-01 in CNY to price 2026-02 at: its newest publication (revision 0) withholds it (fewer contributing contracts than index.min_contracts)" \
    "$(q "SELECT p.reason FROM invoice_problem p JOIN customer c ON c.id = p.customer_id
          WHERE c.code = 'zeta' AND p.period = '2026-02-01'")"
check_eq "and there is no draft of zeta's February" "0" \
    "$(q "SELECT count(*) FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'zeta' AND i.period = '2026-02-01'")"
check_eq "the others' invoices proceed: alpha's and eps's drafts" "alpha 16.80
eps 60.00" \
    "$(q "SELECT c.code || ' ' || i.subtotal / 100 || '.' || lpad((i.subtotal % 100)::text, 2, '0')
          FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE i.period = '2026-02-01' ORDER BY c.code")"
# eps: 17.333333 + 3.00 = 20.333333, above the cap: 3 h x 20.00 = 60.00.
check_eq "the cap bites: eps's 3 H800 hours at 20.00" "usage H800 10800000 20000000 6000" \
    "$(q "SELECT l.kind || ' ' || l.model || ' ' || l.quantity || ' ' || l.unit_price || ' ' || l.amount
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'eps' AND i.period = '2026-02-01'")"

check_eq "H20 published under a minimum of 2: a revision, 7.250000 (gross and net)" \
    "price index 2026-01: 0 published first, 2 revised, 2 unchanged" \
    "$(GPUMETER_INDEX_MIN_CONTRACTS=2 "$GM" index publish --period 2026-01 2>&1)"
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
# zeta: H800 17.333333 + 0.50 = 17.833333 x 7 h = 124.833331 -> 124.83;
# H20 7.250000 - 0.25 = 7.00, below the floor: 2 h x 9.00 = 18.00.
# Tax per line: 7.4898 -> 7.49 and 1.08: 8.57; total 151.40.
check_eq "zeta's February to the fen: the spread, and the floor biting" \
    "usage H20 7200000 9000000 1800
usage H800 25200000 17833333 12483
subtotal 14283 tax 857 total 15140" \
    "$(q "SELECT l.kind || ' ' || l.model || ' ' || l.quantity || ' ' || l.unit_price || ' ' || l.amount
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'zeta' AND i.period = '2026-02-01' ORDER BY l.line_no"
       q "SELECT 'subtotal ' || subtotal || ' tax ' || tax || ' total ' || total FROM invoice i
          JOIN customer c ON c.id = i.customer_id WHERE c.code = 'zeta' AND i.period = '2026-02-01'")"
check_eq "the publication used, recorded per line with the terms" \
    "1 2026-01 H20 1 7250000 1 -250000 9000000 
2 2026-01 H800 0 17333333 1 500000 12000000 20000000" \
    "$(q "SELECT x.line_no || ' ' || to_char(x.index_month, 'YYYY-MM') || ' ' || x.model || ' ' || x.revision
                 || ' ' || x.price_micro || ' ' || x.lag_months || ' ' || x.spread_micro || ' '
                 || coalesce(x.floor_micro::text, '') || ' ' || coalesce(x.cap_micro::text, '')
          FROM invoice_index_use x JOIN invoice i ON i.id = x.invoice_id
          JOIN customer c ON c.id = i.customer_id WHERE c.code = 'zeta' ORDER BY x.line_no")"
check_eq "the problem is gone once priced" "0" \
    "$(q "SELECT count(*) FROM invoice_problem p JOIN customer c ON c.id = p.customer_id WHERE c.code = 'zeta'")"
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
show=$("$GM" invoice show --customer zeta --period 2026-02 2>&1)
check_match "the text shows the index value, revision, publication and terms" \
    'index H800 2026-01 17\.333333 \(revision 0, published 20[0-9-]{8}T[0-9:]{8}Z\) \+ spread 0\.50, floor 12\.00, cap 20\.00' \
    "$show"
check_match "a negative spread and a floor without a cap" \
    'index H20 2026-01 7\.250000 \(revision 1, published [^)]*\) \+ spread -0\.25, floor 9\.00$' "$show"
check_eq "JSON: the index of each line" \
    '{"month":"2026-01","value":"7.250000","revision":1,"lag_months":1,"spread":"-0.250000","floor":"9.000000","cap":null}
{"month":"2026-01","value":"17.333333","revision":0,"lag_months":1,"spread":"0.500000","floor":"12.000000","cap":"20.000000"}' \
    "$("$GM" invoice show --customer zeta --period 2026-02 --format json |
        jq -c '.lines[] | .index | del(.published_at, .text_en, .text_zh)')"
check_match "JSON: in Chinese too" '^"指数 H800 2026-01 17\.333333（第 0 版，发布于 [^）]*）\+ 价差 0\.50，下限 12\.00，上限 20\.00"$' \
    "$("$GM" invoice show --customer zeta --period 2026-02 --format json | jq '.lines[1].index.text_zh')"
"$GM" invoice show --customer zeta --period 2026-02 --format pdf --output "$TMP/feb.pdf" 2>/dev/null
pdf=$(pdftotext "$TMP/feb.pdf" - 2>&1 | tr -d ' \n') # wrapped within its column
check_match "the PDF shows the index used, in Chinese" \
    '指数H8002026-0117\.333333（第0版，发布于[0-9T:-]*Z）\+价差0\.50，下限12\.00，上限20\.00' "$pdf"
check_match "and in English" \
    'indexH8002026-0117\.333333\(revision0,published[0-9T:-]*Z\)\+spread0\.50,floor12\.00,cap20\.00' "$pdf"
check_match "a negative spread, a floor without a cap" \
    'indexH202026-017\.250000\(revision1,published[0-9T:-]*Z\)\+spread-0\.25,floor9\.00' "$pdf"
check_match "the issued invoice keeps the publication it used" 'lines of an invoice that is issued are immutable' \
    "$(q "DELETE FROM invoice_index_use" 2>&1)"

# The console (tests/tools/console_index_use.mjs): zeta's February, as its
# customer key sees it in English and in Chinese, shows under each line
# priced at the index the value used, its month, revision and publication
# day, and the terms (a signed spread, the floor, the cap when there is
# one); screenshots in build/console/ (index-en.png, index-zh.png).
KZ=$("$GM" customer key create zeta 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
mkdir -p "$ROOT/build/console"
(cd "$TMP" && node "$ROOT/tests/tools/console_index_use.mjs" "$U/" 2026-02 "$KZ" "$ROOT/build/console") \
    >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove zeta's February in both languages" 0 "$?"
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
published() { # model format -> the newest publication of January, UTC
    q "SELECT to_char(published_at AT TIME ZONE 'UTC', '$2') FROM price_index_latest('2026-01-01', '$1', 'CNY')"
}
h20_at=$(published H20 'YYYY-MM-DD"T"HH24:MI:SS"Z"') h800_at=$(published H800 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
check_eq "each line carries the publication it was priced at, as the API gave it" \
    "2026-01|7.250000|$h20_at;2026-01|17.333333|$h800_at" "$(seen note.en)"
# the publication days as en-GB and zh-CN write them ("7 Dec 2026", "2026年12月7日")
en_day() { LC_ALL=C date -u -d "${1:0:10}" '+%-d %b %Y' | sed 's/ Sep / Sept /'; }
zh_day() { date -u -d "${1:0:10}" '+%Y年%-m月%-d日'; }
check_eq "the value, month, revision, publication day and terms under each line (English)" \
"GPU time · NVIDIA H20Index H20 of January 2026: CN¥7.250000 per GPU-hour (revision 1, published $(en_day "$h20_at")); \
spread -CN¥0.25, floor CN¥9.00|CN¥18.00;\
GPU time · NVIDIA H800Index H800 of January 2026: CN¥17.333333 per GPU-hour (revision 0, published $(en_day "$h800_at")); \
spread +CN¥0.50, floor CN¥12.00, cap CN¥20.00|CN¥124.83" "$(seen index.en)"
check_eq "and in Chinese" \
"GPU 时长 · NVIDIA H20算力价格指数 H20（2026年1月）：¥7.250000 / GPU 时（第 1 版，发布于 $(zh_day "$h20_at")）；\
价差 -¥0.25，下限 ¥9.00|¥18.00;\
GPU 时长 · NVIDIA H800算力价格指数 H800（2026年1月）：¥17.333333 / GPU 时（第 0 版，发布于 $(zh_day "$h800_at")）；\
价差 +¥0.50，下限 ¥12.00，上限 ¥20.00|¥124.83" "$(seen index.zh)"
check_eq "no page or console errors" "0" "$(seen errors)"
kill "$SERVER" 2>/dev/null

# March: February's index was never published: zeta's March is refused
# (zeta's 1 H800 hour); alpha's invoice proceeds.
event 10 ns-zeta H800 3600000 03 | send
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
check_eq "a month whose index was never published" \
    "no H800 index of 2026-02 in CNY to price 2026-03 at: it was never published (gpumeter index publish --period 2026-02)" \
    "$(q "SELECT p.reason FROM invoice_problem p JOIN customer c ON c.id = p.customer_id
          WHERE c.code = 'zeta' AND p.period = '2026-03-01'")"

# February's H800 published: alpha 16.80 + eps 60.00 + zeta 124.83 over 11
# GPU-hours = 18.330000 (H20: one contract, withheld).
check_eq "February's index published" \
    "price index 2026-02: 4 published first, 0 revised, 0 unchanged" \
    "$("$GM" index publish --period 2026-02 2>&1)"
# An index revision after issue: a credit note of 2.5 of alpha's 10 January
# H800 hours (42.00) makes January's H800 270.00 / 15.5 = 17.419355,
# published as revision 1 (H20 unchanged under a minimum of 2).
ALPHA=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
           WHERE c.code = 'alpha' AND i.period = '2026-01-01' AND i.kind = 'invoice'")
line=$(q "SELECT line_no FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          WHERE i.number = '$ALPHA' AND l.model = 'H800' AND l.kind = 'usage'")
"$GM" invoice credit "$ALPHA" --line "$line:2.5" --reason 02 >/dev/null 2>&1
check_eq "January's H800 revised after zeta's February was issued" \
    "price index 2026-01: 0 published first, 2 revised, 2 unchanged" \
    "$(GPUMETER_INDEX_MIN_CONTRACTS=2 "$GM" index publish --period 2026-01 2>&1)"
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
# zeta's March: 1 h x (18.330000 + 0.50) = 18.83; February's 7 H800 hours
# at 17.419355 + 0.50 = 17.919355: 125.435485 -> 125.44, less the 124.83
# billed: one index_revision line of 0.61. eps: 20.419355 is still above
# its cap of 20.00: nothing changes, no line.
march() { # customer
    q "SELECT l.kind || ' ' || l.model || ' ' || l.quantity || ' ' || l.unit_price || ' ' || l.amount
              || coalesce(' ' || to_char(l.adjusts, 'YYYY-MM'), '')
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '2026-03-01' ORDER BY l.line_no"
}
check_eq "the revision settled on zeta's next invoice to the fen" \
    "usage H800 3600000 18830000 1883
index_revision H800 0 17919355 61 2026-02" "$(march zeta)"
check_eq "the cap bit before and after: no line for eps" "" "$(march eps)"
check_eq "the revision line records the new publication" "2026-01 H800 1 17419355" \
    "$(q "SELECT to_char(x.index_month, 'YYYY-MM') || ' ' || x.model || ' ' || x.revision || ' ' || x.price_micro
          FROM invoice_index_use x JOIN invoice_line l USING (invoice_id, line_no)
          WHERE l.kind = 'index_revision'")"
"$GM" invoice issue --period 2026-03 >/dev/null 2>&1
show=$("$GM" invoice show --customer zeta --period 2026-03 2>&1)
check_match "shown: the month it adjusts and the publication it is priced at" \
    'H800 index_revision: index_revision of 2026-02 .* 0\.61
    index H800 2026-01 17\.419355 \(revision 1, published [^)]*\) \+ spread 0\.50, floor 12\.00, cap 20\.00' "$show"
check_eq "JSON: its description" '"Price index revision 2026-02 · GPU time · NVIDIA H800"' \
    "$("$GM" invoice show --customer zeta --period 2026-03 --format json |
        jq '.lines[] | select(.kind == "index_revision") | .description_en')"

# H20 withheld again (a minimum of 3): an invoice keeps the last value it
# was priced at; and the settled H800 revision is not billed twice.
"$GM" index publish --period 2026-01 >/dev/null 2>&1
event 11 ns-zeta H800 3600000 04 | send
"$GM" rate --until-idle 2>/dev/null
"$GM" index publish --period 2026-03 >/dev/null 2>&1
GPUMETER_INDEX_MIN_CONTRACTS=1 "$GM" index publish --period 2026-03 >/dev/null 2>&1
"$GM" invoice run --period 2026-04 >/dev/null 2>&1
check_eq "settled once: April has no index_revision line, and none for the withheld H20" "1" \
    "$(q "SELECT count(*) FROM invoice_line WHERE kind = 'index_revision'")"
# April's statement, priced live: March's H800, zeta's hour alone (published
# under a minimum of 1: revision 1, after one withheld), 18.830000 + 0.50
# = 19.33.
check_match "the statement shows the index too" \
    'index H800 2026-03 18\.830000 \(revision 1, published [^)]*\) \+ spread 0\.50, floor 12\.00, cap 20\.00' \
    "$("$GM" statement --customer zeta --period 2026-04 2>&1)"
check_eq "and its JSON" '"19.330000 18.830000"' \
    "$("$GM" statement --customer zeta --period 2026-04 --format json | jq '.lines[0] | "\(.unit_price) \(.index.value)"')"

# Late usage and a revision of one month in one run: an hour of zeta's
# February H800 arrives late, and January's H800 is revised again (2.5
# more of alpha's hours credited: 228.00 / 13 = 17.538462, revision 2).
# February rated again at 17.538462 + 0.50 = 18.038462: 8 h = 144.307696
# -> 144.31, less the 124.83 + 0.61 billed: one prior_period line of
# 18.87 carries both, and no index_revision line bills the revision twice.
"$GM" invoice issue --period 2026-04 >/dev/null 2>&1
"$GM" invoice credit "$ALPHA" --line "$line:2.5" --reason 02 >/dev/null 2>&1
GPUMETER_INDEX_MIN_CONTRACTS=2 "$GM" index publish --period 2026-01 >/dev/null 2>&1
event 12 ns-zeta H800 3600000 02 | send
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-05 >/dev/null 2>&1
check_eq "late usage and a revision together: one prior_period line, at the newest value" \
    "prior_period H800 3600000 18038462 1887 2026-02 rev 2
index_revision count 1" \
    "$(q "SELECT l.kind || ' ' || l.model || ' ' || l.quantity || ' ' || l.unit_price || ' ' || l.amount
                 || ' ' || to_char(l.adjusts, 'YYYY-MM') || ' rev ' || x.revision
          FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
          JOIN invoice_index_use x USING (invoice_id, line_no)
          WHERE c.code = 'zeta' AND i.period = '2026-05-01'"
       q "SELECT 'index_revision count ' || count(*) FROM invoice_line WHERE kind = 'index_revision'")"
finish
