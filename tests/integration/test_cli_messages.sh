#!/bin/bash
# The CLI says what is wrong (issue 39): a bad value is named with what was
# expected, for every option of every command the help lists; "did you
# mean" for commands, subcommands, options, customers, plans and models;
# `gpumeter help` lists every subcommand from the table that dispatches
# them (each listed name dispatches, each family's own list is the same);
# every list has a header; a database that is not migrated is named, with
# how to choose another.
. "$(dirname "$0")/lib.sh"

# The first error line of `gpumeter ARGS` and its exit code: "N|line".
said() { # args...
    local err rc line
    err=$("$GM" "$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    while IFS= read -r line; do # bash alone: the walk below calls this 120 times
        case $line in *error:*) printf '%s|%s' "$rc" "$line"; return ;; esac
    done <<<"$err"
    printf '%s|' "$rc"
}

# A handful of exact messages (docs/commands.md, "When a command is wrong").
check_eq "a month out of range names the value and the form" \
    "2|gpumeter: error: --period 2026-13: month 13 is not 01..12 (expected YYYY-MM)" \
    "$(said invoice run --period 2026-13)"
check_eq "a missing argument is named as the usage names it" \
    "2|gpumeter: error: missing argument FILE 2|gpumeter: error: missing argument CODE" \
    "$(said contract propose) $(said customer add --name X)"
check_eq "a day that is not in its month" \
    "2|gpumeter: error: --at 2026-02-30: day 30 is not 01..28 in 2026-02 (expected YYYY-MM-DD)" \
    "$(said plan show gpu-standard --at 2026-02-30)"
check_eq "a choice that is not one" \
    "2|gpumeter: error: --format xml: not one of the choices (expected text|json|csv)" \
    "$(said statement --customer alpha --period 2026-10 --format xml)"
check_eq "a number out of its range" \
    "2|gpumeter: error: --batch 0: out of range (expected a whole number from 1 to 1000000)" \
    "$(said rate --batch 0)"
check_eq "an empty value is shown quoted" \
    "2|gpumeter: error: --period \"\": not in the form YYYY-MM (expected YYYY-MM)" \
    "$(said invoice list --period '')"
check_eq "a control character is shown, not sent to the terminal" \
    '2|gpumeter: error: --period 2026-1\x1b[2J: not in the form YYYY-MM (expected YYYY-MM)' \
    "$(said invoice list --period $'2026-1\e[2J')"
check_eq "a code that cannot be one" \
    "2|gpumeter: error: --customer Alpha;: not a code (expected 1 to 64 of a-z, 0-9, - and _)" \
    "$(said deposit list --customer 'Alpha;')"
check_eq "a mistyped command: did you mean" \
    "2|gpumeter: error: unknown command \"statment\"; did you mean 'statement'?" "$(said statment)"
check_eq "a mistyped subcommand names its family" \
    "2|gpumeter: error: unknown command \"invoice isue\"; did you mean 'issue'?" \
    "$(said invoice isue)"
check_eq "help of a mistyped command says the same" \
    "2|gpumeter: error: unknown command \"statment\"; did you mean 'statement'?" \
    "$(said help statment)"
check_eq "a mistyped option" \
    "2|gpumeter: error: unknown option \"--perod\"; did you mean '--period'?" \
    "$(said invoice run --perod 2026-10)"
check_eq "nothing close: no guess" "2|gpumeter: error: unknown command \"nonsense\"" \
    "$(said nonsense)"
check_eq "an option nothing is close to: no guess" \
    "2|gpumeter: error: unknown option \"--fo\"" "$(said statement --fo x)"

# The walk below runs the binary about 250 times: the release build, whose
# start costs a tenth of the sanitized one's (the checks above and below
# run the sanitized build; both are built from the same sources).
GM_SANITIZED=$GM
GM=$ROOT/build/gpumeter
# Every command the help lists, walked from `gpumeter help` down: a family's
# subcommands are the indented line(s) under its summary.
listed() { # words...: "name<TAB>subcommands" for each command `gpumeter help words` lists
    "$GM" help "$@" 2>/dev/null | awk '/^commands:/ { on = 1; next } on && /^$/ { exit }
        on && /^  [^ ]/ { if (n != "") print n "\t" s; n = $1; s = ""; next }
        on && /^                 [^ ]/ { gsub(/,/, ""); sub(/^ +/, ""); s = s (s == "" ? "" : " ") $0 }
        END { if (n != "") print n "\t" s }'
}
drift=""
leaves() { # words...: every command path under them, one a line
    local name subs inner s
    while IFS=$'\t' read -r name subs; do
        if [ -z "$subs" ]; then echo "$* $name"; continue; fi
        inner=$(listed "$@" "$name" | cut -f1 | xargs)
        if [ -z "$inner" ]; then # a command of its own too (notify delivers)
            echo "$* $name"
            for s in $subs; do echo "$* $name $s"; done
            continue
        fi
        [ "$inner" = "$subs" ] || echo "DRIFT $* $name: listed [$subs], its own help [$inner]"
        leaves "$@" "$name"
    done < <(listed "$@")
}
leaves | sed 's/^ //' >"$TMP/paths"
check_eq "each family's own help lists what gpumeter help lists under it" "" \
    "$(grep '^DRIFT' "$TMP/paths")"
sed -i '/^DRIFT/d' "$TMP/paths"
check_eq "gpumeter help lists invoice's every subcommand" \
    "run issue void credit fapiao write-off show list export" \
    "$(listed | awk -F'\t' '$1 == "invoice" { print $2 }')"
