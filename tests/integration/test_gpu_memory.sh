#!/bin/bash
# The meter added through the registry (core/meter.h), end to end: two real
# dcgm-exporter scrapes (tests/fixtures/real/dcgm/t4-ericsson-590*, 5120 MiB
# of framebuffer used) -> collector -> Kafka -> rater -> usage_hourly ->
# invoice under a plan that prices gpu_mem_gib_hours -> PDF text, etax and
# FOCUS exports; a plan version without that price bills none of it.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6TEST
fapiao.tax_code = 3040203000000000000
fapiao.tax_code.gpu_mem_gib_ms = 3040205000000000000
CONF
C=$ROOT/tests/fixtures/real/dcgm

map_accounts team-t4
cat >"$TMP/plan.json" <<'JSON'
{"plan": "gpu-standard", "name": "GPU memory by the GiB-hour", "currency": "CNY",
 "effective_from": "2026-10-01", "gpu_mem_gib_hours": {"unit_price": "12.34"}}
JSON
"$GM" plan apply "$TMP/plan.json" >/dev/null
check_eq "a plan pricing only GPU memory is valid" 0 "$?"
# 30 minutes between the scrapes: 5120 MiB x 1,800,000 ms / 1024 =
# 9,000,000 GiB-ms = 2.5 GiB-hours.
for at in 2026-10-05T00:00:00Z 2026-10-05T00:30:00Z; do
    "$GM" collect dcgm --file "$C/t4-ericsson-590.prom" --at "$at" --state-dir "$TMP/st" \
        --max-gap 3600 --cluster c1 --site s1 --account-map "$ROOT/tests/fixtures/real/corpus.map" \
        >/dev/null 2>&1 || fail "collect dcgm at $at"
done
"$GM" rate --until-idle 2>/dev/null
check_eq "rated: GPU memory held, exact in GiB-ms" "gpu_mem_gib_ms|Tesla T4|9000000" \
    "$(q "SELECT string_agg(meter || '|' || model || '|' || quantity, ' ')
          FROM usage_hourly WHERE meter = 'gpu_mem_gib_ms'")"
"$GM" invoice run --period 2026-10 --customer alpha >/dev/null 2>&1
check_eq "the invoice run succeeds" 0 "$?"
# 2.5 GiB-hours x 12.34 = 30.85; tax 6% 1.851 -> 1.85; total 32.70.
check_eq "the GPU memory line, to the fen" "gpu_mem_gib_ms|Tesla T4|9000000|3085" \
    "$(q "SELECT string_agg(meter || '|' || model || '|' || quantity || '|' || amount, ' ')
          FROM invoice_line WHERE kind = 'usage'")"
check_eq "subtotal, tax and total" "3085 185 3270" \
    "$(q "SELECT subtotal || ' ' || tax || ' ' || total FROM invoice")"
"$GM" invoice issue --period 2026-10 >/dev/null 2>&1
"$GM" invoice show INV-2026-000001 --format pdf --output "$TMP/oct.pdf" >/dev/null 2>&1
text=$(pdftotext -layout "$TMP/oct.pdf" - 2>/dev/null)
check_match "the PDF names the service in Chinese and English" "显存.*Tesla T4" "$text"
check_match "the PDF line: 2.5 at 12.34 is 30.85" "显存 · Tesla T4 +2\.5 +12\.34 +30\.85" "$text"
check_match "the PDF labels the unit GiB时 GiB-hours" "GiB时 GiB-hours" "$text"
# The text invoice: the longest meter code keeps its line's columns in line
# (the meter column is as wide as the registry's longest code), so the
# header, the GPU memory line and the total end in the same column.
txt=$("$GM" invoice show INV-2026-000001 --format text 2>/dev/null)
check_eq "the text invoice's header, GPU memory line, total and due (before its currency) end in one column" \
    "same same same" \
    "$(awk '/^# +meter/ { h = length($0) } /gpu_mem_gib_ms/ { m = length($0) }
            /^ +total / { t = length($0) } /due from customer/ { d = length($0) - 4 }
            END { print (m == h ? "same" : "header " h " line " m), (t == h ? "same" : "header " h " total " t),
                        (d == h ? "same" : "header " h " due " d) }' <<<"$txt")"
