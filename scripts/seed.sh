#!/bin/bash
# The demo's customers, plans and contracts, applied through gpumeter itself
# (documents in scripts/seed/). Used by make demo, the integration tests and
# the benchmarks. Usage: seed.sh GPUMETER_BINARY
set -euo pipefail
GM=$1
SEED=$(dirname "$0")/seed
# Taxpayer numbers in the 18-character form of a 统一社会信用代码, made up.
"$GM" customer add alpha --name "Alpha AI Ltd" --tax-id 91310115MA1H8XKP3N >/dev/null
"$GM" customer add beta --name "Beta Robotics Co" --tax-id 91440300MA5G2R7T4B >/dev/null
"$GM" customer add gamma --name "Gamma LLM Lab" --tax-id 91110108MA01W6DQ8K >/dev/null
for doc in plan-gpu-standard plan-token-training; do
    "$GM" plan apply "$SEED/$doc.json" >/dev/null
done
for doc in contract-alpha contract-beta contract-gamma; do
    "$GM" contract apply "$SEED/$doc.json" >/dev/null
done
