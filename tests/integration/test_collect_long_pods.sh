#!/bin/bash
# Valid Kubernetes pod names of any length are metered (issue 35 review):
# a 69-byte Kubeflow worker pod and a 253-byte one (the longest DNS
# subdomain Kubernetes allows) on two GPUs of a dcgm-exporter scrape reach
# usage_hourly through the spool, the broker and the rater, each pod whole
# as its job; a 254-byte pod is a bad line naming the label, the rest of the
# scrape still counts. A power series repeated with another value is a bad
# line and the first value is the one integrated. Label sets as the
# dcgm-exporter fixtures in tests/fixtures/ingest.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
map_accounts team-a
pod69=pytorchjob-llama3-70b-sft-lora-rank64-2026-11-30-worker-12-x7k2q-abcd
subdomain() { # n: a DNS subdomain of n bytes, labels of 63 joined by dots
    python3 -c "import sys; n=int(sys.argv[1]); print(''.join('.' if (i+1)%64==0 else chr(97+(i//64)%26) for i in range(n)))" "$1"
}
pod253=$(subdomain 253)
pod254=$(subdomain 254)
check_eq "the pod names are 69, 253 and 254 bytes" "69 253 254" \
    "${#pod69} ${#pod253} ${#pod254}"
line() { # gpu uuid pod watts
    echo "DCGM_FI_DEV_POWER_USAGE{gpu=\"$1\",UUID=\"$2\",device=\"nvidia$1\",modelName=\"NVIDIA H800\",Hostname=\"node1\",container=\"c\",namespace=\"team-a\",pod=\"$3\"} $4"
}
{
    line 0 GPU-aaaa "$pod69" 300.000000
    line 1 GPU-bbbb "$pod253" 200.000000
    line 2 GPU-cccc "$pod254" 100.000000
} >"$TMP/scrape.prom"

out=""
rc=0
for at in 2026-11-30T08:00:00Z 2026-11-30T08:01:00Z; do
    out=$(GPUMETER_QUIET=0 "$GM" collect dcgm --file "$TMP/scrape.prom" --at "$at" \
        --state-dir "$TMP/st" 2>&1) || rc=1
done
check_eq "collect dcgm exits 0 on both rounds (two GPUs meterable)" 0 "$rc"
check_match "the 254-byte pod is one bad line naming the label" \
    "scrape.prom:3: skipped: label pod is missing, too long or not printable" "$out"
check_match "the second round: 2 usage and 1 capacity event, 1 bad line" \
    " 3 events, 1 bad lines," "$out"

"$GM" rate --until-idle 2>>"$TMP/collect.log"
check_counters "rater: the 3 events of round 2 consumed and rated" "3 3 0 0"
got=$(q "SELECT string_agg(length(job) || ' ' || meter || ' ' || total, ', ' ORDER BY length(job), meter)
         FROM (SELECT job, meter, sum(quantity) AS total FROM usage_hourly
               WHERE account = 'team-a' GROUP BY job, meter) t")
check_eq "each long pod is rated 60 s and its energy, its job whole" \
    "69 energy_mj 18000000, 69 gpu_ms 60000, 253 energy_mj 12000000, 253 gpu_ms 60000" "$got"
check_eq "the jobs are the pod names, byte for byte" "$pod253 $pod69" \
    "$(q "SELECT string_agg(DISTINCT job COLLATE \"C\", ' ' ORDER BY job COLLATE \"C\") FROM usage_hourly")"

# a repeat of GPU-aaaa's power with another value: a bad line, 300 W stands
{
    line 0 GPU-aaaa infer-0 300.000000
    line 0 GPU-aaaa infer-0 999.000000
} >"$TMP/repeat.prom"
GPUMETER_QUIET=0 "$GM" collect dcgm --file "$TMP/repeat.prom" --at 2026-11-30T08:00:00Z \
    --state-dir "$TMP/rep" --stdout >/dev/null 2>&1
out=$(GPUMETER_QUIET=0 "$GM" collect dcgm --file "$TMP/repeat.prom" --at 2026-11-30T08:01:00Z \
    --state-dir "$TMP/rep" --stdout 2>&1)
check_match "the repeat with another value is a bad line saying so" \
    "repeat.prom:2: skipped: DCGM_FI_DEV_POWER_USAGE of GPU-aaaa repeated with another value" "$out"
check_match "the first value is integrated: 300 W x 60 s" \
    '"job":"infer-0",.*"gpu_ms":60000,"energy_mj":18000000}' "$out"
finish
