#!/bin/bash
# The money commands' inputs a reviewer broke (issue 32): every --actor,
# --note and --reason is printable UTF-8 of 1 to N characters (code points,
# not bytes), never blank; audit.actor / GPUMETER_ACTOR follow the same rule
# at start; an option given twice is refused; --amount and --line are plain
# decimals, parsed whole before the invoice is read; NUMBER has the series'
# shape before any query; a refused fapiao record and an all-zero fapiao
# number exit 2; a NUL inside a query value is 400. Each refusal exits 2
# (or 400) naming the flag and the value, and writes nothing.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
printf 'c\t{"v":1,"source":"c","seq":1,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-01-10T02:00:00Z","end":"2026-01-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
rate_and_issue 2026-01
INV=INV-2026-000001
DAY=$(issued_on "$INV")
check_eq "January is issued" "issued" "$(q "SELECT status FROM invoice WHERE number = '$INV'")"

state() { q "SELECT (SELECT count(*) FROM audit_log) || ' ' || (SELECT count(*) FROM invoice) || ' ' ||
                    (SELECT count(*) FROM customer) || ' ' ||
                    (SELECT coalesce(fapiao_number, '-') FROM invoice WHERE number = '$INV')"; }
BEFORE=$(state)
refused() { # name pattern args...: exit 2, the message, nothing written
    local name=$1 pattern=$2 out rc
    shift 2
    out=$("$GM" "$@" 2>&1)
    rc=$?
    check_eq "$name: exit 2" 2 "$rc"
    check_match "$name: says why" "$pattern" "$out"
    check_eq "$name: nothing written" "$BEFORE" "$(state)"
}

# --actor, the same rule everywhere (6).
refused "an empty --actor (credit)" '--actor is empty' invoice credit "$INV" --amount 1 --reason 04 --actor ''
refused "a bidi --actor (void)" '--actor contains a bidirectional formatting character' \
    invoice void "$INV" --reason x --actor $'ev\u202eil'
refused "a newline in --actor (customer add)" '--actor contains a control character' \
    customer add newco --name New --actor $'a\nb'
refused "a 5000-character --actor (customer update)" '--actor is 5000 characters long; at most 64' \
    customer update alpha --tax-id 91310000MA1FL0000X --actor "$(printf 'a%.0s' $(seq 5000))"
refused "--actor of bad bytes (fapiao)" '--actor is not valid UTF-8' \
    invoice fapiao "$INV" --number 26312000000012345678 --date "$DAY" --actor $'\xff'
refused "a blank --actor (issue)" '--actor is blank' invoice issue --period 2026-01 --actor '   '
out=$(GPUMETER_ACTOR=$'ev\u202eil' "$GM" invoice show "$INV" 2>&1)
check_eq "a bidi GPUMETER_ACTOR: refused at start (exit 2)" 2 "$?"
check_match "and says which and why" 'GPUMETER_ACTOR' "$out"
check_match "and what is wrong" 'audit.actor contains a bidirectional formatting character' "$out"
printf 'audit.actor = %s\n' "$(printf 'x%.0s' $(seq 65))" >"$TMP/actor.conf"
out=$(GPUMETER_CONFIG=$TMP/actor.conf "$GM" invoice show "$INV" 2>&1)
check_eq "a 65-character audit.actor in the file: refused at start (exit 2)" 2 "$?"
check_match "and says why" 'audit.actor is too long' "$out"

# --note and --reason: code points, never blank (8).
refused "an empty --note" '--note is empty' invoice credit "$INV" --amount 1 --reason 04 --note ''
refused "a --note of a space" '--note is blank' invoice credit "$INV" --amount 1 --reason 04 --note ' '
refused "a --note of a zero-width space" '--note is blank' invoice credit "$INV" --amount 1 --reason 04 --note $'\u200b'
refused "a 257-character CJK --note" '--note is 257 characters long; at most 256' \
    invoice credit "$INV" --amount 1 --reason 04 --note "$(printf '字%.0s' $(seq 257))"
refused "a blank void --reason" '--reason is blank' invoice void "$INV" --reason $'\u3000'

# A repeated option (9).
refused "--reason twice" 'option "--reason" is given more than once' \
    invoice credit "$INV" --amount 1 --reason 04 --reason 02
refused "--note twice" 'option "--note" is given more than once' \
    invoice credit "$INV" --amount 1 --reason 04 --note x --note=y
refused "--period twice (invoice run)" 'option "--period" is given more than once' \
    invoice run --period 2026-01 --period 2026-02

# Lenient numbers (10): the value is named, nothing is read first.
re() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; } # a value as a regex
for a in "1." ".5" "00000000000000000001.00" "+1" "1e1" " 1" "１"; do
    refused "--amount \"$a\"" "--amount \"$(re "$a")\" is not a plain decimal" invoice credit "$INV" --amount "$a" --reason 04
