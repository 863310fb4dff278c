#!/bin/bash
# Who may use what (docs/api.md#roles): the role matrix of `gpumeter serve
# --roles` equals the one in docs/api.md and leaves no route undecided;
# every route asked with a key of every role is refused (403, by the gate)
# exactly where the matrix says, and reaches its handler elsewhere. An
# operator key reads the fleet's reports without any customer's money.
# Then a customer's own keys through the API: list, a read-only key made
# (shown once), its last use recorded once a minute, forged customer and
# key ids refused with nothing changed, the database's own refusal, a
# read-only key that cannot write, revocation effective at once, audited.
# No data is rated: the gate answers before any handler reads.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
echo "index.public = true" >>"$GPUMETER_CONFIG" # /v1/index then reaches its handler with every key
KC=$("$GM" customer key create alpha --label "alpha's portal" 2>/dev/null)
KB=$("$GM" customer key create beta 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
KS=$("$GM" customer key create --sales 2>/dev/null)
KO=$("$GM" customer key create --operator --label "ops team" 2>/dev/null)
check_match "an operator key is created" '^gmk_[0-9a-f]{12}_[0-9a-f]{64}$' "$KO"
id_of() { cut -d_ -f2 <<<"$1"; }
check_match "and listed as such" "$(id_of "$KO")  \(operator\) " "$("$GM" customer key list)"
"$GM" customer key create --operator alpha >/dev/null 2>&1
check_eq "an operator key of a customer is a usage error" 2 "$?"
"$GM" customer key create --operator --finance >/dev/null 2>&1
check_eq "and so are two roles" 2 "$?"

# ---- the matrix: the server's equals the documented one, none undecided ----
server=$("$GM" serve --roles)
documented=$(awk -F' *\\| *' '/^## Roles/ { on = 1 } /^### / { on = 0 }
    on && $2 ~ /^(GET|POST|DELETE)$/ { gsub(/, /, ",", $4); print $2 " " $3 " " $4 }' "$ROOT/docs/api.md")
check_eq "serve --roles is docs/api.md's matrix" "$(sort <<<"$documented")" "$(sort <<<"$server")"
check_eq "every route of the server has its roles decided" "" "$(grep undecided <<<"$server")"
check_eq "and the matrix has every route" "$("$GM" serve --routes | awk '{ print $1 " " $2 }' | sort)" \
    "$(awk '{ print $1 " " $2 }' <<<"$server" | sort)"

start_server "$TMP/serve.log" --threads 2 || { fail "the server starts"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT

# A request each route's handler takes as well-formed enough to answer
# (its known parameters; customer=alpha where it names a customer).
query_of() { # method route
    [ "$1" = GET ] && [ "$2" = /v1/keys ] && return
    case $2 in
    /v1/usage) echo "customer=alpha&from=2026-10-01&to=2026-10-31" ;;
    /v1/usage/current | /v1/credit | /v1/invoices | /v1/receivables | /v1/payments) echo "customer=alpha" ;;
    /v1/statement | /v1/availability | /v1/focus) echo "customer=alpha&period=2026-10" ;;
    /v1/operator/contracts) echo "from=2026-10" ;;
    /v1/operator/capacity) echo "from=2026-10-01&to=2026-10-31" ;;
    /v1/index) echo "from=2026-10&to=2026-10" ;;
    /v1/project | /v1/project/backlog) echo "project=p&period=2026-10" ;;
    /v1/operator/yield | /v1/fleet/health | /v1/finance/*) echo "period=2026-10" ;;
    /v1/simulate) echo "customer=alpha&period=2026-10" ;;
    /v1/keys) echo "label=matrix" ;;
    esac
}
declare -A KEY=([customer]=$KC [finance]=$KF [sales]=$KS [operator]=$KO)
refused=0 reached=0 wrong=""
while read -r method route roles; do
    [ "$roles" = "no key" ] && continue
    path=${route/\{number\}/000000000000}
    q=$(query_of "$method" "$route")
    for role in customer finance sales operator; do
        code=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$method" \
            -H "Authorization: Bearer ${KEY[$role]}" "$U$path${q:+?$q}")
        if [[ ",$roles," == *",$role,"* ]]; then
            # reached its handler: whatever it answers, not the gate's 403
            if [ "$code" = 401 ] || [ "$code" -ge 500 ] || grep -q 'keys may not use' "$TMP/body"; then
                wrong+=" $role:$method:$route:$code"
            else
                reached=$((reached + 1))
            fi
        elif [ "$code" = 403 ] && grep -q "\"forbidden\".*$role keys may not use $method $route" "$TMP/body"; then
            refused=$((refused + 1))
        else
            wrong+=" $role:$method:$route:$code"
        fi
    done
done <<<"$server"
check_eq "every route with every role: refused by the gate exactly where the matrix says" "" "$wrong"
check_eq "refused and reached, as the matrix counts them" "$(awk '$3 != "no" {
        n = split($3, r, ","); reached += n; refused += 4 - n } END { print refused " " reached }' <<<"$server")" \
    "$refused $reached"
check_eq "the matrix's POST made alpha one key" 1 \
    "$(q "SELECT count(*) FROM api_key WHERE label = 'matrix' AND read_only")"

# ---- the operator: the fleet, no customer's money ----
check_match "an operator key says who it is" '"role":"operator","customer":null,"read_only":false' \
    "$(api_get "$KO" /v1/me)"
for r in "/v1/invoices/INV-2026-000001" "/v1/finance/month?period=2026-10" \
    "/v1/receivables" "/v1/payments" "/v1/statement?period=2026-10&customer=alpha" \
    "/v1/usage?customer=alpha&from=2026-10-01&to=2026-10-02" "/v1/focus?period=2026-10"; do
    check_match "an operator key gets 403 for $r" '^403 ' "$(api_get "$KO" "$r")"
done
fin=$(api_get "$KF" "/v1/fleet/health?period=2026-10")
ops=$(api_get "$KO" "/v1/fleet/health?period=2026-10")
check_match "finance's fleet health has the credits per customer" '^200 .*"credits":\[' "$fin"
check_match "the operator's has their total" '^200 .*"credits_total":\{"customer":"all"' "$ops"
check_eq "but not the credits per customer" 0 "$(grep -c '"credits":' <<<"$ops")"
check_eq "and otherwise the same report" "$(sed 's/"credits":\[[^]]*\],//' <<<"$fin")" "$ops"
fin=$(api_get "$KF" "/v1/operator/contracts?from=2026-10&horizon=2")
ops=$(api_get "$KO" "/v1/operator/contracts?from=2026-10&horizon=2")
check_match "finance's contract calendar has the revenue at risk" '^200 .*"at_risk" : \[' "$fin"
check_eq "the operator's has none" 0 "$(grep -c 'at_risk' <<<"$ops")"
check_eq "and otherwise the same calendar" "$(sed 's/, "at_risk" : \[\]//g' <<<"$fin")" "$ops"

# ---- a customer's own keys ----
list=$(api_get "$KC" /v1/keys)
check_match "a customer lists its keys, knowing which is its own" \
    "^200 \{\"customer\":\"alpha\",\"current\":\"$(id_of "$KC")\",\"keys\":\[\{\"id\":\"$(id_of "$KC")\",\"label\":\"alpha's portal\",\"role\":\"customer\",\"read_only\":false,\"created_at\":\"[0-9T:-]+Z\",\"last_used_at\":\"[0-9T:-]+Z\",\"revoked_at\":null\}" "$list"
check_eq "and no other customer's" 0 "$(grep -c "$(id_of "$KB")" <<<"$list")"
made=$(curl -s -D "$TMP/made.h" -X POST -H "Authorization: Bearer $KC" "$U/v1/keys?label=finance%20system")
KR=$(sed -n 's/.*"key":"\(gmk_[0-9a-f_]*\)".*/\1/p' <<<"$made")
check_match "a read-only key is made and shown once" \
    "^\{\"id\":\"$(id_of "$KR")\",\"key\":\"gmk_[0-9a-f]{12}_[0-9a-f]{64}\",\"label\":\"finance system\",\"role\":\"customer\",\"read_only\":true," "$made"
