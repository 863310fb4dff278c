#!/bin/bash
# Checks the systemd units of a directory (deploy/systemd/) against a built
# gpumeter, so the units cannot drift from systemd or from the command line:
#  - `systemd-analyze verify` of each unit, with the installed binary path
#    (/usr/local/bin/gpumeter) replaced by the built one so verify finds
#    it, prints nothing (verify exits 0 on an unknown key or a bad value,
#    printing a warning: the output is what tells);
#  - each unit's ExecStart runs /usr/local/bin/gpumeter, names a subcommand
#    whose --help succeeds, and passes only flags that --help lists, each
#    flag that takes a value (its help line names one: --batch N) followed
#    by one; a $VAR the command line expands is read from the directory's
#    *.env.example, whose flags are checked the same way;
#  - `systemd-analyze security --offline` rates each service's exposure at
#    most 2.0 (of 10; --threshold takes it times ten), so hardening
#    loosened beyond the lines below still fails;
#  - each service runs as the unprivileged gpumeter user, restarts on
#    failure without a start limit (a rater or notify started while
#    PostgreSQL is away exits 1: a limit would leave it failed for good)
#    but never on what a restart cannot mend (exit 2, a missing binary,
#    user or credential file),
#    reads its configuration as a credential and keeps the hardening
#    docs/operations.md promises (the REQUIRED lines below); each service
#    but a collector (the one command that never connects to PostgreSQL)
#    also reads libpq's password file as a credential (PGPASSFILE), as the
#    gpumeter user has no home for a ~/.pgpass;
#  - each Documentation=file:///usr/local/share/doc/gpumeter/NAME names a
#    file of docs/, which docs/operations.md installs there.
# Usage: check_units.sh UNIT_DIR GPUMETER_BINARY. Prints "ok - ..." /
# "not ok - ..." lines; exits 1 on any failure.
set -uo pipefail
dir=$1 gm=$2
INSTALLED=/usr/local/bin/gpumeter
DOC_URL=file:///usr/local/share/doc/gpumeter/
DOCS=$(cd "$(dirname "$0")/../../docs" && pwd)
failures=0
ok() { echo "ok - $1"; }
bad() {
    echo "not ok - $1"
    failures=$((failures + 1))
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

units=$(cd "$dir" && ls -- *.service *.timer 2>/dev/null)
[ -n "$units" ] || bad "no unit in $dir"

for u in $units; do
    sed "s#$INSTALLED#$gm#g" "$dir/$u" >"$work/$u"
done
for u in $units; do
    # a template is verified as is: verify makes up an instance (name@i)
    out=$(cd "$work" && systemd-analyze verify "$work/$u" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
        ok "$u: systemd-analyze verify prints nothing"
    else
        bad "$u: systemd-analyze verify: expected no output and exit 0, got exit $rc:"
        sed "s#$work/##; s/^/#   /" <<<"$out"
    fi
done

# 2.0 of systemd's 0-10 exposure scale: the shipped units score 1.5; what
# is left is what they need (the network, the host's root directory).
EXPOSURE_MAX=20
for u in $units; do
    case $u in *.service) ;; *) continue ;; esac
    out=$(cd "$work" && systemd-analyze security --offline=true --no-pager --threshold=$EXPOSURE_MAX "$work/$u" 2>&1)
    rc=$?
    level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
    if [ $rc -eq 0 ] && [ -n "$level" ]; then
        ok "$u: systemd-analyze security exposure $level, at most 2.0"
    else
        bad "$u: systemd-analyze security: expected an exposure of at most 2.0, got ${level:-none} (exit $rc); what it counts against the unit:"
        grep '✗' <<<"$out" | sed -E 's/[[:space:]]{2,}/ | /g; s/^/#   /' | head -20
    fi
done

# The flags --help lists: "--flag" alone, or "--flag VALUE" when it takes one.
help_flags() { # subcommand words...
    "$gm" "$@" --help 2>/dev/null |
        sed -nE 's/^[[:space:]]+(--[a-z0-9-]+)( ([A-Za-z0-9][A-Za-z0-9:|_.-]*))?.*/\1 \3/p'
}

