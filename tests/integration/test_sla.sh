#!/bin/bash
# Issue 36's credits, first their input: a customer's availability under
# its contract's SLA (sla_device_days, schema 049) on hand-computed
# windows: only the devices "reserved" names, each window once, by the
# local day of its start in the contract's time zone, maintenance and
# customer-caused time excluded as the terms say, downtime the rest.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
sla_alpha_fixture
CC="'{xid:13,xid:31,xid:43,xid:45,xid:68}'"
check_eq "January's reserved device-days, hand-computed" \
"2027-01-01|GPU-b|7200000|7200000|0|0|0|0|0
2027-01-05|GPU-a|3600000|3600000|0|0|0|0|0
2027-01-10|GPU-a|3600000|0|0|3600000|3600000|0|0
2027-01-12|GPU-a|3600000|0|1800000|1800000|0|1800000|1800000" \
    "$(q "SELECT day, device, metered_ms, up_ms, degraded_ms, down_ms, maintenance_ms, customer_ms,
                 downtime_ms
          FROM sla_device_days((SELECT id FROM customer WHERE code = 'alpha'), '2027-01-01', $CC)
          ORDER BY day, device")"
check_eq "February holds the window of 1 Feb in Shanghai" "2027-02-01|GPU-b|3600000|3600000" \
    "$(q "SELECT day, device, metered_ms, downtime_ms
          FROM sla_device_days((SELECT id FROM customer WHERE code = 'alpha'), '2027-02-01', $CC)")"
check_eq "a customer without an sla has no rows" "0" \
    "$(q "SELECT count(*) FROM sla_device_days((SELECT id FROM customer WHERE code = 'beta'), '2027-01-01', $CC)")"
finish
