#!/bin/bash
# The systemd units of deploy/systemd/ pass tests/tools/check_units.sh
# against the built binary: `systemd-analyze verify` prints nothing for
# each, every ExecStart (and the collector's example environment file)
# names a real subcommand and only flags its --help lists, and every service
# keeps its user, restart policy, credential and hardening. Then each kind of
# drift, planted in a copy, fails the check naming the unit and what is
# wrong: a flag the CLI does not have (in a unit and in the environment
# file), a value flag without its value, a subcommand that does not exist,
# a misspelt directive and a bad value (verify's warnings), and a hardening
# line removed, hardening loosened past the exposure bound, a start limit
# put back, a database service without libpq's password file, a
# Documentation= naming no file of docs/. And the exit statuses the restart
# policy relies on: rate and notify started while PostgreSQL is away exit
# 1, which Restart=on-failure restarts (without a start limit, until the
# database is back), a bad flag exits 2, which RestartPreventExitStatus=2
# does not. Needs no service.
. "$(dirname "$0")/lib.sh"

UNITS=$ROOT/deploy/systemd
CHECK=$ROOT/tests/tools/check_units.sh

out=$(bash "$CHECK" "$UNITS" "$GM" 2>&1)
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^not ok' <<<"$out"; then
    pass "deploy/systemd passes check_units.sh ($(grep -c '^ok' <<<"$out") checks)"
else
    fail "deploy/systemd: expected check_units.sh to pass, got exit $rc:"
    grep '^not ok\|^#' <<<"$out"
fi
for u in gpumeter-rate@.service gpumeter-collect-dcgm@.service gpumeter-serve.service gpumeter-notify.service; do
    check_match "$u is verified" "^ok - $u: systemd-analyze verify prints nothing$" "$out"
done
check_match "the rater's metrics flag is checked against rate --help" \
    '^ok - gpumeter-rate@\.service: ExecStart passes --metrics 0\.0\.0\.0:%i \(--help: --metrics ADDR:PORT\)$' "$out"
check_match "the collector's environment file is checked against collect dcgm --help" \
    '^ok - gpumeter-collect-dcgm@\.service: collect-dcgm\.env\.example passes --interval 30 ' "$out"

# planted FILE SED-EXPRESSION: a copy of the units with FILE edited; prints
# the check's output and exit status.
planted() {
    rm -rf "$TMP/units"
    cp -r "$UNITS" "$TMP/units"
    sed -i "$2" "$TMP/units/$1"
    cmp -s "$UNITS/$1" "$TMP/units/$1" && echo "planted: $2 changed nothing in $1"
    bash "$CHECK" "$TMP/units" "$GM" 2>&1
    echo "exit $?"
}
# expect NAME FILE SED PATTERN: the planted drift fails the check (exit 1)
# with a "not ok" line matching PATTERN.
expect() {
    local got
    got=$(planted "$2" "$3")
    if grep -q '^exit 1$' <<<"$got" && grep -qE -- "$4" <<<"$got"; then
        pass "$1"
    else
        fail "$1: expected exit 1 and a line matching [$4], got [$(grep -E '^not ok|^exit|^#|^planted' <<<"$got" | tr '\n' '|')]"
    fi
}

expect "a flag rate --help does not list fails" gpumeter-rate@.service \
    's/--metrics /--metric /' \
    '^not ok - gpumeter-rate@\.service: ExecStart passes --metric, which --help does not list$'
expect "a flag of the environment file that collect dcgm lacks fails" collect-dcgm.env.example \
    's/--interval 30/--intervall 30/' \
    '^not ok - gpumeter-collect-dcgm@\.service: collect-dcgm\.env\.example passes --intervall, which --help does not list$'
expect "a value flag without its value fails" gpumeter-serve.service \
    's/--listen 0\.0\.0\.0:8080/--threads --listen 0.0.0.0:8080/' \
    '^not ok - gpumeter-serve\.service: ExecStart passes --threads without its N$'
