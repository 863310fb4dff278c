#!/bin/bash
# Late usage of an issued month, for several customers at once: each is
# rated again alone and billed on its next invoice as prior-period lines;
# a customer whose month can no longer be rated keeps its issued invoice as
# it stands (a warning, never a credit of everything it was billed).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
seq=0
gpu() { # account model start-iso gpu-hours
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" "$1" "$2" $(($4 * 3600000)) "$3" "$(date -u -d "$3 + 1 hour" +%Y-%m-%dT%H:%M:%SZ)" |
        kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
lines() { # customer period: its invoice's lines
    q "SELECT coalesce(string_agg(l.kind || '|' || coalesce(l.model, '') || '|' || l.quantity
                                  || '|' || l.amount, ' ' ORDER BY l.line_no), '')
       FROM invoice i JOIN customer c ON c.id = i.customer_id JOIN invoice_line l ON l.invoice_id = i.id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice'"
}
# January: alpha and beta each 10 H800 hours at 16.80, issued.
gpu ns-alpha H800 2026-01-10T02:00:00Z 10
gpu ns-beta H800 2026-01-10T02:00:00Z 10
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
check_eq "January issued for both" "2" \
    "$(q "SELECT count(*) FROM invoice WHERE status = 'issued' AND period = '2026-01-01'")"

# Late January usage: alpha 5 more H800 hours (84.00); beta 1 hour of an
# H100, which its plan does not price.
gpu ns-alpha H800 2026-01-20T02:00:00Z 5
gpu ns-beta H100 2026-01-20T02:00:00Z 1
"$GM" rate --until-idle 2>/dev/null
gpu ns-alpha H800 2026-02-03T02:00:00Z 1
gpu ns-beta H800 2026-02-03T02:00:00Z 1
"$GM" rate --until-idle 2>/dev/null
err=$("$GM" invoice run --period 2026-02 2>&1 >/dev/null)
check_eq "alpha's February: its own hour and January's late five" \
    "usage|H800|3600000|1680 prior_period|H800|18000000|8400" "$(lines alpha 2026-02)"
check_eq "beta's February: its own hour only, nothing credited" "usage|H800|3600000|1680" \
    "$(lines beta 2026-02)"
check_match "and a warning says why beta's January was not rated again" \
    'late usage of customer "beta" in 2026-01 cannot be rated again: .*H100' "$err"
check_eq "January's issued invoices stand" "17808 17808" \
    "$(q "SELECT string_agg(total::text, ' ' ORDER BY customer_id) FROM invoice
          WHERE period = '2026-01-01' AND kind = 'invoice'")"
# A statement for one customer sees the same prior-period line.
check_match "alpha's February statement shows the late hours" 'prior_period' \
    "$("$GM" statement --customer alpha --period 2026-02 --format csv 2>/dev/null)"
finish
