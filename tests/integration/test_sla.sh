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

# Two sources reporting one device (dcgm and nvidia-smi on one node): one
# source per device and month counts, the one that metered it longest,
# so GPU-a's time is never metered twice. Source c0 reports half an hour
# of GPU-a down on 5 Jan, over c1's hour up: c1's 3 hours win, and
# January is as before. Then c0 reports GPU-b's January for 3 hours
# (more than c1's 2): c0's windows count for GPU-b, c1's do not.
q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                              end_at, window_ms, state, reasons)
   VALUES ('c0', 1, 'sh-a', 'sh-lingang', 'gpu-node-07', 'GPU-a', 'H800', 'nvidia',
           '2027-01-05T00:00:00Z', '2027-01-05T00:30:00Z', 1800000, 'down', '{scrape_failed}')" >/dev/null
check_eq "a second source's shorter report of GPU-a changes nothing" "GPU-a|10800000|1800000
GPU-b|7200000|0" \
    "$(q "SELECT device, sum(metered_ms), sum(downtime_ms) FROM sla_device_days(
              (SELECT id FROM customer WHERE code = 'alpha'), '2027-01-01', $CC)
          GROUP BY device ORDER BY device")"
q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                              end_at, window_ms, state, reasons)
   VALUES ('c0', 2, 'sh-a', 'sh-lingang', 'gpu-node-07', 'GPU-b', 'H800', 'nvidia',
           '2027-01-02T00:00:00Z', '2027-01-02T03:00:00Z', 10800000, 'down', '{scrape_failed}')" >/dev/null
check_eq "a second source that metered GPU-b longer counts instead of the first" "GPU-a|10800000|1800000
GPU-b|10800000|10800000" \
    "$(q "SELECT device, sum(metered_ms), sum(downtime_ms) FROM sla_device_days(
              (SELECT id FROM customer WHERE code = 'alpha'), '2027-01-01', $CC)
          GROUP BY device ORDER BY device")"
q "DELETE FROM device_health WHERE source = 'c0'" >/dev/null

# A device is reserved to one customer at a time: beta may not reserve the
# site alpha's node is at, nor a device of that node; another node is its
# own. Refused whole, by path, naming whose reservation it overlaps.
beta_sla() { # reserved-json -> contract apply's output
    seed_contract_with beta "\"time_zone\": \"Asia/Shanghai\", \"sla\": {\"measured\": \"reserved\", \"reserved\": $1, \"target\": \"99\", \"tiers\": [{\"below\": \"99\", \"credit\": \"10\"}]}"
}
out=$(beta_sla '[{"site": "sh-lingang", "node": "gpu-node-08"}, {"site": "sh-lingang"}]')
check_match "beta reserving alpha's site: refused at the entry that overlaps" \
    '\$\.sla\.reserved\[1\]: overlaps sh-lingang/gpu-node-07, reserved to customer "alpha" by contract alpha-2026 version 2026-01-01: a device is reserved to one customer at a time' "$out"
check_eq "and not at the entry that does not" "" "$(grep -F 'reserved[0]' <<<"$out")"
check_eq "nothing stored: beta has no sla" "f" \
    "$(q "SELECT document ? 'sla' FROM document WHERE kind = 'contract' AND code = 'beta-2026'")"
out=$(beta_sla '[{"site": "sh-lingang", "node": "gpu-node-07", "device": "GPU-z"}]')
check_match "a device of alpha's node: refused" 'reserved\[0\]: overlaps sh-lingang/gpu-node-07, reserved to customer "alpha"' "$out"
out=$(beta_sla '[{"site": "sh-lingang", "node": "gpu-node-08"}]')
check_match "another node: beta's own" "beta-2026 version 2026-01-01: replaced" "$out"
check_eq "beta's month measures gpu-node-08 only (GPU-c's hour down)" "GPU-c|3600000|3600000" \
    "$(q "SELECT device, sum(metered_ms), sum(downtime_ms) FROM sla_device_days(
              (SELECT id FROM customer WHERE code = 'beta'), '2027-01-01', $CC) GROUP BY device")"
finish
