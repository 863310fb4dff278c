#!/bin/bash
# issue 31: limits that cannot be turned against valid users. An attacker
# sending wrong keys from the address everyone shares (one client behind a
# NAT, or every client behind the TLS proxy) used to lock every key and
# console session out with 429; one key signing in 4,096 times filled the
# session table so that finance got 503. Now failures are limited on what
# failed (the key id, the client address; behind api.trusted_proxies the
# forwarded client), a valid key or session is answered whatever its
# address or id suffered, only the attacker gets 429, and each key holds
# at most api.sessions_per_key sessions, its oldest ended first.
# tests/run.sh: alone (the limit refills a guess every six seconds, and the
# checks expect none refilled between the first burst and the last flood)
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
KA=$("$GM" customer key create alpha 2>/dev/null)
KB=$("$GM" customer key create beta 2>/dev/null)
KF=$("$GM" customer key create --finance 2>/dev/null)
cat >>"$GPUMETER_CONFIG" <<'CONF'
api.auth_failures_per_min = 10
api.trusted_proxies = 127.0.0.1
api.max_connections = 32
api.sessions_per_key = 4
api.max_connections_per_ip = 4
CONF
start_server "$TMP/serve.log" --threads 2 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
codes() { sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'; } # "401:10 429:30 "
metric() { curl -s "$U/metrics" | sed -n "s/^$1 //p"; }
sign_in() { # address key -> the session token
    curl -s -D - -o /dev/null --interface "$1" -X POST -H "Authorization: Bearer $2" \
        "$U/v1/session" | sed -n 's/.*gm_session=\([0-9a-f]*\);.*/\1/p'
}
wrong() { printf 'gmk_%012x_%064d' "$1" 0; } # a key of the right shape, id N

# ---- one address under attack: 127.0.0.4 ----
cookie=$(sign_in 127.0.0.4 "$KA")
check_match "a console session from 127.0.0.4 before the attack" '^[0-9a-f]{64}$' "$cookie"
KN=$("$GM" customer key create gamma 2>/dev/null) # created after the start, never used yet
t_attack=$(date +%s)
check_eq "the attacker's wrong keys from 127.0.0.4 are 401 ten times, then 429" \
    "401:10 429:30 " "$(for i in $(seq 40); do
        code --interface 127.0.0.4 -H "Authorization: Bearer $(wrong "$i")" "$U/v1/invoices"
        echo
    done | codes)"
check_eq "a valid key from the same address is answered" 200 \
    "$(code --interface 127.0.0.4 -H "Authorization: Bearer $KA" "$U/v1/invoices")"
check_eq "so is the live console session" 200 \
    "$(code --interface 127.0.0.4 -b "gm_session=$cookie" "$U/v1/me")"
check_eq "so is a key the server has never seen" 200 \
    "$(code --interface 127.0.0.4 -H "Authorization: Bearer $KN" "$U/v1/invoices")"
check_match "and finance signs in" '^[0-9a-f]{64}$' "$(sign_in 127.0.0.4 "$KF")"
check_eq "the attacker still gets 429, with a key-shaped guess or anything else" "429 429" \
    "$(code --interface 127.0.0.4 -H "Authorization: Bearer $(wrong 41)" "$U/v1/invoices") $(
        code --interface 127.0.0.4 -H "Authorization: Bearer nonsense" "$U/v1/invoices")"
check_eq "no credential at all is 401, never 429 (the console then offers to sign in)" 401 \
    "$(code --interface 127.0.0.4 "$U/v1/me")"
# (the key, the new key and finance's sign-in; a session cookie is never
# limited: it is no guess)
check_eq "valid keys answered while their address was limited are counted" 3 \
    "$(metric gpumeter_api_auth_served_while_limited_total)"
check_eq "and the attacker's failures, and of them the 429s" "42 32" \
    "$(metric gpumeter_api_auth_failures_total) $(metric gpumeter_api_auth_limited_total)"

# While limited, a guess costs PostgreSQL nothing: at most one read of the
# keys a second, however many guesses (the bound grows with the time taken,
# so a slow machine cannot fail it).
loads0=$(metric gpumeter_api_keyring_loads_total)
t0=$(date +%s%N)
flood=$(for i in $(seq 100 199); do
    code --interface 127.0.0.4 -H "Authorization: Bearer $(wrong "$i")" "$U/v1/invoices"
    echo
done | codes)
elapsed=$((($(date +%s%N) - t0) / 1000000000 + 1))
loads=$(($(metric gpumeter_api_keyring_loads_total) - loads0))
# The address's limit refills a guess every 6 s (10 a minute): a busy
# machine may take that long between the first guess and the last. The
# limit holds when all 100 are refused and no more of them reached a 401
# (a guess let through) than refills since the attack began.
n401=$(sed -n 's/.*401:\([0-9]*\).*/\1/p' <<<"$flood")
n429=$(sed -n 's/.*429:\([0-9]*\).*/\1/p' <<<"$flood")
check_eq "100 more guesses are refused (401 or 429)" 100 "$((${n401:-0} + ${n429:-0}))"
check_at_most "and are 429 but for the guesses refilled since the attack began (one each 6 s)" \
    "$((($(date +%s) - t_attack) / 6))" "${n401:-0}" "guesses answered 401"
check_at_most "with at most one keyring load a second (${elapsed} s)" "$elapsed" "$loads" "keyring loads"

"$GM" customer key revoke "$(cut -c5-16 <<<"$KN")" >/dev/null
check_eq "a key revoked meanwhile is refused from the limited address" 429 \
    "$(code --interface 127.0.0.4 -H "Authorization: Bearer $KN" "$U/v1/invoices")"
