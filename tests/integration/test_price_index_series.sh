#!/bin/bash
# The realised compute price index's token and commitment series and its
# net basis (issue 37, deliverable 3; docs/investor.md, "The series" and
# "Gross and net"), each computed by hand from January 2026's invoices:
#   alpha: H800 10 h 168.00, H20 2 h 14.50, a pre-tax voucher of 15% of
#          GPU time: 27.375 -> -27.38, shared over its usage lines by amount;
#   beta:  H800 5 h 84.00, H20 4 h 29.00, a take-or-pay of 100.00 (met);
#   kappa: H800 5 h 84.00, a take-or-pay of 200.00: shortfall 116.00;
#   gamma: 1,000 M tokens at 3.00 = 3,000.00 (by token);
#   theta: 500 M tokens at 2.00 = 1,000.00 (by token), a pre-tax voucher
#          of 25% of tokens: -250.00.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
export GPUMETER_INDEX_MIN_CONTRACTS=2

contract() { # customer plan extra-json
    cat >"$TMP/$1.json" <<DOC
{ "contract": "$1-2026", "customer": "$1", "effective_from": "2026-01-01", "plan": "$2",
  "currency": "CNY", "tax_rate": "0.06"$3, "accounts": [ { "account": "ns-$1" } ] }
DOC
    "$GM" contract apply "$TMP/$1.json" >/dev/null
}
voucher() { # code customer coverage meter
    cat >"$TMP/v-$1.json" <<DOC
{ "voucher": "$1", "program": "pre-$1", "customer": "$2", "currency": "CNY",
  "face_value": "100000.00", "coverage": "$3", "valid_from": "2026-01-01",
  "valid_until": "2026-12-31", "applies": "pre_tax", "eligible": { "meters": ["$4"] } }
DOC
    "$GM" voucher issue "$TMP/v-$1.json" >/dev/null
}
{ "$GM" customer add kappa --name Kappa >/dev/null && "$GM" customer add theta --name Theta >/dev/null &&
    contract kappa gpu-standard ', "commitment": {"amount": "200.00"}' &&
    contract theta token-training ', "billing_basis": "tokens",
  "overrides": [ { "meter": "tokens", "unit_price": "2.00" } ]' &&
    seed_contract_with beta '"commitment": {"amount": "100.00"}' >/dev/null &&
    voucher a-15 alpha 0.15 gpu_hours && voucher t-25 theta 0.25 tokens; } ||
    { fail "set up the contracts and vouchers"; finish; }

gpu() { # seq account model gpu_ms month
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$5"
}
tok() { # seq account tokens month
    printf 't\t{"v":1,"source":"t","seq":%d,"account":"%s","cluster":"c","site":"s","start":"2026-%s-10T05:00:00Z","end":"2026-%s-10T06:00:00Z","tokens":%d,"model_params":7000000000}\n' \
        "$1" "$2" "$4" "$4" "$3"
}
{
    gpu 1 ns-alpha H800 36000000 01
    gpu 2 ns-alpha H20 7200000 01
    gpu 3 ns-beta H800 18000000 01
    gpu 4 ns-beta H20 14400000 01
    gpu 5 ns-kappa H800 18000000 01
    tok 1 slurm-gamma 1000000000 01
    tok 2 ns-theta 500000000 01
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-01

lines() { # customer: its January lines: kind, model, quantity (of usage), amount
    q "SELECT string_agg(concat_ws(' ', l.kind, nullif(l.model, ''),
                                   CASE WHEN l.kind = 'usage' THEN l.quantity END, l.amount), ', '
                         ORDER BY l.line_no)
       FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id JOIN customer c ON c.id = i.customer_id
       WHERE c.code = '$1' AND i.period = '2026-01-01' AND i.kind = 'invoice' AND i.status = 'issued'"
}
check_eq "alpha's invoice: H20 before H800, the voucher 15% of 182.50 = 27.375 -> 27.38" \
    "usage H20 7200000 1450, usage H800 36000000 16800, voucher_discount -2738" \
    "$(lines alpha)"
