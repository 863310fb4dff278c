#!/bin/bash
# Whose usage is it, one rule (account_window, schema 029; issue 33): for
# every customer of the demo month (scripts/seed.sh and the generator, as
# make demo builds it), the API's usage (GET /v1/usage with the customer's
# own key) equals its invoice's line quantities, meter by meter and model
# by model; and so after an account changes hands mid-month (ns-alpha from
# alpha to beta on the 16th): alpha's invoice and API usage stop on the
# 15th, beta's take it from the 16th, and the two halves sum to the
# account's month.
. "$(dirname "$0")/lib.sh"

PERIOD=2026-10
fresh || { fail "set up database and topic"; finish; }
"$GM" collect synthetic --month "$PERIOD" --seed 2026 --totals "$TMP/totals.csv" >/dev/null 2>&1
"$GM" rate --until-idle 2>/dev/null
"$GM" contract apply "$ROOT/scripts/seed/contract-beta-with-delta.json" --actor test >/dev/null 2>&1
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period "$PERIOD" >/dev/null 2>&1 || fail "invoice run for $PERIOD"

start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
declare -A KEY
customers=$(q "SELECT code FROM customer ORDER BY code")
for c in $customers; do KEY[$c]=$("$GM" customer key create "$c" 2>/dev/null); done

# The API's usage of customer $1 from $2 to $3 (days) by month and model,
# as "meter model quantity" lines, sorted (tokens have no model).
api_usage() { # customer from to [grain]
    curl -s -H "Authorization: Bearer ${KEY[$1]}" \
        "$U/v1/usage?from=$2&to=$3&group_by=${4:-month},model&page_size=1000" |
        python3 -c 'import json, sys
rows = {}
for r in json.load(sys.stdin)["rows"]:
    k = (r["meter"], r.get("model", ""))
    rows[k] = rows.get(k, 0) + r["quantity"]
for (m, model), q in sorted(rows.items()):
    print(m, model or "-", q)'
}
# Customer $1's invoice quantities of the period by meter and model, and
# the API's of the same meters: GPU time billed in whole seconds (the demo
# plans' increment), rounded up once per line; tokens by meter (the
# invoice's model column names the bracket).
invoice_usage() { # customer
    q "SELECT meter || ' ' || model || ' ' || sum(quantity) FROM (SELECT l.meter,
              CASE WHEN l.meter = 'tokens' THEN '-' ELSE l.model END AS model, l.quantity
       FROM invoice i JOIN customer c ON c.id = i.customer_id
       JOIN invoice_line l ON l.invoice_id = i.id
       WHERE c.code = '$1' AND i.period = '$PERIOD-01' AND i.kind = 'invoice'
         AND i.status = 'draft' AND l.kind = 'usage') x GROUP BY meter, model ORDER BY 1"
}
billed_as_invoiced() { # customer -> the API's figures of the invoice's meters, billed
    local meters
    meters=$(invoice_usage "$1" | awk '{ print $1 }' | sort -u | xargs)
    api_usage "$1" "$PERIOD-01" "$PERIOD-31" |
        awk -v meters=" $meters " 'index(meters, " " $1 " ") {
            q = $3; if ($1 == "gpu_ms") q = int((q + 999) / 1000) * 1000
            printf "%s %s %.0f\n", $1, $2, q }'
}
for c in $customers; do
    inv=$(invoice_usage "$c")
    [ -n "$inv" ] || fail "$c has usage lines on its $PERIOD invoice"
    check_eq "$c: the API's usage of $PERIOD equals its invoice's quantities" "$inv" \
        "$(billed_as_invoiced "$c")"
done

# ns-alpha changes hands: alpha's until the 15th, beta's from the 16th
# (the contracts' accounts[].until / from, local days in Asia/Shanghai).
sed 's/{ "account": "ns-alpha" }/{ "account": "ns-alpha", "until": "2026-10-15" }/' \
    "$ROOT/scripts/seed/contract-alpha.json" >"$TMP/alpha.json"
sed 's/{ "account": "ns-delta" }/{ "account": "ns-delta" }, { "account": "ns-alpha", "from": "2026-10-16" }/' \
    "$ROOT/scripts/seed/contract-beta-with-delta.json" >"$TMP/beta.json"
"$GM" contract apply "$TMP/alpha.json" --actor test >/dev/null 2>&1 &&
    "$GM" contract apply "$TMP/beta.json" --actor test >/dev/null 2>&1 ||
    fail "the hand-over contracts apply"
"$GM" invoice run --period "$PERIOD" >/dev/null 2>&1 || fail "invoice run after the hand-over"
for c in alpha beta; do
    check_eq "after the hand-over, $c: the API's usage equals its invoice's quantities" \
        "$(invoice_usage "$c")" "$(billed_as_invoiced "$c")"
done
# GPU time of accounts in local days [from, to) of Asia/Shanghai, by model,
# straight from the rated hours (independent of the windows).
hours() { # accounts-regex from to
    q "SELECT 'gpu_ms ' || model || ' ' || sum(quantity) FROM usage_hourly
       WHERE account ~ '$1' AND meter = 'gpu_ms'
         AND hour >= '$2'::timestamp AT TIME ZONE 'Asia/Shanghai'
         AND hour < '$3'::timestamp AT TIME ZONE 'Asia/Shanghai' GROUP BY model ORDER BY 1"
}
gpu() { grep '^gpu_ms '; }
check_eq "alpha's usage stops on the 15th: its API shows ns-alpha's 1st to 15th" \
    "$(hours '^ns-alpha$' 2026-10-01 2026-10-16)" \
    "$(api_usage alpha "$PERIOD-01" "$PERIOD-31" | gpu)"
check_eq "and no day after the 15th" "" \
    "$(curl -s -H "Authorization: Bearer ${KEY[alpha]}" \
        "$U/v1/usage?from=$PERIOD-01&to=$PERIOD-31&group_by=day&page_size=1000" |
        grep -o '"time":"[0-9-]*"' | cut -d'"' -f4 | awk '$0 > "2026-10-15"')"
check_eq "beta's takes ns-alpha from the 16th, beside its own accounts' month" \
    "$(q "SELECT 'gpu_ms ' || model || ' ' || sum(quantity) FROM usage_hourly
          WHERE meter = 'gpu_ms' AND ((account IN ('ns-beta', 'ns-delta')
                 AND hour >= '2026-10-01'::timestamp AT TIME ZONE 'Asia/Shanghai')
              OR (account = 'ns-alpha' AND hour >= '2026-10-16'::timestamp AT TIME ZONE 'Asia/Shanghai'))
            AND hour < '2026-11-01'::timestamp AT TIME ZONE 'Asia/Shanghai'
          GROUP BY model ORDER BY 1")" \
    "$(api_usage beta "$PERIOD-01" "$PERIOD-31" | gpu)"
check_eq "beta's API shows none of ns-alpha's first half" \
    "$(hours '^ns-(beta|delta)$' 2026-10-01 2026-10-16)" \
    "$(api_usage beta "$PERIOD-01" "$PERIOD-15" | gpu)"
check_eq "the two halves sum to the accounts' month" \
    "$(hours '^ns-(alpha|beta|delta)$' 2026-10-01 2026-11-01)" \
    "$( (api_usage alpha "$PERIOD-01" "$PERIOD-31"; api_usage beta "$PERIOD-01" "$PERIOD-31") | gpu |
        awk '{ s[$2] += $3 } END { for (m in s) printf "gpu_ms %s %.0f\n", m, s[m] }' | sort)"
sanitizer_clean "the server ran clean" "$TMP/serve.log"
finish
