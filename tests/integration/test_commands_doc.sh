#!/bin/bash
# docs/commands.md's examples are what the commands do: each fenced block
# after an "<!-- example: NAME -->" marker is run on the hand-built month the
# page describes (its "events" block, produced and rated on a fresh database
# with the demo's seed) and the block's first line, "$ gpumeter ...", must
# print the rest of the block exactly: totals, CSV header, every line.
. "$(dirname "$0")/lib.sh"

DOC=$ROOT/docs/commands.md
# The fenced block after marker $1, without its fences.
block() {
    awk -v m="<!-- example: $1 -->" '$0 == m { on = 1; next }
        on == 1 && /^```/ { on = 2; next } on == 2 && /^```$/ { exit } on == 2 { print }' "$DOC"
}
fresh || { fail "set up database and topic"; finish; }

events=$(block events)
check_eq "the page holds the month's events" 2 "$(grep -c '^{' <<<"$events")"
while IFS= read -r e; do
    printf '%s\t%s\n' "$(jq -r .source <<<"$e")" "$e"
done <<<"$events" | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle >/dev/null 2>&1
check_eq "every event is rated, as the page says" "energy_mj=11111111111,gpu_ms=10801799,tokens=4567891" \
    "$(q "SELECT string_agg(meter || '=' || quantity, ',' ORDER BY meter) FROM usage_hourly")"

names=$(sed -n 's/^<!-- example: \(.*\) -->$/\1/p' "$DOC" | grep -v '^events$')
check_eq "the statement's examples are marked" "statement text
statement csv
statement json" "$names"
while IFS= read -r name; do
    b=$(block "$name")
    cmd=$(head -n 1 <<<"$b")
    case $cmd in
        '$ gpumeter '*) ;;
        *) fail "the $name example starts with a gpumeter command (got [$cmd])"; continue ;;
    esac
    read -r -a argv <<<"${cmd#\$ gpumeter }"
    check_eq "docs/commands.md's $name example is what \`${cmd#\$ }\` prints" \
        "$(tail -n +2 <<<"$b")" "$("$GM" "${argv[@]}" 2>&1)"
done <<<"$names"
# The CSV header, on its own, so that a changed column is named plainly.
check_eq "the CSV header in the docs is the command's" \
    "$("$GM" statement --customer gamma --period 2026-10 --format csv | head -n 1)" \
    "$(block "statement csv" | sed -n 2p)"
# The totals the page computes by hand in its prose.
check_match "the page's hand-computed totals are the statement's" \
    '"subtotal_minor":1370,.*"tax_minor":82,"total":"14.52","total_minor":1452,.*"due_minor":1452,"deposit_held":"0.00","deposit_held_minor":0,"prepaid_balance":"0.00","prepaid_balance_minor":0\}$' \
    "$("$GM" statement --customer gamma --period 2026-10 --format json)"
finish
