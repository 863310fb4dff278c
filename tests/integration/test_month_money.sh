#!/bin/bash
# A month's money counted once everywhere (issue 32, deliverable 4): a
# hand-computed January with two customers, one invoice voided with its
# credit note and invoiced again with late usage, then late usage billed as
# a prior-period line in February. The finance view's totals (GET
# /v1/finance/month) and FOCUS hold to the figures below to the fen; issued
# less credited is net, and net is the invoices that stand.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
seq=0
h800() { # account start-iso end-iso gpu-hours (alpha's and beta's seed plan: H800 16.80, tax 6%)
    seq=$((seq + 1))
    printf 'm\t{"v":1,"source":"m","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" "$1" $(($4 * 3600000)) "$2" "$3" | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
    "$GM" rate --until-idle 2>/dev/null
}
KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" --threads 2 || { fail "the server starts"; finish; }
# The month's totals as "line:currency:count=total_minor", in the API's order.
totals() { # YYYY-MM
    curl -sf -H "Authorization: Bearer $KF" "$U/v1/finance/month?period=$1" |
        jq -r '[.totals[] | "\(.line):\(.currency):\(.count)=\(.total_minor)"] | join(",")'
}
# FOCUS's BilledCost summed over the month, to the fen (focus_sums sums each invoice exactly).
focus_total() { # YYYY-MM
    "$GM" export focus --period "$1" --output "$TMP/focus-$1.csv" 2>/dev/null
    focus_sums "$TMP/focus-$1.csv" | python3 -c '
import sys
from decimal import Decimal
print(sum((Decimal(l.split()[1]) for l in sys.stdin if not l.startswith("rows ")), Decimal("0.00")))'
}

# alpha 10 h: 168.00 + 10.08 tax = 178.08; beta 25 h: 420.00 + 25.20 = 445.20.
h800 ns-alpha 2026-01-10T02:00:00Z 2026-01-10T03:00:00Z 10
h800 ns-beta 2026-01-12T02:00:00Z 2026-01-12T03:00:00Z 25
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
alpha1=$(q "SELECT number FROM invoice i JOIN customer c ON c.id = i.customer_id WHERE c.code = 'alpha'")
check_eq "January issued: gross = net = 178.08 + 445.20" \
    "draft:CNY:0=0,issued:CNY:2=62328,credited:CNY:0=0,net:CNY:2=62328" "$(totals 2026-01)"

# 5 more alpha hours of January arrive late; alpha's invoice is voided (its
# credit note -178.08) and January invoiced again: 15 h = 252.00 + 15.12 = 267.12.
h800 ns-alpha 2026-01-20T02:00:00Z 2026-01-20T03:00:00Z 5
"$GM" invoice void "$alpha1" --reason "late usage" >/dev/null 2>&1
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
check_eq "voided, its credit note issued, alpha's new draft not issued yet" \
    "draft:CNY:1=26712,issued:CNY:2=62328,credited:CNY:1=-17808,net:CNY:1=44520" "$(totals 2026-01)"
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
# gross 178.08 + 445.20 + 267.12 = 890.40; credited -178.08; net 445.20 + 267.12 = 712.32.
check_eq "the reversal counted once: issued 890.40 - credited 178.08 = net 712.32" \
    "draft:CNY:0=0,issued:CNY:3=89040,credited:CNY:1=-17808,net:CNY:2=71232" "$(totals 2026-01)"
check_eq "net is the invoices that stand" 71232 \
    "$(q "SELECT sum(total) FROM invoice WHERE period = '2026-01-01' AND kind = 'invoice' AND status = 'issued'")"
check_eq "FOCUS bills January's net to the fen" 712.32 "$(focus_total 2026-01)"

# 5 hours of January later still: February's prior-period line, 84.00 + 5.04
# = 89.04, counted in February only; January's figures stay.
h800 ns-alpha 2026-01-25T02:00:00Z 2026-01-25T03:00:00Z 5
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
check_eq "February's invoice is the late line" "prior_period|8400|8904" \
    "$(q "SELECT l.kind || '|' || l.amount || '|' || i.total FROM invoice i
          JOIN invoice_line l ON l.invoice_id = i.id WHERE i.period = '2026-02-01'")"
check_eq "February's totals: the late line once" \
    "draft:CNY:0=0,issued:CNY:1=8904,credited:CNY:0=0,net:CNY:1=8904" "$(totals 2026-02)"
check_eq "January's totals unchanged" \
    "draft:CNY:0=0,issued:CNY:3=89040,credited:CNY:1=-17808,net:CNY:2=71232" "$(totals 2026-01)"
check_eq "FOCUS bills February's late line once" 89.04 "$(focus_total 2026-02)"
check_eq "a month with no invoices has no totals" "" "$(totals 2026-03)"

kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server ran clean" "$TMP/serve.log"
finish