"$GM" export etax --period 2026-10 --output "$TMP/etax.xlsx" >/dev/null 2>&1
cells=$(python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/etax.xlsx" 2>/dev/null)
check_match "the etax row: the meter's tax code, unit GiB时, quantity 2.5" \
    "3040205000000000000.*GiB时.*2\.5" "$(echo "$cells" | tr '\n' ' ')"
"$GM" export focus --period 2026-10 --output "$TMP/focus.csv" >/dev/null 2>&1
check_eq "the FOCUS row: service, category, quantity, unit and base units" \
    "GPU memory|Compute|2.5|GiB-Hours|2.5|GiB-Hours|9000000|GiB-ms" \
    "$(python3 -c 'import csv, sys
r = next(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
print("|".join(r[c] for c in ("ServiceName", "ServiceCategory", "PricingQuantity", "PricingUnit",
                              "ConsumedQuantity", "ConsumedUnit", "x_Quantity", "x_QuantityUnit")))' "$TMP/focus.csv")"

# The console names meters from the API's registry (GET /v1/meters), never
# from words of its own: alpha's October shows a GPU memory row in both
# languages.
KA=$("$GM" customer key create alpha 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
meters=$(curl -s -H "Authorization: Bearer $KA" "$U/v1/meters")
check_eq "GET /v1/meters is the registry, all four meters with their names and units in both languages" \
    'gpu_ms|gpu_hours|gpu_hours|GPU-ms|GPU-hour|3600000|卡时|GPU-hours|GPU 时长|GPU time
tokens|tokens|million_tokens|token|million tokens|1000000|百万Token|million tokens|训练 Token|Training tokens
energy_mj|energy_kwh|kwh|mJ|kWh|3600000000|千瓦时|kWh|电力|Energy
gpu_mem_gib_ms|gpu_mem_gib_hours|gpu_mem_gib_hours|GiB-ms|GiB-hour|3600000|GiB时|GiB-hours|显存|GPU memory' \
    "$(jq -r '.meters[] | [.code, .doc, .readable, .base_unit, .price_unit, .per_price, .label_zh, .label_en, .name_zh, .name_en] | join("|")' <<<"$meters")"
check_eq "and the database's meter table (what SQL joins on) has the same rows" \
    "$(q "SELECT string_agg(code || '|' || base_unit || '|' || price_unit || '|' || units_per_price, ' ' ORDER BY code) FROM meter")" \
    "$(jq -r '[.meters[] | [.code, .base_unit, .price_unit, .per_price] | join("|")] | sort | join(" ")' <<<"$meters")"
check_eq "without a key it is 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/meters")"
# the usage API's month rows, each in its meter's readable field: what the card must show
usage=$(curl -s -H "Authorization: Bearer $KA" "$U/v1/usage?from=2026-10-01&to=2026-10-31&group_by=month")
check_eq "alpha's October usage holds 2.5 GiB-hours of GPU memory" "2.500000" \
    "$(jq -r '.rows[] | select(.meter == "gpu_mem_gib_ms") | .gpu_mem_gib_hours' <<<"$usage")"
(cd "$TMP" && node "$ROOT/tests/tools/console_usage.mjs" "$U/" 2026-10 "$KA") >"$TMP/seen" 2>"$TMP/drive.err"
check_eq "the browser drove the customer page in both languages" 0 "$?"
[ -s "$TMP/drive.err" ] && sed 's/^/# drive: /' "$TMP/drive.err" | head -20
seen() { sed -n "s/^$1 //p" "$TMP/seen"; }
# every meter the month has, in the registry's order, named as the registry names it
want() { jq -r --argjson m "$meters" --arg lang "$1" '[$m.meters[] as $x | .rows[] | select(.meter == $x.code)
    | "\(.meter)|\($x["name_" + $lang])|\(.[$x.readable]) \($x["label_" + $lang])"] | join(";")' <<<"$usage"; }
check_match "the English usage card has a GPU memory row in GiB-hours" '(^|;)gpu_mem_gib_ms\|GPU memory\|2\.500000 GiB-hours(;|$)' "$(seen usage.en)"
check_eq "a row for every meter of the month, each with the registry's English name and label" "$(want en)" "$(seen usage.en)"
check_match "the Chinese usage card has it as 显存 in GiB时" '(^|;)gpu_mem_gib_ms\|显存\|2\.500000 GiB时(;|$)' "$(seen usage.zh)"
check_eq "a row for every meter of the month, each with the registry's Chinese name and label" "$(want zh)" "$(seen usage.zh)"
check_eq "its statement line's quantity in the registry's English label" "2.500000 GiB-hours" "$(seen statement.en)"
check_eq "and in its Chinese label" "2.500000 GiB时" "$(seen statement.zh)"
check_eq "no error in the page" 0 "$(seen errors)"
kill "$SERVER" 2>/dev/null

# November: a plan version without a GPU memory price bills none of it.
cat >"$TMP/plan-nov.json" <<'JSON'
{"plan": "gpu-standard", "name": "GPU-hours only", "currency": "CNY", "effective_from": "2026-11-01",
 "gpu_hours": {"prices": [{"model": "H800", "unit_price": "16.80"}]}}
JSON
"$GM" plan apply "$TMP/plan-nov.json" >/dev/null
# 10 H800 GPU-hours holding 80 GiB: 288,000,000,000 GiB-ms unbilled.
printf 'p\t{"v":1,"source":"p","seq":1,"account":"team-t4","cluster":"c","site":"s","model":"H800","vendor":"nvidia","start":"2026-11-05T05:00:00Z","end":"2026-11-05T06:00:00Z","gpu_ms":36000000,"gpu_mem_gib_ms":288000000000}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-11 --customer alpha >/dev/null 2>&1
check_eq "the November run succeeds" 0 "$?"
check_eq "without a GPU memory price only GPU time is billed: 10 x 16.80" \
    "gpu_ms|36000000|16800 gpu_mem_gib_ms|288000000000" \
    "$(q "SELECT (SELECT string_agg(l.meter || '|' || l.quantity || '|' || l.amount, ' ')
                  FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                  WHERE l.kind = 'usage' AND i.period = '2026-11-01') || ' ' ||
                 (SELECT string_agg(meter || '|' || quantity, ' ') FROM usage_hourly
                  WHERE meter = 'gpu_mem_gib_ms' AND hour >= '2026-11-01')")"
finish
