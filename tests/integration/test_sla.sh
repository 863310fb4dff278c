#!/bin/bash
# Issue 36's credits, first their input: a customer's availability under
# its contract's SLA (sla_device_days, schema 049) on hand-computed
# windows: only the devices "reserved" names, each window once, by the
# local day of its start in the contract's time zone, maintenance and
# customer-caused time excluded as the terms say, downtime the rest.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || fail "apply the site"
"$GM" maintenance apply /dev/stdin --actor ops >/dev/null <<'JSON' || fail "apply the maintenance"
{"maintenance": "lingang-2027", "effective_from": "2027-01-01",
 "windows": [{"site": "sh-lingang", "start": "2027-01-10T02:00:00+08:00", "end": "2027-01-10T06:00:00+08:00",
   "announced_at": "2026-12-01T10:00:00+08:00", "reason": "UPS replacement"}]}
JSON
SLA='"time_zone": "Asia/Shanghai", "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "gpu-node-07"}, {"site": "sh-lingang", "node": "gpu-node-07", "device": "GPU-a"}], "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}], "excludes": ["maintenance", "customer_caused"]}'
out=$(seed_contract_with alpha "$SLA")
check_match "a contract reserving node gpu-node-07" "alpha-2026 version 2026-01-01" "$out"

h() { # seq node device start minutes state reasons
    q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                                  end_at, window_ms, state, reasons)
       VALUES ('c1', $1, 'sh-a', 'sh-lingang', '$2', '$3', 'H800', 'nvidia', '$4',
               '$4'::timestamptz + interval '$5 minutes', $5 * 60000, '$6', '$7')" >/dev/null
}
h 1 gpu-node-07 GPU-a 2027-01-05T00:00:00Z 60 up '{}'
h 2 gpu-node-07 GPU-a 2027-01-09T19:00:00Z 60 down '{xid:79}'            # in the announced window
h 3 gpu-node-07 GPU-a 2027-01-12T00:00:00Z 30 degraded '{xid:13}'        # the application's
h 4 gpu-node-07 GPU-a 2027-01-12T00:30:00Z 30 down '{xid:13,xid:79}'     # not only the application's
h 5 gpu-node-07 GPU-b 2027-01-31T20:00:00Z 60 down '{scrape_failed}'     # 1 Feb in Shanghai
h 6 gpu-node-07 GPU-b 2026-12-31T16:00:00Z 120 up '{}'                   # 1 Jan in Shanghai
h 7 gpu-node-08 GPU-c 2027-01-05T00:00:00Z 60 down '{xid:79}'            # not reserved
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
