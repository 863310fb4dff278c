#!/bin/bash
# The console's operator and a customer's keys and downloads (issue 39),
# in Debian's headless Chromium (tests/tools/console_roles.mjs, one browser):
# the operator signs in, sees only its pages (operator, fleet) with the
# API's own figures, and gets no invoice page or data; a customer makes a
# read-only key on its Keys page (curl reads with it), revokes it there
# (curl now 401), and downloads a month's invoice PDF and usage CSV equal
# to the API's bytes; key creation through the session without the CSRF
# token, or from another origin, is refused and makes nothing.
# Screenshots in both languages go to build/console/roles-*.png.
. "$(dirname "$0")/lib.sh"

PERIOD=2026-10
SHOTS=$ROOT/build/console
mkdir -p "$SHOTS"
fresh || { fail "set up database and topic"; finish; }
capacity() { # node model seq hour allocated_ms
    printf 'dcgm/c1/%s\t{"v":1,"kind":"capacity","source":"dcgm/c1/%s","seq":%s,"cluster":"c1","site":"sh-lingang","node":"%s","model":"%s","vendor":"nvidia","start":"2026-10-05T%s:00:00Z","end":"2026-10-05T%s:00:00Z","devices":8,"allocated_ms":%s,"idle_energy_mj":0}\n' \
        "$1" "$1" "$3" "$1" "$2" "$4" "$(printf '%02d' $((10#$4 + 1)))" "$5"
}
usage() { # seq account hour gpu-hours
    printf 'trainer/n1\t{"v":1,"source":"trainer/n1","seq":%s,"account":"%s","cluster":"c1","site":"sh-lingang","model":"H800","vendor":"nvidia","job":"train-1","start":"2026-10-05T%s:00:00Z","end":"2026-10-05T%s:00:00Z","gpu_ms":%s,"energy_mj":0}\n' \
        "$1" "$2" "$3" "$(printf '%02d' $((10#$3 + 1)))" $(($4 * 3600000))
}
{
    capacity n1 H800 1 02 25200000
    capacity n1 H800 2 03 3600000
    capacity n2 A800 1 02 0
    usage 1 ns-alpha 02 7
    usage 2 ns-alpha 03 1
    usage 3 ns-beta 02 2
} | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle >/dev/null 2>&1
"$GM" invoice run --period "$PERIOD" >/dev/null 2>&1 && "$GM" invoice issue --period "$PERIOD" >/dev/null 2>&1
inv=$(q "SELECT i.number FROM invoice i JOIN customer c ON c.id = i.customer_id
         WHERE c.code = 'alpha' AND i.status = 'issued'")
check_match "alpha's October is issued" '^INV-' "$inv"
KC=$("$GM" customer key create alpha --label "alpha's portal" 2>/dev/null)
KO=$("$GM" customer key create --operator 2>/dev/null)

start_server "$TMP/serve.log" --threads 2 || { fail "the server starts"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
curl -s -H "Authorization: Bearer $KO" "$U/v1/operator/yield?period=$PERIOD" >"$TMP/yield.json"
curl -s -H "Authorization: Bearer $KO" "$U/v1/operator/capacity?from=$PERIOD-01&to=$PERIOD-31&by=day" >"$TMP/capacity.json"
curl -s -H "Authorization: Bearer $KO" "$U/v1/operator/contracts?from=$PERIOD&horizon=6" >"$TMP/contracts.json"
check_match "the operator's month has capacity to show" '"model":"H800"' "$(cat "$TMP/capacity.json")"

(cd "$TMP" && node "$ROOT/tests/tools/console_roles.mjs" "$U/" "$KO" "$KC" "$PERIOD" "$SHOTS" "$TMP") \
    >"$TMP/drive.out" 2>"$TMP/drive.err"
check_eq "the browser run ends well" 0 "$?"
sed 's/^/# /' "$TMP/drive.err" | head -20
got() { sed -n "s/^$1 //p" "$TMP/drive.out"; }

# ---- the operator ----
check_eq "the operator's tabs are its own pages only" "operator fleet" "$(got nav)"
yield_api=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(";".join("|".join([r["model"], r["installed_gpu_hours"], r["allocated_gpu_hours"], r["utilisation_pct"], r["revenue"], r["margin"]]) for r in d["rows"]))' "$TMP/yield.json")
check_match "the yield has rows" 'H800' "$yield_api"
check_eq "the yield table holds the API's figures" "$yield_api" "$(got yield)"
check_eq "a model without installed GPUs shows its utilisation as '-', not NaN" "-;-" "$(got noinstalled)"
check_eq "idle fragments per model are the API's days summed, to the millisecond" \
    "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); m = {}
for r in d["rows"]:
    w, s = m.get(r["model"], (0, 0)); m[r["model"]] = (w + r["idle_whole_8gpu_ms"], s + r["idle_stranded_ms"])
print(";".join(f"{k}|{w}|{s}" for k, (w, s) in sorted(m.items())))' "$TMP/capacity.json")" "$(got fragments)"
check_eq "the contract calendar holds the API's months" \
    "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(";".join("|".join(str(m[k]) for k in ("month", "contracts", "gpu_hours")) for m in d["months"]))' "$TMP/contracts.json")" "$(got calendar)"
check_eq "its fleet page shows no customer's credits" "all" "$(got fleetcredits)"
check_eq "an invoice page is not the operator's: it lands on its home" "operator" "$(got customerpage)"
check_eq "and the session reads no invoice, statement or receivable (403 each)" "403 403 403 403" "$(got operatorapi)"

# ---- the customer's keys ----
KR=$(got newkey)
check_match "a read-only key is made and shown once" '^gmk_[0-9a-f]{12}_[0-9a-f]{64}$' "$KR"
check_eq "curl reads with it (before the revocation)" 200 "$(got curlbefore)"
check_eq "it is alpha's, read-only, revoked now, audited twice" "alpha|t|t|2" \
    "$(q "SELECT c.code, k.read_only, k.revoked_at IS NOT NULL,
                 (SELECT count(*) FROM audit_log WHERE object = 'api_key' AND key = k.id)
          FROM api_key k JOIN customer c ON c.id = k.customer_id WHERE k.id = '$(cut -d_ -f2 <<<"$KR")'")"
check_eq "the page shows when it was used and that it is revoked" "used revoked" "$(got keyrow)"
check_eq "curl with it after the revocation: 401" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KR" "$U/v1/invoices")"
check_eq "the session's own key has no revoke button" "none" "$(got ownrevoke)"
check_eq "creating a key through the session without the CSRF token is refused" "403 csrf_failed" "$(got csrfmissing)"
check_eq "and with it but from another origin" "403 csrf_failed" "$(got csrforigin)"
check_eq "neither made a key" 0 "$(q "SELECT count(*) FROM api_key WHERE label = 'forged'")"

# ---- downloads ----
check_eq "the month picker lists every issued month" "$PERIOD" "$(got months)"
curl -s -H "Authorization: Bearer $KC" "$U/v1/invoices/$inv?format=pdf" >"$TMP/api.pdf"
strip_date() { LC_ALL=C sed 's/CreationDate (D:[^)]*)//' "$1" | sha256sum; }
check_match "the API's PDF is a PDF" '^%PDF' "$(head -c 4 "$TMP/api.pdf")"
check_eq "the downloaded invoice PDF is the API's (but its creation time)" "$(strip_date "$TMP/api.pdf")" \
    "$(strip_date "$TMP/download-$inv.pdf")"
curl -s -H "Authorization: Bearer $KC" \
    "$U/v1/usage?from=$PERIOD-01&to=$PERIOD-31&group_by=day,job,model&format=csv&page_size=1000" >"$TMP/api.csv"
check_match "the API's usage CSV has alpha's rows" 'train-1' "$(cat "$TMP/api.csv")"
check_eq "the downloaded usage CSV is the API's, byte for byte" "$(sha256sum <"$TMP/api.csv")" \
    "$(sha256sum <"$TMP/download-usage.csv")"
check_eq "no page or console errors" "errors 0" "$(grep '^errors' "$TMP/drive.out")"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server" "$TMP/serve.log"
finish