check_match "201, never cached" '201 .*Cache-Control: no-store' "$(tr -d '\r' <"$TMP/made.h" | tr '\n' ' ')"
check_eq "only its hash is kept, of alpha, read-only" "alpha|t|f" \
    "$(q "SELECT c.code, k.read_only, k.sha256 = '$KR' FROM api_key k JOIN customer c ON c.id = k.customer_id
          WHERE k.id = '$(id_of "$KR")'")"
check_eq "not yet used" "" "$(q "SELECT last_used_at FROM api_key WHERE id = '$(id_of "$KR")'")"
check_match "it reads alpha's data" '^200 \{"key_id":"[0-9a-f]+","role":"customer","customer":"alpha","read_only":true\}' \
    "$(api_get "$KR" /v1/me)"
used=$(q "SELECT last_used_at FROM api_key WHERE id = '$(id_of "$KR")'")
check_match "its first use is recorded" '^20[0-9-]+ ' "$used"
for _ in 1 2 3 4 5; do api_get "$KR" /v1/invoices >/dev/null; done
check_eq "and not again within the minute (no write per request)" "$used" \
    "$(q "SELECT last_used_at FROM api_key WHERE id = '$(id_of "$KR")'")"
check_match "the list shows it" "\"id\":\"$(id_of "$KR")\",[^}]*\"last_used_at\":\"[0-9T:-]+Z\"" \
    "$(api_get "$KC" /v1/keys)"
