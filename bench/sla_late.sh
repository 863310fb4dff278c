#!/bin/bash
# Late health's cost (docs/availability.md, "Late health"): N customers
# (default 1,000), each with an SLA on a node of its own (one H800), 100
# GPU-hours in October and 10 in November, every device's October and
# November health as daily windows (N x 61 rows; one in ten devices down
# on 15 October: 96.7741%, a 10% credit); October invoiced and issued. Then November's `invoice run`, timed with the
# release binary: (a) with no late health, (b) after one late down window
# of October for LATE customers (default 100: each gets one adjustment),
# (c) a rerun of (b) with nothing new. Not part of `make bench`: run it
# by hand with the services up (bash bench/sla_late.sh [N] [LATE]).
. "$(dirname "$0")/../tests/integration/lib.sh"
N=${1:-1000} LATE=${2:-100}
REL=$ROOT/build/gpumeter
fresh || { echo "bench: set up database and topic" >&2; exit 1; }
"$GM" site apply "$ROOT/scripts/seed/site-sh-lingang.json" >/dev/null || exit 1
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "bench: $* failed" >&2
    t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'; }

for i in $(seq -f %04g 1 "$N"); do
    "$REL" customer add "s$i" --name "SLA $i" >/dev/null || exit 1
    printf '{"contract": "s%s-2026", "customer": "s%s", "effective_from": "2026-01-01",
      "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06", "time_zone": "Asia/Shanghai",
      "sla": {"measured": "reserved", "reserved": [{"site": "sh-lingang", "node": "n%s"}],
              "target": "99.5", "tiers": [{"below": "99.5", "credit": "10"}, {"below": "95", "credit": "30"}]},
      "accounts": [{"account": "ns-s%s"}]}' "$i" "$i" "$i" "$i" >"$TMP/c.json"
    "$REL" contract apply "$TMP/c.json" >/dev/null || exit 1
done
seq=0
for i in $(seq -f %04g 1 "$N"); do
    for at in 2026-10-10T02:00:00Z 2026-11-02T02:00:00Z; do
        seq=$((seq + 1))
        printf 'l\t{"v":1,"source":"l","seq":%d,"account":"ns-s%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
            "$seq" "$i" $((seq % 2 ? 360000000 : 36000000)) "$at" "$(date -u -d "$at + 1 hour" +%FT%TZ)"
    done
done >"$TMP/usage.txt"
kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t' -l "$TMP/usage.txt"
"$REL" rate --until-idle >/dev/null 2>&1
q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                              end_at, window_ms, state, reasons)
   SELECT 'h', row_number() OVER (), 'sh-b', 'sh-lingang', 'n' || lpad(d::text, 4, '0'), 'GPU-0',
          'H800', 'nvidia', t, t + interval '1 day', 86400000,
          CASE WHEN d % 10 = 0 AND t = '2026-10-14T16:00:00Z' THEN 'down' ELSE 'up' END,
          CASE WHEN d % 10 = 0 AND t = '2026-10-14T16:00:00Z' THEN '{xid:79}' ELSE '{}' END::text[]
   FROM generate_series(1, $N) d,
        generate_series('2026-09-30T16:00:00Z'::timestamptz, '2026-11-29T16:00:00Z', '1 day') t" >/dev/null
q "ANALYZE" >/dev/null
echo "customers $N, health rows $(q "SELECT count(*) FROM device_health"), usage rows $(q "SELECT count(*) FROM usage_hourly")"
echo "October invoice run: $(seconds "$REL" invoice run --period 2026-10) s"
echo "October issue: $(seconds "$REL" invoice issue --period 2026-10) s"
echo "October: $(q "SELECT count(*) FROM invoice WHERE period = '2026-10-01' AND status = 'issued'") issued, $(q "SELECT count(*) FROM invoice_line WHERE kind = 'sla_credit'") credits"
echo "(a) November invoice run, no late health: $(seconds "$REL" invoice run --period 2026-11) s"
echo "    again: $(seconds "$REL" invoice run --period 2026-11) s"
# BASELINE: a binary built without sla_late_load, to time what looking for
# candidates costs when there are none (the same refresh as "again")
[ -z "${BASELINE:-}" ] ||
    echo "(0) the same by $BASELINE: $(seconds "$BASELINE" invoice run --period 2026-11) s"
q "INSERT INTO device_health (source, seq, cluster, site, node, device, model, vendor, start_at,
                              end_at, window_ms, state, reasons)
   SELECT 'late', d, 'sh-b', 'sh-lingang', 'n' || lpad(d::text, 4, '0'), 'GPU-0', 'H800', 'nvidia',
          '2026-10-20T00:00:00Z', '2026-10-20T10:00:00Z', 36000000, 'down', '{xid:79}'
   FROM generate_series(1, $N, $N / $LATE) d" >/dev/null
echo "(b) November invoice run, late October health for $LATE customers: $(seconds "$REL" invoice run --period 2026-11) s"
echo "    adjustments: $(q "SELECT count(*) FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                              WHERE i.period = '2026-11-01' AND l.kind = 'sla_credit' AND l.adjusts = '2026-10-01'"),
    October evidence rows on November's drafts: $(q "SELECT count(*) FROM invoice_sla_evidence e JOIN invoice i ON i.id = e.invoice_id
                              WHERE i.period = '2026-11-01' AND e.month = '2026-10-01'")"
echo "(c) rerun: $(seconds "$REL" invoice run --period 2026-11) s"