check_eq "kappa's invoice: a shortfall of 200.00 - 84.00" \
    "usage H800 18000000 8400, shortfall 11600" "$(lines kappa)"

# Tokens: 3,000.00 + 1,000.00 over 1,500 M tokens = 2.6666... -> 2.666667
# per million, the token class "any size" (the plan's one bracket).
TOK='month,model,currency,contracts,million_tokens,amount,price_per_million_tokens,status'
check_eq "tokens, gross: 4,000.00 over 1,500 M tokens" \
    "$TOK
2026-01,any size,CNY,2,1500.000000,4000.00,2.666667,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series tokens --format csv 2>&1)"
# Net: theta's 250.00 voucher is all on its one usage line: 3,750.00 / 1,500.
check_eq "tokens, net of theta's voucher: 3,750.00 over 1,500 M = 2.500000" \
    "2026-01,any size,CNY,2,1500.000000,3750.00,2.500000,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series tokens --basis net --format csv | tail -1)"
check_eq "the GPU-hour series holds no token line" \
    "2026-01,H20,CNY,2,6.000,43.50,7.250000,final
2026-01,H800,CNY,3,20.000,336.00,16.800000,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --format csv | tail -n +2)"
# GPU-hours net: alpha's -27.38 shared over its usage lines by amount, in
# line order (money_split's rule): H20 (14.50) first, -floor(2738 x 1450 /
# 18250) = -floor(217.54...) = -2.17, H800 the rest: -25.21. H800: 336.00
# - 25.21 = 310.79 / 20 = 15.5395 -> 15.539500; H20: 43.50 - 2.17 = 41.33
# / 6 = 6.888333... -> 6.888333.
check_eq "GPU-hours, net: alpha's voucher split exactly over its lines" \
    "2026-01,H20,CNY,2,6.000,41.33,6.888333,final
2026-01,H800,CNY,3,20.000,310.79,15.539500,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --basis net --format csv | tail -n +2)"
# Commitments: beta and kappa (take-or-pay, by GPU-hour): 14 GPU-hours;
# 84.00 + 29.00 + 84.00 + 116.00 = 313.00 / 14 = 22.357142... -> 22.357143.
check_eq "commitments: GPU time and shortfall of the take-or-pay contracts" \
    "month,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,status
2026-01,*,CNY,2,14.000,313.00,22.357143,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series commitments --format csv)"
check_eq "the minimum of contracts applies to every series and basis" \
    "2026-01,any size,CNY,2,-,-,insufficient,final 2026-01,*,CNY,2,-,-,insufficient,final" \
    "$(GPUMETER_INDEX_MIN_CONTRACTS=3 "$GM" report index --from 2026-01 --to 2026-01 --series tokens \
        --basis net --format csv | tail -1) $(GPUMETER_INDEX_MIN_CONTRACTS=3 "$GM" report index \
        --from 2026-01 --to 2026-01 --series commitments --format csv | tail -1)"
check_eq "text says what the series and basis are, and heads the token columns" \
    "realised compute price index 2026-01 to 2026-01: million training tokens of invoices that stand, by token class, net of pre-tax vouchers and subsidies; published with at least 2 contracts
month      token class      cur  contracts       M tokens           amount     per M tokens status
2026-01 any size CNY 2 1500.000000 3750.00 2.500000 final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series tokens --basis net | sed -n '1,3p' | sed '3s/  */ /g')"
check_eq "JSON names the series, the basis and the token fields" \
    '"tokens" "net" "any size" "1500.000000" "2.500000"' \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series tokens --basis net --format json |
        jq -r '[.series, .basis, .rows[0].model, .rows[0].million_tokens, .rows[0].price_per_million_tokens] | map(@json) | join(" ")')"

# index publish: every series and basis, each key: GPU-hours H20 and H800,
# tokens and commitments, gross and net: 8 rows.
check_eq "index publish: every series and basis" \
    "price index 2026-01: 8 published first, 0 revised, 0 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"