expect "a subcommand the binary lacks fails" gpumeter-collect-dcgm@.service \
    's/ collect dcgm / collect dcmg /' \
    "^not ok - gpumeter-collect-dcgm@\\.service: ExecStart names no subcommand the binary has: 'gpumeter collect dcmg --help' fails$"
expect "a misspelt directive fails verify" gpumeter-notify.service \
    's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' \
    "Unknown key 'NoNewPrivilege' in section \\[Service\\]"
expect "a bad value fails verify" gpumeter-serve.service \
    's/^Restart=on-failure/Restart=onfailure/' \
    'Failed to parse service restart specifier, ignoring: onfailure'
expect "a removed hardening line fails" gpumeter-rate@.service \
    '/^ProtectSystem=strict/d' \
    '^not ok - gpumeter-rate@\.service: lacks ProtectSystem=strict$'
expect "hardening loosened beyond the required lines fails the exposure bound" gpumeter-serve.service \
    '/^\(PrivateDevices\|ProtectKernelTunables\|ProtectKernelModules\|RestrictNamespaces\|MemoryDenyWriteExecute\)=/d' \
    '^not ok - gpumeter-serve\.service: systemd-analyze security: expected an exposure of at most 2\.0, got 2\.[0-9]'
expect "a unit running another binary fails" gpumeter-notify.service \
    's#^ExecStart=/usr/local/bin/gpumeter#ExecStart=/usr/bin/gpumeter#' \
    '^not ok - gpumeter-notify\.service: ExecStart runs /usr/bin/gpumeter, expected /usr/local/bin/gpumeter$'
expect "a start limit put back fails" gpumeter-rate@.service \
    's/^StartLimitIntervalSec=0$/StartLimitIntervalSec=300/' \
    '^not ok - gpumeter-rate@\.service: lacks StartLimitIntervalSec=0$'
expect "restarting a unit whose credential file is missing (243) fails" gpumeter-serve.service \
    's/^RestartPreventExitStatus=2 203 217 243$/RestartPreventExitStatus=2 203 217/' \
    '^not ok - gpumeter-serve\.service: lacks RestartPreventExitStatus=2 203 217 243$'
expect "a database service without libpq's password file fails" gpumeter-notify.service \
    '/^Environment=PGPASSFILE=/d' \
    '^not ok - gpumeter-notify\.service: connects to PostgreSQL but lacks Environment=PGPASSFILE=%d/pgpass$'
expect "a Documentation= naming no file of docs/ fails" gpumeter-serve.service \
    's#^Documentation=.*#Documentation=file:///usr/local/share/doc/gpumeter/apis.md#' \
    '^not ok - gpumeter-serve\.service: Documentation=file:///usr/local/share/doc/gpumeter/apis\.md names apis\.md, which docs/ does not have$'
check_match "the collector, which never connects to PostgreSQL, needs no password file" \
    '^ok - gpumeter-collect-dcgm@\.service: runs gpumeter collect dcgm' "$out"
grep -q '^not ok - gpumeter-collect-dcgm@\.service: connects to PostgreSQL' <<<"$out" &&
    fail "the collector is asked for libpq's password file: expected not, got [$out]"

# The exit statuses the units' restart policy depends on.
away="host=127.0.0.1 port=1 dbname=gpumeter user=gpumeter connect_timeout=2"
GPUMETER_PG=$away "$GM" rate --metrics 127.0.0.1:0 >"$TMP/rate.log" 2>&1
check_eq "rate started while PostgreSQL is away exits 1 (restarted by Restart=on-failure)" 1 "$?"
GPUMETER_PG=$away "$GM" notify >"$TMP/notify.log" 2>&1
check_eq "notify started while PostgreSQL is away exits 1 (restarted by Restart=on-failure)" 1 "$?"
"$GM" rate --metric 0.0.0.0:9478 >/dev/null 2>&1
check_eq "a bad flag exits 2 (not restarted: RestartPreventExitStatus=2)" 2 "$?"
finish