check_eq "and 401 from another" 401 \
    "$(code --interface 127.0.0.9 -H "Authorization: Bearer $KN" "$U/v1/invoices")"

# ---- one key's id under attack, from many addresses ----
idb=$(cut -c5-16 <<<"$KB")
check_eq "wrong secrets for beta's key id from three addresses: ten 401, then 429" \
    "401:10 429:5 " "$(for a in 5 6 7; do for i in 1 2 3 4 5; do
        code --interface "127.0.0.$a" -H "Authorization: Bearer gmk_${idb}_$(printf '%064d' "$i")" \
            "$U/v1/invoices"
        echo
    done; done | codes)"
check_eq "a wrong secret for that id from a fresh address is 429" 429 \
    "$(code --interface 127.0.0.8 -H "Authorization: Bearer gmk_${idb}_$(printf '%064d' 9)" \
        "$U/v1/invoices")"
check_eq "beta's own key is answered, from any address" "200 200" \
    "$(code --interface 127.0.0.5 -H "Authorization: Bearer $KB" "$U/v1/invoices") $(
        code --interface 127.0.0.8 -H "Authorization: Bearer $KB" "$U/v1/invoices")"

# ---- behind the trusted proxy (127.0.0.1): X-Forwarded-For names the client ----
check_eq "client A's wrong keys through the proxy: ten 401, then 429" "401:10 429:2 " \
    "$(for i in $(seq 12); do
        code -H "X-Forwarded-For: 203.0.113.7" -H "Authorization: Bearer wrong-$i" "$U/v1/invoices"
        echo
    done | codes)"
check_eq "client B's wrong key through the same proxy is only 401" 401 \
    "$(code -H "X-Forwarded-For: 203.0.113.8" -H "Authorization: Bearer wrong" "$U/v1/invoices")"
check_eq "client A's valid key is answered" 200 \
    "$(code -H "X-Forwarded-For: 203.0.113.7" -H "Authorization: Bearer $KA" "$U/v1/invoices")"
check_eq "A cannot escape by writing its own X-Forwarded-For (the proxy appends the real one)" \
    "429:5 " "$(for i in $(seq 5); do
        code -H "X-Forwarded-For: 198.51.100.$i, 203.0.113.7" -H "Authorization: Bearer wrong" \
            "$U/v1/invoices"
        echo
    done | codes)"
check_eq "an IPv6 client is limited by its /64: a new address of it starts no new budget" \
    "401:10 429:2 " "$(for i in $(seq 12); do
        code -H "X-Forwarded-For: 2001:db8:7:7::$i" -H "Authorization: Bearer wrong" "$U/v1/invoices"
        echo
    done | codes)"
check_eq "another /64 is not" 401 \
    "$(code -H "X-Forwarded-For: 2001:db8:7:8::1" -H "Authorization: Bearer wrong" "$U/v1/invoices")"
check_eq "an untrusted peer's X-Forwarded-For is ignored: it is limited as itself" \
    "401:10 429:2 " "$(for i in $(seq 12); do
        code --interface 127.0.0.10 -H "X-Forwarded-For: 198.51.100.$i" \
            -H "Authorization: Bearer wrong" "$U/v1/invoices"
        echo
    done | codes)"

# ---- sessions: one key cannot fill the table (32 here) ----
tokens=()
for i in $(seq 40); do tokens+=("$(sign_in 127.0.0.11 "$KA")"); done
check_eq "alpha signs in 40 times" 40 "$(printf '%s\n' "${tokens[@]}" | grep -cE '^[0-9a-f]{64}$')"
fin=$(sign_in 127.0.0.11 "$KF")
check_match "finance still signs in" '^[0-9a-f]{64}$' "$fin"
check_eq "finance's session works" 200 "$(code -b "gm_session=$fin" "$U/v1/me")"
check_eq "alpha's four newest sessions live, its older ones ended (first, 36th, before)" \
    "401 401 200 200 200 200 401" "$(for i in 0 35 36 37 38 39; do
        code -b "gm_session=${tokens[$i]}" "$U/v1/me"
        echo -n ' '
    done)$(code -b "gm_session=$cookie" "$U/v1/me")"
check_eq "41 sign-ins of alpha in all ended 37 of its sessions" 37 \
    "$(metric 'gpumeter_api_sessions_evicted_total{reason="per_key"}')"
check_eq "none for a full table" 0 "$(metric 'gpumeter_api_sessions_evicted_total{reason="table_full"}')"

# ---- connections: the per-address cap spares the trusted proxy ----
# Every client's connections come from the proxy's address: libmicrohttpd's
# per-IP limit counted them as one client's, so one client holding
# api.max_connections_per_ip connections through the proxy (or the proxy's
# own idle upstream pool) had every other user's refused.
held() { # source-address count -> how many of count connections, all open at once, are answered
    python3 - "$1" "$PORT" "$2" <<'PY'
import socket, sys
src, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(20)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
answered = 0
for s in socks:  # all connected before any request: each counts against the others
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        answered += s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        pass
print(answered)
PY
}
check_eq "a client's 6 connections at once: 4 answered (api.max_connections_per_ip)" 4 \
    "$(held 127.0.0.12 6)"
check_eq "the trusted proxy's 6 at once: every one answered" 6 "$(held 127.0.0.1 6)"

kill $SERVER
wait $SERVER
check_eq "the server stops cleanly" 0 "$?"
sanitizer_clean "no sanitizer report" "$TMP/serve.log"
finish
