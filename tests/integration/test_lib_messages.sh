#!/bin/bash
# The helpers of lib.sh say what was expected and what came, in words
# (docs/testing.md#failure-messages): each is run failing in a subshell
# and its "not ok" line compared with the words it must carry. Needs no
# service.
. "$(dirname "$0")/lib.sh"

said() { # command...: the line a failing check prints
    ("$@") | sed -n 's/^not ok - //p'
}
counters() { echo "4 4 0 1"; } # as the rater's counters would read

check_eq "check_eq names both values" \
    "the usage is rated: expected [5], got [4]" "$(said check_eq "the usage is rated" 5 4)"
check_eq "and says nothing came when nothing did" \
    "a page: expected [x], got nothing" "$(said check_eq "a page" x "")"
check_eq "check_fields labels each value and names those that differ" \
    "April: expected subtotal 100000, tax 6000, total 106000, claimed 0, due 106000; got subtotal 100000, tax 6001, total 106001, claimed 0, due 106001 (differ: tax, total, due)" \
    "$(said check_fields "April" "$INVOICE_FIELDS" "100000 6000 106000 0 106000" "100000 6001 106001 0 106001")"
check_eq "and a value missing on one side" \
    "two: expected a 1, b 2; got a 1, b (none) (differ: b)" "$(said check_fields two "a b" "1 2" "1")"
check_eq "check_counters names the rater's counters" \
    "rated: expected consumed 5, accepted (rated+parked) 5, duplicates 0, dead letters 0; got consumed 4, accepted (rated+parked) 4, duplicates 0, dead letters 1 (differ: consumed, accepted (rated+parked), dead letters)" \
    "$(said check_counters rated "5 5 0 0")"
check_eq "check_at_most gives the bound and the figure with their unit" \
    "memory: expected at most 63 MiB more, got 80 MiB more" "$(said check_at_most memory 63 80 "MiB more")"
check_eq "check_match gives the pattern and the text" \
    "a line: expected text matching /^ok/, got [no]" "$(said check_match "a line" '^ok' no)"
check_eq "a passing check prints ok" "ok - same" "$(check_eq same "a b" "a b")"
finish