check_args() { # unit what flags-of-help words...
    local unit=$1 what=$2 flags=$3 w spec
    shift 3
    local words=("$@") i=0
    while [ $i -lt ${#words[@]} ]; do
        w=${words[$i]}
        i=$((i + 1))
        case $w in --*) ;; *) continue ;; esac
        spec=$(awk -v f="$w" '$1 == f { print ($2 == "" ? "bare" : $2) }' <<<"$flags")
        if [ -z "$spec" ]; then
            bad "$unit: $what passes $w, which --help does not list"
        elif [ "$spec" != bare ]; then
            if [ $i -ge ${#words[@]} ] || [[ ${words[$i]} == --* ]]; then
                bad "$unit: $what passes $w without its $spec"
            else
                ok "$unit: $what passes $w ${words[$i]} (--help: $w $spec)"
                i=$((i + 1))
            fi
        else
            ok "$unit: $what passes $w (--help lists it)"
        fi
    done
}

# What docs/operations.md ("Installing the systemd units") promises of
# every service, line for line.
REQUIRED="User=gpumeter
Group=gpumeter
Restart=on-failure
RestartPreventExitStatus=2 203 217 243
StartLimitIntervalSec=0
LoadCredential=gpumeter.conf:/etc/gpumeter/gpumeter.conf
Environment=GPUMETER_CONFIG=%d/gpumeter.conf
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
CapabilityBoundingSet=
SystemCallFilter=@system-service"
# What every service that connects to PostgreSQL adds: a password per role.
PGPASS="LoadCredential=pgpass:/etc/gpumeter/pgpass
Environment=PGPASSFILE=%d/pgpass"
for u in $units; do
    case $u in *.service) ;; *) continue ;; esac
    missing=$(grep -vxFf <(sed 's/[[:space:]]*$//' "$dir/$u") <<<"$REQUIRED")
    if [ -z "$missing" ]; then
        ok "$u: runs as gpumeter, restarts on failure, config as a credential, hardened"
    else
        bad "$u: lacks $(paste -sd' ' <<<"$missing")"
    fi
    for d in $(sed -n 's/^Documentation=//p' "$dir/$u"); do
        if [[ $d != "$DOC_URL"* ]]; then
            bad "$u: Documentation=$d is not under $DOC_URL, where docs/operations.md installs docs/"
        elif [ ! -f "$DOCS/${d#"$DOC_URL"}" ]; then
            bad "$u: Documentation=$d names ${d#"$DOC_URL"}, which docs/ does not have"
        else
            ok "$u: Documentation=$d is docs/${d#"$DOC_URL"}"
        fi
    done
    lines=$(grep -E '^ExecStart=' "$dir/$u")
    if [ "$(grep -c . <<<"$lines")" -ne 1 ]; then
        bad "$u: expected one ExecStart= line, got $(grep -c . <<<"$lines")"
        continue
    fi
    read -r -a words <<<"${lines#ExecStart=}"
    if [ "${words[0]}" != "$INSTALLED" ]; then
        bad "$u: ExecStart runs ${words[0]}, expected $INSTALLED"
        continue
    fi
    sub=()
    for w in "${words[@]:1}"; do
        case $w in -* | '$'*) break ;; *) sub+=("$w") ;; esac
    done
    if [ ${#sub[@]} -eq 0 ] || ! "$gm" "${sub[@]}" --help >/dev/null 2>&1; then
        bad "$u: ExecStart names no subcommand the binary has: 'gpumeter ${sub[*]} --help' fails"
        continue
    fi
    ok "$u: runs gpumeter ${sub[*]} (its --help succeeds)"
    if [ "${sub[0]}" != collect ]; then
        missing=$(grep -vxFf <(sed 's/[[:space:]]*$//' "$dir/$u") <<<"$PGPASS")
        if [ -z "$missing" ]; then
            ok "$u: reads libpq's password file as a credential"
        else
            bad "$u: connects to PostgreSQL but lacks $(paste -sd' ' <<<"$missing")"
        fi
    fi
    flags=$(help_flags "${sub[@]}")
    check_args "$u" ExecStart "$flags" "${words[@]:$((1 + ${#sub[@]}))}"
    # $VAR (split into words by systemd) comes from the unit's
    # EnvironmentFile: the example the directory ships must set it.
    for w in "${words[@]}"; do
        [[ $w =~ ^\$([A-Z_][A-Z0-9_]*)$ ]] || continue
        var=${BASH_REMATCH[1]}
        set_in=$(cd "$dir" && grep -l "^$var=" -- *.env.example 2>/dev/null | head -1)
        if [ -z "$set_in" ]; then
            bad "$u: ExecStart expands \$$var, which no $dir/*.env.example sets"
            continue
        fi
        read -r -a env_words <<<"$(sed -n "s/^$var=//p" "$dir/$set_in" | tail -1)"
        check_args "$u" "$set_in" "$flags" "${env_words[@]}"
    done
done
exit $((failures > 0))
