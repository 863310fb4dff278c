#!/bin/bash
# FOCUS exports on the real broker and database: `gpumeter export focus` and
# GET /v1/focus write the month's issued invoices as FOCUS 1.0 rows that the
# FinOps Foundation's own validator accepts; BilledCost sums to each
# invoice's total; a prior-period line is a Correction charged to the month
# it corrects; a customer key sees only its own rows.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
echo "invoice.seller = 上海临港算力科技有限公司" >>"$GPUMETER_CONFIG"
seq=0
h800() { # account start-iso end-iso gpu-hours
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" "$1" $(($4 * 3600000)) "$2" "$3" | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
field() { # csv row-number column -> value (csv-aware)
    python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
print(rows[int(sys.argv[2])][sys.argv[3]])' "$@"
}
# January: alpha 10 H800 hours (168.00 + 10.08), beta 2 (33.60 + 2.02);
# issued. Then 5 late January hours of alpha's: February carries them as a
# prior-period line (84.00 + 5.04).
h800 ns-alpha 2026-01-10T02:00:00Z 2026-01-10T03:00:00Z 10
h800 ns-beta 2026-01-10T02:00:00Z 2026-01-10T03:00:00Z 2
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1 && "$GM" invoice issue --period 2026-01 >/dev/null 2>&1
h800 ns-alpha 2026-01-20T02:00:00Z 2026-01-20T03:00:00Z 5
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-02 >/dev/null 2>&1 && "$GM" invoice issue --period 2026-02 >/dev/null 2>&1

"$GM" export focus --period 2026-01 --output "$TMP/jan.csv"
check_eq "export focus writes the month" 0 "$?"
check_match "focus-validator 1.0 accepts it" "Validation succeeded" "$(focus_validate "$TMP/jan.csv")"
check_eq "BilledCost sums to each issued invoice's total, a row per line and per tax" \
    "$(invoice_sums 2026-01-01)" "$(focus_sums "$TMP/jan.csv")"
check_eq "rows: alpha's line and tax, beta's line and tax" \
    "alpha Usage 168.00|alpha Tax 10.08|beta Usage 33.60|beta Tax 2.02" \
    "$(python3 -c 'import csv, sys
print("|".join(r["BillingAccountId"] + " " + r["ChargeCategory"] + " " + r["BilledCost"]
               for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))))' "$TMP/jan.csv")"
check_eq "the usage row's quantity, unit and price" "10 GPU-Hours 16.8 gpu_ms-H800 36000000 GPU-ms" \
    "$(for c in PricingQuantity PricingUnit ContractedUnitPrice SkuId x_Quantity x_QuantityUnit; do field "$TMP/jan.csv" 0 $c; done | tr '\n' ' ' | sed 's/ $//')"
check_eq "the billing period is the contract's local month, in UTC" \
    "2025-12-31T16:00:00Z 2026-01-31T16:00:00Z" \
    "$(field "$TMP/jan.csv" 0 BillingPeriodStart) $(field "$TMP/jan.csv" 0 BillingPeriodEnd)"
check_eq "the provider is the seller" "上海临港算力科技有限公司" "$(field "$TMP/jan.csv" 0 Provider)"
check_eq "the description is for people" "GPU time · NVIDIA H800" "$(field "$TMP/jan.csv" 0 ChargeDescription)"

"$GM" export focus --period 2026-02 --customer alpha --output "$TMP/feb.csv"
check_match "February validates" "Validation succeeded" "$(focus_validate "$TMP/feb.csv")"
check_eq "and sums to alpha's invoice" "$(invoice_sums 2026-02-01 alpha)" "$(focus_sums "$TMP/feb.csv")"
check_eq "the late January hours are a Correction charged to January" \
    "Usage Correction 84.00 2025-12-31T16:00:00Z 2026-01-31T16:00:00Z 2026-01-31T16:00:00Z 2026-01" \
    "$(for c in ChargeCategory ChargeClass BilledCost ChargePeriodStart ChargePeriodEnd BillingPeriodStart x_Adjusts; do field "$TMP/feb.csv" 0 $c; done | tr '\n' ' ' | sed 's/ $//')"
"$GM" export focus --period 2026-13 >/dev/null 2>&1
check_eq "a bad month is a usage error" 2 "$?"
"$GM" export focus --period 2026-01 --customer 'Alpha;' >/dev/null 2>&1
check_eq "and a bad customer code" 2 "$?"
check_eq "a month without issued invoices is the header alone" 1 \
    "$("$GM" export focus --period 2026-03 | wc -l)"

# The API: the same rows; a customer key only its own.
KA=$("$GM" customer key create alpha 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" --threads 4 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
curl -s -H "Authorization: Bearer $KF" "$U/v1/focus?period=2026-01" -o "$TMP/api-all.csv"
check_eq "a finance key gets every customer's rows, the same as the CLI" "" \
    "$(diff "$TMP/jan.csv" "$TMP/api-all.csv" 2>&1)"
curl -s -D "$TMP/h" -H "Authorization: Bearer $KA" "$U/v1/focus?period=2026-01" -o "$TMP/api-a.csv"
check_match "as CSV" "Content-Type: text/csv" "$(cat "$TMP/h")"
"$GM" export focus --period 2026-01 --customer alpha --output "$TMP/jan-a.csv"
check_eq "a customer key gets its own rows, the same as the CLI for it" "" \
    "$(diff "$TMP/jan-a.csv" "$TMP/api-a.csv" 2>&1)"
check_eq "and none of another's" 0 "$(grep -c ',beta,' "$TMP/api-a.csv")"
check_eq "asking for another's is forbidden" 403 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$U/v1/focus?period=2026-01&customer=beta")"
check_eq "a bad period is a bad request" 400 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$U/v1/focus?period=2026-1")"
check_eq "no key, no rows" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/focus?period=2026-01")"
# Many clients at once get what one gets alone.
for i in $(seq 1 16); do
    key=$KF
    [ $((i % 2)) -eq 0 ] && key=$KA
    curl -s -H "Authorization: Bearer $key" "$U/v1/focus?period=2026-01" -o "$TMP/par-$i.csv" &
done
wait_curls() { for job in $(jobs -p); do [ "$job" = "$SERVER" ] || wait "$job"; done; }
wait_curls
same=0
for i in $(seq 1 16); do
    want=$TMP/api-all.csv
    [ $((i % 2)) -eq 0 ] && want=$TMP/api-a.csv
    cmp -s "$want" "$TMP/par-$i.csv" && same=$((same + 1))
done
check_eq "16 concurrent requests answer as the serial ones did" 16 "$same"
kill $SERVER 2>/dev/null
wait $SERVER 2>/dev/null
sanitizer_clean "the server reported no sanitizer error" "$TMP/serve.log"
finish
