#!/bin/bash
# The demo's customers, plans and contracts, applied through gpumeter itself
# (documents in scripts/seed/). Used by make demo, the integration tests and
# the benchmarks. Usage: seed.sh GPUMETER_BINARY
set -euo pipefail
GM=$1
SEED=$(dirname "$0")/seed
"$GM" customer add alpha --name "Alpha AI Ltd" >/dev/null
"$GM" customer add beta --name "Beta Robotics Co" >/dev/null
"$GM" customer add gamma --name "Gamma LLM Lab" >/dev/null
for doc in plan-gpu-standard plan-token-training; do
    "$GM" plan apply "$SEED/$doc.json" >/dev/null
done
for doc in contract-alpha contract-beta contract-gamma; do
    "$GM" contract apply "$SEED/$doc.json" >/dev/null
done