# A revision of each. gamma's 100 M tokens credited (by line quantity:
# 300.00): tokens 3,700.00 / 1,400 M = 2.642857..., net 3,450.00 / 1,400 =
# 2.464285... -> 2.464286.
GAMMA=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id
           WHERE c.code = 'gamma' AND i.period = '2026-01-01' AND i.kind = 'invoice'")
line=$(q "SELECT line_no FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          WHERE i.number = '$GAMMA' AND l.meter = 'tokens' AND l.kind = 'usage'")
run_gm 0 "gamma's 100 M tokens credited" invoice credit "$GAMMA" --line "$line:100" --reason 02
check_eq "a credit note revises the token series, gross and net" \
    "2026-01,any size,CNY,2,1400.000000,3700.00,2.642857,final 2026-01,any size,CNY,2,1400.000000,3450.00,2.464286,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series tokens --format csv | tail -1) $("$GM" report index \
        --from 2026-01 --to 2026-01 --series tokens --basis net --format csv | tail -1)"
# An hour of kappa's January H800 rated late is a prior_period line of
# its February invoice (16.80) counting in January: commitments 313.00 +
# 16.80 = 329.80 / 15 = 21.986666... -> 21.986667; GPU-hours H800 gross
# 352.80 / 21 = 16.80, net 352.80 - 25.21 = 327.59 / 21 = 15.5995238... ->
# 15.599524.
gpu 6 ns-kappa H800 3600000 01 | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-02
check_eq "late usage revises the commitment series in the month it adjusts" \
    "2026-01,*,CNY,2,15.000,329.80,21.986667,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series commitments --format csv | tail -1)"
check_eq "and the GPU-hour series net" "2026-01,H800,CNY,3,21.000,327.59,15.599524,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --basis net --model H800 --format csv | tail -1)"
check_eq "published: tokens gross and net, H800 gross and net, commitments gross and net revised" \
    "price index 2026-01: 0 published first, 6 revised, 2 unchanged" "$("$GM" index publish --period 2026-01 2>&1)"
check_eq "report index --revisions: a series' and basis's publications, the first beside its revision" \
    "2026-01,any size,CNY,2,1500.000000,3750.00,2.500000,final,0
2026-01,any size,CNY,2,1400.000000,3450.00,2.464286,final,1" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --series tokens --basis net --revisions --format csv |
        tail -n +2 | cut -d, -f1-9)"
check_eq "the stored rows: revisions counted per series and basis" \
    "commitments gross * 1 commitments net * 1 gpu_hours gross H20 0 gpu_hours gross H800 1 gpu_hours net H20 0 gpu_hours net H800 1 tokens gross any size 1 tokens net any size 1" \
    "$(q "SELECT string_agg(series || ' ' || basis || ' ' || model || ' ' || max, ' ' ORDER BY series, basis, model COLLATE \"C\")
          FROM (SELECT series, basis, model, max(revision) FROM price_index_publication
                WHERE month = '2026-01-01' GROUP BY 1, 2, 3) m")"
# price_index_latest (056, 058) stays the GPU-hour series, gross: what
# index-linked prices read.
check_eq "price_index_latest reads the GPU-hour gross series" "1|16800000|final" \
    "$(q "SELECT revision || '|' || price_micro || '|' || status FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"
q "INSERT INTO price_index_publication (month, series, basis, model, currency, revision, contracts,
     min_contracts, gpu_ms, amount, price_micro, status)
   VALUES ('2026-01-01', 'gpu_hours', 'net', 'H800', 'CNY', 7, 3, 2, 1, 1, 1, 'final'),
          ('2026-01-01', 'tokens', 'gross', 'H800', 'CNY', 7, 3, 2, 1, 1, 1, 'final')" >/dev/null
check_eq "even when another series or basis has a later revision of the same key" "1|16800000|final" \
    "$(q "SELECT revision || '|' || price_micro || '|' || status FROM price_index_latest('2026-01-01', 'H800', 'CNY')")"

