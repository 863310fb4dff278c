#!/bin/bash
# The price index's minimum of contributing contracts counts buyers, not
# contract codes (docs/investor.md, "Minimum contributing contracts"): a
# customer renewed under a new contract code whose late usage of the old
# month is billed on the new contract's invoice (a prior_period line) is one
# buyer of that month, counted once. Counted by code, January's H20 of
# alpha and beta alone showed 3 contracts and was published: beta read
# alpha's hours and price off it.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
premium_delta || { fail "set up delta"; finish; }

event() { # seq account model gpu_ms month
    printf 'c\t{"v":1,"source":"c","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "$1" "$2" "$3" "$4" "$5" "$5"
}
{
    event 1 ns-alpha H800 36000000 01
    event 2 ns-alpha H20 7200000 01
    event 3 ns-beta H800 18000000 01
    event 4 ns-beta H20 14400000 01
    event 5 ns-delta H800 10800000 01
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-01
HEAD='month,model,currency,contracts,gpu_hours,amount,price_per_gpu_hour,status'
check_eq "January's H20: alpha and beta, withheld" "$HEAD
2026-01,H20,CNY,2,-,-,insufficient,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H20 --format csv 2>&1)"

# alpha renewed from February as alpha-2026b; an hour of its January H20
# arrives late and is billed on February's invoice of alpha-2026b.
sed -e 's/"alpha-2026"/"alpha-2026b"/' -e 's/2026-01-01/2026-02-01/' \
    "$ROOT/scripts/seed/contract-alpha.json" >"$TMP/alpha-b.json"
run_gm 0 "alpha renewed under a new code" contract apply "$TMP/alpha-b.json"
event 6 ns-alpha H20 3600000 01 | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-02
check_eq "the late hour: a prior_period line of alpha-2026b adjusting January" \
    "alpha-2026b prior_period 3600000 725 2026-01" \
    "$(q "SELECT i.contract || ' ' || l.kind || ' ' || l.quantity || ' ' || l.amount || ' ' ||
                 to_char(l.adjusts, 'YYYY-MM')
          FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id
          WHERE i.period = '2026-02-01' AND l.model = 'H20'")"
check_eq "January's H20 is still two buyers: withheld (counted by code: 3, published)" "$HEAD
2026-01,H20,CNY,2,-,-,insufficient,final" \
    "$("$GM" report index --from 2026-01 --to 2026-01 --model H20 --format csv 2>&1)"
check_eq "and published so: 2 contracts, no value" "2 0" \
    "$("$GM" index publish --period 2026-01 >/dev/null 2>&1
       q "SELECT contracts || ' ' || count(price_micro) FROM price_index_publication
          WHERE month = '2026-01-01' AND model = 'H20' AND series = 'gpu_hours' AND basis = 'gross'
          GROUP BY contracts")"
finish