check_eq "help invoice lists them too" "run issue void credit fapiao write-off show list export" \
    "$(listed invoice | cut -f1 | xargs)"
# Listed -> dispatched: each path's --help exits 0 with its own usage; and
# an option's bad value is named with what was expected (the placeholder
# its help shows is the rule: YYYY-MM, YYYY-MM-DD, a|b|c, or a number).
: >"$TMP/wrong"
paths=0 options=0
while read -r -a path; do
    paths=$((paths + 1))
    h=$("$GM" "${path[@]}" --help 2>/dev/null)
    rc=$?
    usage="gpumeter ${path[*]}"
    [ "$usage" = "gpumeter invoice export" ] && usage="gpumeter export etax" # its deprecated alias
    [ "$rc" = 0 ] && [[ $'\n'$h$'\n' == *$'\n'"usage: $usage"[$' \n']* ]] ||
        echo "listed but does not dispatch: gpumeter ${path[*]} --help (exit $rc)" >>"$TMP/wrong"
    extra=()
    [ "${path[*]}" = "invoice export" ] && extra=(--format etax) # the deprecated alias
    while read -r opt ph; do
        case $ph in
            N | MB | MS | S | SECONDS | TOKENS) bad=x1 ;;
            YYYY-MM) bad=2026-13 ;;
            YYYY-MM-DD) bad=2026-02-30 ;;
            *[!a-z0-9_\|-]*) continue ;;
            *'|'*) bad=nonesuch ;;
            *) continue ;;
        esac
        options=$((options + 1))
        got=$(said "${path[@]}" "${extra[@]}" "$opt" "$bad")
        case $got in
            "2|gpumeter: error: $opt $bad: "*" (expected "*")") ;;
            *) echo "gpumeter ${path[*]} $opt $bad: expected exit 2 and \"$opt $bad: ... (expected ...)\", got [$got]" >>"$TMP/wrong" ;;
        esac
    done < <(while IFS= read -r line; do # "  --opt PLACEHOLDER  help": opt and placeholder
        [[ $line =~ ^\ \ (--[a-z0-9-]+)\ ([^ ]+)\  ]] && echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
    done <<<"$h")
done <"$TMP/paths"
check_eq "every listed command dispatches, every typed option names its bad value" "" \
    "$(cat "$TMP/wrong")"
echo "# $paths commands, $options typed options"
check_eq "the walk reached the nested families" "collect reporter revoke|customer key create" \
    "$(grep -xE 'customer key create|collect reporter revoke' "$TMP/paths" | sort | paste -sd'|')"
GM=$GM_SANITIZED

# serve --help says where the console is and how to sign in
check_match "serve --help mentions the console" \
    'the web console at / on the same address.*sign in there with an API key' \
    "$("$GM" serve --help | tr '\n' ' ')"

fresh || { fail "set up database and topic"; finish; }

# Unknown codes: the command's own exit code (1, found at run time), and
# the closest known code when one is close.
check_eq "an unknown customer: did you mean" \
    "1|gpumeter: error: unknown customer 'alhpa'; did you mean 'alpha'?" \
    "$(said statement --customer alhpa --period 2026-10)"
check_eq "an unknown customer, nothing close" "1|gpumeter: error: unknown customer 'nobody'" \
    "$(said statement --customer nobody --period 2026-10)"
check_eq "an unknown plan: did you mean" \
    "1|gpumeter: error: unknown plan 'gpu-standrad'; did you mean 'gpu-standard'?" \
    "$(said plan show gpu-standrad)"
sed 's/"H800"/"H8O0"/' "$ROOT/scripts/seed/plan-gpu-standard.json" >"$TMP/typo.json"
check_match "an unknown model in a plan: did you mean" \
    "\\\$\\.gpu_hours\\.prices\\[0\\]\\.model: unknown accelerator model \"H8O0\"; did you mean 'H800'\\?" \
    "$("$GM" plan apply "$TMP/typo.json" --dry-run 2>&1)"

# Headers on lists, over their columns; an empty list prints nothing
check_eq "customer list has a header" \
    "CODE                     CONTRACT                 ACCOUNTS  NAME" \
    "$("$GM" customer list | head -n 1)"
check_eq "and a row under it" \
    "alpha                    alpha-2026                      1  Alpha AI Ltd" \
    "$("$GM" customer list | sed -n 2p)"
check_match "plan list has a header" '^CODE +EFFECTIVE +CUSTOMER +APPLIED +BY +NAME$' \
    "$("$GM" plan list | head -n 1)"
check_eq "an empty list prints nothing, not even its header" "" "$("$GM" invoice list)"

# A database gpumeter never migrated: named, with how to choose another
createdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter "${DB}_empty"
err=$(GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=${DB}_empty user=gpumeter" \
    "$GM" invoice list 2>&1)
check_eq "an unmigrated database: exit 1" 1 "$?"
check_match "it names the database reached and how to choose another" \
    "HINT: The database reached, dbname=${DB}_empty on 127.0.0.1 port $PG_PORT, is not migrated or is not the one meant\\. Run \"gpumeter migrate\".*GPUMETER_PG" \
    "$err"
dropdb -h 127.0.0.1 -p "$PG_PORT" -U gpumeter --if-exists "${DB}_empty"
err=$(GPUMETER_PG="host=127.0.0.1 port=$PG_PORT dbname=${DB}_none user=gpumeter" \
    "$GM" invoice list 2>&1)
check_eq "a database the server does not have: exit 1" 1 "$?"
check_match "it says so, and how to choose another (not how to start the server)" \
    '^HINT: The server has no such database\. Choose the one that holds your data with GPUMETER_PG' \
    "$err"
finish