# Per day, provisional (docs/investor.md, "Per day, provisional"): March
# drafted, not issued. alpha: H800 1 h on the 2nd and 2 h on the 3rd,
# 50.40, its voucher 15%: -7.56, net 42.84; beta: H800 1 h each day, 33.60
# (its shortfall is no GPU time). Each customer's money split over its
# days by GPU time: alpha net 42.84 x 1/3 = 14.28 and 28.56.
gpu_on() { # seq account model gpu_ms day
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"%sT02:00:00Z","end":"%sT03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$5"
}
{
    gpu_on 20 ns-alpha H800 3600000 2026-03-02
    gpu_on 21 ns-alpha H800 7200000 2026-03-03
    gpu_on 22 ns-beta H800 3600000 2026-03-02
    gpu_on 23 ns-beta H800 3600000 2026-03-03
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
DAY='day,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,status'
check_eq "per day, gross: the drafts' money by day, provisional" \
    "$DAY
2026-03-02,H800,CNY,2,2.000,33.60,16.800000,provisional
2026-03-03,H800,CNY,2,3.000,50.40,16.800000,provisional" \
    "$("$GM" report index --from 2026-03 --to 2026-03 --days --format csv 2>&1)"
check_eq "per day, net: alpha's 42.84 split 14.28 / 28.56, beta's 16.80 a day: 31.08 / 2 h and 45.36 / 3 h" \
    "2026-03-02,H800,CNY,2,2.000,31.08,15.540000,provisional
2026-03-03,H800,CNY,2,3.000,45.36,15.120000,provisional" \
    "$("$GM" report index --from 2026-03 --to 2026-03 --days --basis net --format csv | tail -n +2)"
check_eq "per day, as text: says provisional, by day" \
    "realised compute price index 2026-03 to 2026-03, per day, provisional: GPU-hours of the month's drafts and invoices that stand, by day, gross of vouchers and subsidies; published with at least 2 contracts
day model cur contracts GPU-hours amount per GPU-hour status" \
    "$("$GM" report index --from 2026-03 --to 2026-03 --days | head -2 | sed '2s/  */ /g')"
check_eq "per day, under the minimum: insufficient" \
    "2026-03-02,H800,CNY,2,-,-,insufficient,provisional" \
    "$(GPUMETER_INDEX_MIN_CONTRACTS=3 "$GM" report index --from 2026-03 --to 2026-03 --days --format csv | sed -n 2p)"
# A late hour of beta's on the 3rd, the drafts run again: the day moves.
# beta 3 h, 50.40: the 3rd: 28.56 + 33.60 = 62.16 net over 4 h = 15.540000.
gpu_on 24 ns-beta H800 3600000 2026-03-03 | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
check_eq "a day revised when the drafts are run again" \
    "2026-03-03,H800,CNY,2,4.000,62.16,15.540000,provisional" \
    "$("$GM" report index --from 2026-03 --to 2026-03 --days --basis net --format csv | tail -1)"
check_eq "JSON: the days, each provisional" '"days" "2026-03-03" "provisional"' \
    "$("$GM" report index --from 2026-03 --to 2026-03 --days --format json |
        jq -r '(keys_unsorted[5]), .days[1].day, .days[1].status | @json' | paste -sd' ')"
run_gm 2 "--days with another series" report index --from 2026-03 --to 2026-03 --days --series tokens
run_gm 2 "--days over two months" report index --from 2026-02 --to 2026-03 --days
run_gm 2 "--days with --revisions" report index --from 2026-03 --to 2026-03 --days --revisions