check_match "a read-only key cannot make a key" '^403 \{"error":\{"code":"read_only_key"' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X POST -H "Authorization: Bearer $KR" "$U/v1/keys?label=x"; cat "$TMP/b")"
check_match "nor revoke one" '^403 \{"error":\{"code":"read_only_key"' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X DELETE -H "Authorization: Bearer $KR" "$U/v1/keys/$(id_of "$KC")"; cat "$TMP/b")"
before=$(q "SELECT string_agg(id || coalesce(revoked_at::text, '-'), ',' ORDER BY id) FROM api_key")
check_match "another customer's key id is 404, as an unknown one" '^404 \{"error":\{"code":"not_found"' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X DELETE -H "Authorization: Bearer $KC" "$U/v1/keys/$(id_of "$KB")"; cat "$TMP/b")"
check_match "naming another customer to list is 403" '^403 .*reads only customer alpha' "$(api_get "$KC" "/v1/keys?customer=beta")"
check_match "or to make a key" '^403 ' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X POST -H "Authorization: Bearer $KC" "$U/v1/keys?customer=beta&label=x"; cat "$TMP/b")"
check_match "the key of the request is not revoked through itself" '^409 .*"own_key"' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X DELETE -H "Authorization: Bearer $KC" "$U/v1/keys/$(id_of "$KC")"; cat "$TMP/b")"
for label in "" "$(printf 'a%.0s' $(seq 65))" "%09tab" "%20%20"; do
    check_match "label [$label] is a 400" '^400 .*label' \
        "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X POST -H "Authorization: Bearer $KC" "$U/v1/keys?label=$label"; cat "$TMP/b")"
done
check_eq "and none of that changed a key" "$before" \
    "$(q "SELECT string_agg(id || coalesce(revoked_at::text, '-'), ',' ORDER BY id) FROM api_key")"
# the database decides too: the API role cannot reach another's keys
refused_as "a read-only key may not revoke, even in SQL" gpumeter_api \
    "SELECT api_key_own_revoke('$(id_of "$KR")', '$(id_of "$KC")')" 'may not manage keys'
refused_as "nor a finance key make a customer's" gpumeter_api \
    "SELECT api_key_own_create('$(id_of "$KF")', 'aaaaaaaaaaaa', repeat('0', 64), 'x')" 'may not manage keys'
check_eq "alpha's key revokes only alpha's keys, in SQL too" f \
    "$(as gpumeter_api "SELECT api_key_own_revoke('$(id_of "$KC")', '$(id_of "$KB")')")"
refused_as "and the API role writes api_key only through them" gpumeter_api \
    "UPDATE api_key SET revoked_at = now()" 'permission denied'
check_eq "still nothing changed" "$before" \
    "$(q "SELECT string_agg(id || coalesce(revoked_at::text, '-'), ',' ORDER BY id) FROM api_key")"
cookie=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KR" "$U/v1/session" |
    sed -n 's/.*gm_session=\([0-9a-f]*\);.*/\1/p')
check_match "revoking a key" '^200 \{"id":"[0-9a-f]{12}","revoked":true\}' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X DELETE -H "Authorization: Bearer $KC" "$U/v1/keys/$(id_of "$KR")"; cat "$TMP/b")"
check_match "refuses it at once" '^401 ' "$(api_get "$KR" /v1/me)"
check_eq "and its console session" 401 "$(curl -s -o /dev/null -w '%{http_code}' -b "gm_session=$cookie" "$U/v1/me")"
check_match "revoked twice is 404" '^404 ' \
    "$(curl -s -w '%{http_code} ' -o "$TMP/b" -X DELETE -H "Authorization: Bearer $KC" "$U/v1/keys/$(id_of "$KR")"; cat "$TMP/b")"
check_eq "both writes are audited, by the key that made them" \
    "api_key $(id_of "$KR") create key:$(id_of "$KC") true,api_key $(id_of "$KR") revoke key:$(id_of "$KC") true" \
    "$(q "SELECT string_agg(object || ' ' || key || ' ' || action || ' ' || actor || ' ' ||
                            coalesce(after->>'read_only', after->>'revoked'), ',' ORDER BY id)
          FROM audit_log WHERE object = 'api_key' AND key = '$(id_of "$KR")'")"
kill "$SERVER" 2>/dev/null
wait "$SERVER" 2>/dev/null
sanitizer_clean "the server" "$TMP/serve.log"
finish