done
refused "an --amount past int64" '"9223372036854775807" is larger than any amount' \
    invoice credit "$INV" --amount 9223372036854775807 --reason 04
for l in " 1:0.5" "01:0.5" "1,,2" "1:1e1" "" "," "1:+0.5" "1:１" "1:1:1" "1::1" "1:.5"; do
    refused "--line \"$l\"" "--line \"$(re "$l")\": .* is not a" invoice credit "$INV" --line "$l" --reason 02
done

# NUMBER's shape before any query (11).
for cmd in "credit --amount 1 --reason 04" "void --reason x" "fapiao --number 26312000000012345678 --date $DAY" "show --format text"; do
    # shellcheck disable=SC2086
    refused "invoice ${cmd%% *} of bad bytes" 'NUMBER "INV\\xff" is not an invoice or credit note number' \
        invoice ${cmd%% *} $'INV\xff' ${cmd#* }
done
refused "invoice show of a number past its series" 'NUMBER "INV-2026-1" is not an invoice' invoice show INV-2026-1

# fapiao (12): an all-zero sequence; a refused record is exit 2.
refused "an all-zero fapiao number" 'its last 15 \(the sequence\) not all zeros' \
    invoice fapiao "$INV" --number 00000000000000000000 --date "$DAY"
"$GM" invoice fapiao "$INV" --number 26312000000012345678 --date "$DAY" --actor "Zhang San" >/dev/null 2>&1
check_eq "a fapiao with --actor \"Zhang San\" is recorded" "Zhang San" \
    "$(q "SELECT actor FROM audit_log WHERE action = 'fapiao'")"
BEFORE=$(state)
refused "a second fapiao number" "already has fapiao 26312000000012345678" \
    invoice fapiao "$INV" --number 26312000000099999999 --date "$DAY"

# Valid inputs still work: a 256-character CJK note, an actor with a space.
note=$(printf '字%.0s' $(seq 256))
"$GM" invoice credit "$INV" --amount 1 --reason 04 --note "$note" --actor "Zhang San" >/dev/null 2>&1
check_eq "a 256-character CJK note and --actor \"Zhang San\" are taken" "0 256 Zhang San" \
    "$? $(q "SELECT char_length(credit_reason) FROM invoice WHERE kind = 'credit_note'") $(q "SELECT actor FROM audit_log WHERE action = 'credit'")"

# A NUL inside a query value (13).
KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" --threads 1 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
get() { curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $KF" "$U$1"; echo " $(cat "$TMP/body")"; }
# GET /v1/invoices (7, in part): the credit above is in credited and remaining,
# the figures of invoice show's JSON (178.08 - 1.06 = 177.02).
check_eq "invoice show: credited and remaining" "-1.06 177.02" \
    "$("$GM" invoice show "$INV" --format json | jq -r '"\(.credited) \(.remaining)"')"
check_eq "GET /v1/invoices lists the same for the invoice, none for its credit note" \
    "CN-2026-000001 null null|$INV -1.06 177.02" \
    "$(get "/v1/invoices?customer=alpha" | sed 's/^200 //' |
        jq -r '[.invoices[] | "\(.number) \(.credited) \(.remaining)"] | join("|")')"
check_match "period=2026-01 is 200" '^200 ' "$(get "/v1/finance/audit?period=2026-01")"
check_match "period=2026-01%00 is 400 naming it" '^400 .*parameter \\"period\\" contains a NUL byte' \
    "$(get "/v1/finance/audit?period=2026-01%00")"
check_match "customer=alpha%00x on /v1/usage is 400" '^400 .*\\"customer\\" contains a NUL' \
    "$(get "/v1/usage?from=2026-01-01&to=2026-01-31&customer=alpha%00x")"
check_match "$INV is 200 by its number" '^200 ' "$(get "/v1/invoices/$INV")"
check_match "$INV%00x in the path is 400, not read as $INV" '^400 .*the path contains a NUL byte' "$(get "/v1/invoices/$INV%00x")"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server ran clean" "$TMP/serve.log"
finish