# GET /v1/index: the same parameters.
start_server "$TMP/serve.log" --threads 2 || { fail "start the API"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
KF=$("$GM" customer key create --finance 2>/dev/null)
out=$(api_get "$KF" "/v1/index?from=2026-01&to=2026-01&series=tokens&basis=net")
check_eq "GET /v1/index?series=tokens&basis=net: the CLI's JSON" \
    "200 $("$GM" report index --from 2026-01 --to 2026-01 --series tokens --basis net --format json | jq -c .)" \
    "${out%% *} $(jq -c . <<<"${out#* }")"
check_match "a bad series is a 400" '^400 ' "$(api_get "$KF" "/v1/index?from=2026-01&to=2026-01&series=energy")"
check_match "a bad basis is a 400" '^400 ' "$(api_get "$KF" "/v1/index?from=2026-01&to=2026-01&basis=after_tax")"
out=$(api_get "$KF" "/v1/index?from=2026-03&to=2026-03&days=true&basis=net")
check_eq "GET /v1/index?days=true: the CLI's JSON" \
    "200 $("$GM" report index --from 2026-03 --to 2026-03 --days --basis net --format json | jq -c .)" \
    "${out%% *} $(jq -c . <<<"${out#* }")"
check_match "days over two months is a 400" '^400 ' \
    "$(api_get "$KF" "/v1/index?from=2026-02&to=2026-03&days=true")"

# The console's price index page (tests/tools/console_index.mjs): alpha's
# and beta's March issued, the others' still drafts, so March's H800 is
# published (2 contracts) and provisional: gross (50.40 + 50.40) / 6 h =
# 16.800000, net (42.84 + 50.40) / 6 = 15.540000; published, a revision
# 0 beside January's. January to April, the GPU-hour series gross in
# English and Chinese, then the token series net chosen in the page's
# form: each chart draws the API's values (a gap where none is
# published, a provisional month marked), the tables the API's strings.
"$GM" invoice issue --period 2026-03 --customer alpha >/dev/null 2>&1 || fail "issue alpha's March"
"$GM" invoice issue --period 2026-03 --customer beta >/dev/null 2>&1 || fail "issue beta's March"
"$GM" index publish --period 2026-03 >/dev/null 2>&1 || fail "publish March"
# drive_index SHOTS WHAT: the page from January to April into $TMP/seen
# (read with seen NAME), the API's GPU-hour index gross into gross.json.
drive_index() {
    (cd "$TMP" && node "$ROOT/tests/tools/console_index.mjs" "$U/" "$KF" 2026-01 2026-04 "$1") \
        >"$TMP/seen" 2>"$TMP/drive.err"
    check_eq "the browser drove the price index page in both languages ($2)" 0 "$?"
    [ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
    api_get "$KF" "/v1/index?from=2026-01&to=2026-04" | cut -d' ' -f2- >"$TMP/gross.json"
}
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
drive_index "$SHOTS" "minimum 2"
api_get "$KF" "/v1/index?from=2026-01&to=2026-04&series=tokens&basis=net" | cut -d' ' -f2- >"$TMP/tokens.json"
for v in gpu_hours-gross:gross tokens-net:tokens; do
    for lang in en zh; do
        seen "chart.${v%%:*}.$lang" >"$TMP/chart.json"
        check_eq "the ${v%%:*} chart draws the API's index ($lang)" equal \
            "$(python3 "$ROOT/tests/tools/console_chart_check.py" index "$TMP/${v#*:}.json" "$TMP/chart.json" 2026-01 2026-04 "$lang")"
    done
done
check_eq "by hand: H20 in January only, H800 in January and March (provisional); February and April gaps" \
    '["2026-01","2026-02","2026-03","2026-04"] H20 [7.25,null,null,null] H800 [16.8,null,{"value":16.8,"symbol":"diamond","symbolSize":12},null]' \
    "$({ seen chart.gpu_hours-gross.en | jq -c '.x'; seen chart.gpu_hours-gross.en |
        jq -r '.series[] | "\(.name) \(.data | tojson)"'; } | paste -sd' ')"
check_eq "the axis says the unit, in both languages" "CNY per GPU-hour|CNY / GPU 时|CNY per million tokens" \
    "$(seen chart.gpu_hours-gross.en | jq -r .unit)|$(seen chart.gpu_hours-gross.zh | jq -r .unit)|$(seen chart.tokens-net.en | jq -r .unit)"
check_eq "the page's tab and title, in both languages" \
    "Price index|价格指数|Price index · GPU-hours · Gross|价格指数 · GPU 时 · 总额|价格指数 · 训练 Token · 扣除算力券与补贴" \
    "$(seen nav.gpu_hours-gross.en)|$(seen nav.gpu_hours-gross.zh)|$(seen title.gpu_hours-gross.en)|$(seen title.gpu_hours-gross.zh)|$(seen title.tokens-net.zh)"
check_eq "the table: the API's strings, March provisional" \
    "2026-01|H20|CNY|2|6.000|CN¥43.50|7.250000|final;2026-01|H800|CNY|3|21.000|CN¥352.80|16.800000|final;2026-03|H800|CNY|2|6.000|CN¥100.80|16.800000|provisional" \
    "$(seen rows.gpu_hours-gross.en)"
check_eq "in Chinese" "2026-03|H800|CNY|2|6.000|¥100.80|16.800000|暂定" \
    "$(seen rows.gpu_hours-gross.zh | cut -d';' -f3)"
check_eq "net of vouchers, tokens: January's 2.464286 (3,450.00 over 1,400 M)" \
    "2026-01|any size|CNY|2|1,400.000000|CN¥3,450.00|2.464286|final" "$(seen rows.tokens-net.en)"
check_eq "the revisions of the token series net: 0 and 1, as published" \
    "2026-01|any size|CNY|2|1,500.000000|CN¥3,750.00|2.500000|final|0;2026-01|any size|CNY|2|1,400.000000|CN¥3,450.00|2.464286|final|1" \
    "$(seen revisions.tokens-net.en | tr ';' '\n' | cut -d'|' -f1-9 | paste -sd';')"
check_eq "the GPU-hour revisions include March's first publication, provisional" \
    "2026-03|H800|CNY|2|6.000|CN¥100.80|16.800000|provisional|0" \
    "$(seen revisions.gpu_hours-gross.en | tr ';' '\n' | grep '^2026-03' | cut -d'|' -f1-9)"
check_eq "no page or console errors" 0 "$(seen errors)"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null

# With index.min_contracts = 3, H20's January (2 contracts) and H800's
# March (2) are withheld: gaps in the chart, never 0, "insufficient" in
# the table; H800's January (3) stays.
GPUMETER_INDEX_MIN_CONTRACTS=3 start_server "$TMP/serve3.log" --threads 2 || { fail "start the API with a minimum of 3"; finish; }
drive_index "$TMP" "minimum 3"
seen chart.gpu_hours-gross.en >"$TMP/chart.json"
check_eq "the chart draws the API's index with values withheld" equal \
    "$(python3 "$ROOT/tests/tools/console_chart_check.py" index "$TMP/gross.json" "$TMP/chart.json" 2026-01 2026-04)"
check_eq "by hand: a withheld month is a gap, not 0" "H20 [null,null,null,null] H800 [16.8,null,null,null]" \
    "$(seen chart.gpu_hours-gross.en | jq -r '.series[] | "\(.name) \(.data | tojson)"' | paste -sd' ')"
check_eq "the token series, every month withheld: no empty chart, the card says so (issue 39)" \
    "none: No month of this range has a value to draw: every one is withheld (fewer contracts than the minimum); the table below says so." \
    "$(seen chart.tokens-net.en)"
check_eq "and the table says insufficient, in both languages" \
    "2026-01|H20|CNY|2|-|-|insufficient|final 2026-01|H20|CNY|2|-|-|样本不足|终值" \
    "$(seen rows.gpu_hours-gross.en | cut -d';' -f1) $(seen rows.gpu_hours-gross.zh | cut -d';' -f1)"
check_eq "no page or console errors" 0 "$(seen errors)"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null

run_gm 2 "a bad --series" report index --from 2026-01 --to 2026-01 --series energy
run_gm 2 "a bad --basis" report index --from 2026-01 --to 2026-01 --basis after_tax
finish
