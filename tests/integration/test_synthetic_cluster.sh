#!/bin/bash
# The demo's generator (collect synthetic, ingest/synthetic.c) simulates
# the Chinese mixed cluster of issue 35: H800, H20, Ascend 910B, Hygon
# K100_AI and a HAMi-shared H20 node whose hours are split by stated core
# shares through ingest/device.c's one rule. Checked on its printed events
# (no services): the cluster's models and vendors, totals one row per model
# however many pools have it (two H20 pools), each HAMi tenant's GPU-ms the
# hour x its share, the shares of an hour within the node and equal to its
# capacity's allocation, tokens trained on NVIDIA and domestic chips, and
# every total equal to the events' sums, in +08:00 and in a half-hour offset.
. "$(dirname "$0")/lib.sh"

# Events and totals of one month: name offset
generate() {
    "$GM" collect synthetic --month 2026-10 --seed 2026 --print --utc-offset "$2" \
        --totals "$TMP/$1-totals.csv" --capacity --capacity-totals "$TMP/$1-capacity.csv" \
        >"$TMP/$1.jsonl" 2>"$TMP/$1.log"
}
# What the events say, one line per question (tests/tools-free: python3).
summarise() { # name
    python3 - "$TMP/$1.jsonl" "$TMP/$1-totals.csv" "$TMP/$1-capacity.csv" <<'PY'
import collections, csv, json, sys
from datetime import datetime
def ms(t): return int(datetime.fromisoformat(t.replace('Z', '+00:00')).timestamp() * 1000)
events = [json.loads(l) for l in open(sys.argv[1])]
use = [e for e in events if e.get('kind') != 'capacity']
cap = [e for e in events if e.get('kind') == 'capacity']
print('models', ' '.join(sorted({e['model'] + '/' + e['vendor'] for e in use if 'gpu_ms' in e})))
print('nodes', len({e['node'] for e in cap}), ' '.join(sorted({e['node'] for e in cap})))
rows = list(csv.DictReader(open(sys.argv[2])))
keys = collections.Counter((r['account'], r['meter'], r['model']) for r in rows)
print('total rows per key', max(keys.values()))
summed = collections.Counter()
for e in use:
    for m in ('gpu_ms', 'energy_mj', 'tokens'):
        if m in e: summed[(e['account'], m, '' if m == 'tokens' else e['model'])] += e[m]
print('totals differing from the events', sum(1 for r in rows
      if summed[(r['account'], r['meter'], r['model'])] != int(r['quantity'])) + len(set(summed) - set(keys)))
print('capacity models', ' '.join(r['model'] for r in csv.DictReader(open(sys.argv[3]))))
hami = [e for e in use if e['source'].endswith('/h20-hami-node0') and 'gpu_ms' in e]
print('hami shares', ' '.join(str(s) for s in sorted({e['gpu_ms'] * 100 / (ms(e['end']) - ms(e['start'])) for e in hami})))
by_hour = collections.defaultdict(list)
for e in hami: by_hour[e['start']].append(e)
alloc = {e['start']: e['allocated_ms'] for e in cap if e['node'] == 'h20-hami-node0'}
print('hami hours with several tenants', sum(1 for v in by_hour.values() if len(v) > 1) > 0)
print('hami hours whose tenants differ from the allocation',
      sum(1 for h, v in by_hour.items() if sum(e['gpu_ms'] for e in v) != alloc.get(h)) +
      sum(1 for h, a in alloc.items() if a and h not in by_hour))
print('hami hours over the node', sum(1 for h, v in by_hour.items()
      if sum(e['gpu_ms'] for e in v) > 8 * (ms(v[0]['end']) - ms(v[0]['start']))))
node_of = {}
for e in use:
    if 'tokens' in e: node_of[e['source'].rsplit('/', 1)[1].rsplit('-node', 1)[0]] = 1
print('tokens from', ' '.join(sorted(node_of)))
PY
}

generate cn +08:00 || fail "collect synthetic in +08:00: expected exit 0, got a failure ($(tail -n 1 "$TMP/cn.log"))"
out=$(summarise cn)
line() { grep "^$1" <<<"$out" | sed "s/^$1 //"; }
check_eq "the cluster: H800, H20, Ascend 910B, Hygon K100_AI, each under the catalogue's vendor" \
    "Ascend910B/huawei DCUK100AI/hygon H20/nvidia H800/nvidia" "$(line models)"
check_eq "twelve nodes, one of them the HAMi node" \
    "12 910b-node0 910b-node1 910b-node2 h20-hami-node0 h20-node0 h20-node1 h800-node0 h800-node1 h800-node2 h800-node3 k100ai-node0 k100ai-node1" \
    "$(line nodes)"
check_eq "totals: one row per account, meter and model (the whole and the shared H20s in one)" \
    1 "$(line "total rows per key")"
check_eq "every total is the sum of its events" 0 "$(line "totals differing from the events")"
check_eq "capacity totals: one row per model" "H800 H20 Ascend910B DCUK100AI" "$(line "capacity models")"
check_eq "each HAMi tenant's GPU-ms is the hour x its stated core share" \
    "10.0 20.0 25.0 30.0 50.0" "$(line "hami shares")"
check_eq "HAMi's GPUs are shared: hours with several tenants" True "$(line "hami hours with several tenants")"
check_eq "each HAMi hour's tenants sum to the node's allocation, the rest stranded" \
    0 "$(line "hami hours whose tenants differ from the allocation")"
check_eq "and never above the node's hour" 0 "$(line "hami hours over the node")"
check_eq "training reports tokens on NVIDIA and domestic chips, shared GPUs too" \
    "910b h20 h20-hami h800 k100ai" "$(line "tokens from")"

# A billing zone half an hour off the UTC hours: the HAMi hours still
# follow the UTC grid, clamped to the month, and every total still holds.
generate in +05:30 || fail "collect synthetic in +05:30: expected exit 0, got a failure ($(tail -n 1 "$TMP/in.log"))"
out=$(summarise in)
check_eq "+05:30: every total is the sum of its events" 0 "$(line "totals differing from the events")"
check_eq "+05:30: each HAMi hour's tenants sum to the node's allocation" \
    0 "$(line "hami hours whose tenants differ from the allocation")"
check_eq "+05:30: totals one row per key" 1 "$(line "total rows per key")"
finish
