#!/bin/bash
# The layout's rules, checked over the #include lines (make check runs it):
#  - folders are levels, and a file includes only its own folder or a lower
#    level, never a folder beside its own:
#      0 core   1 pricing   2 terms, rating, ingest, render, schema, console
#      3 billing   4 api   5 gpumeter.c
#    commands.h (every cmd_*) may be included from anywhere: it is how a
#    command reaches one that lives higher up;
#  - pricing/ includes no library that does I/O (libpq, cJSON, curl, Kafka,
#    HTTP, PDF);
#  - no include cycle between files;
#  - no call circle between files: over the built objects (build/obj, or
#    $LAYOUT_OBJ), a file's undefined symbols are the functions it calls and
#    each is charged to the file defining it; a set of files that call each
#    other round (a strongly connected component: A -> B -> A, or longer)
#    is reported with the calls that close it. Without the objects it says
#    so (not ok) rather than pass. Only function symbols count (T/W/U): a
#    data table of function pointers that a file reads (terms' plan_kind,
#    read by billing/) is data, not a call, and terms/plan.c's dispatch up
#    to billing/ goes through commands.h's cmd_*, the layout's allowed way
#    up (docs/layout.md, "No call circle");
#  - each header is implemented by one file (over the objects too; not
#    commands.h, whose cmd_* each live in their command's file);
#  - every product header's leading comment states its thread-safety
#    ("thread", any case, or "Pure");
#  - every folder has a README.md.
# Prints "ok - ..." / "not ok - ..." lines; exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
failures=0
ok() { echo "ok - $1"; }
bad() {
    echo "not ok - $1"
    failures=$((failures + 1))
}

level() { # folder -> level, or nothing for a folder the layout does not know
    case $1 in
    core) echo 0 ;; pricing) echo 1 ;;
    terms | rating | ingest | render | schema | console) echo 2 ;;
    billing) echo 3 ;; api) echo 4 ;; .) echo 5 ;;
    esac
}
FOLDERS="core pricing terms rating ingest render schema console billing api"

# "file<TAB>included" for every quoted include of the product's sources,
# and those against the layout: one awk each (a shell loop forking dirname
# for each of some 1,200 includes took 4 of this script's 8 seconds, and
# test_layout.sh runs it five times)
edges=$(awk '
    /^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"/ {
        inc = $0
        sub(/^[[:space:]]*#[[:space:]]*include[[:space:]]*"/, "", inc)
        sub(/".*/, "", inc)
        f = FILENAME
        # an include without a folder is the including file'"'"'s own folder
        if (inc !~ /\//) { d = f; if (sub(/\/[^\/]*$/, "", d)) inc = d "/" inc }
        sub(/^\.\//, "", f); sub(/^\.\//, "", inc)
        printf "%s\t%s\n", f, inc
    }' gpumeter.c commands.h $(for d in $FOLDERS; do ls "$d"/*.[ch]; done))

# the levels of level() above, for awk
wrong=$(awk -F '\t' -v levels="$(for d in $FOLDERS .; do printf '%s=%s ' "$d" "$(level "$d")"; done)" '
    function dir(p) { return p ~ /\// ? substr(p, 1, match(p, /\/[^\/]*$/) - 1) : "." }
    BEGIN { n = split(levels, a, " "); for (i = 1; i <= n; i++) { split(a[i], kv, "="); level[kv[1]] = kv[2] } }
    {
        from = dir($1); to = dir($2)
        if ($2 == "commands.h" || from == to) next
        if (!(to in level)) print $1 " includes " $2 ", outside the layout"
        else if (level[to] + 0 >= level[from] + 0)
            print $1 " (level " level[from] ") includes " $2 " (level " level[to] ")"
    }' <<<"$edges")
if [ -z "$wrong" ]; then
    ok "every include goes to its own folder or a lower level ($(wc -l <<<"$edges") includes)"
else
    bad "includes against the layout:"
    sed 's/^/#   /' <<<"$wrong"
fi

impure=$(grep -nE '#[[:space:]]*include[[:space:]]*<(libpq-fe|cjson/|curl/|librdkafka/|microhttpd|hpdf)' \
    pricing/*.[ch] || true)
if [ -z "$impure" ]; then
    ok "pricing/ includes no library that does I/O"
else
    bad "pricing/ includes an I/O library:"
    sed 's/^/#   /' <<<"$impure"
fi

# tsort reports a loop in the include graph (and still sorts): a cycle
loops=$(cut -f1,2 <<<"$edges" | tr '\t' ' ' | tsort 2>&1 >/dev/null || true)
if [ -z "$loops" ]; then
    ok "no include cycle between files"
else
    bad "include cycle:"
    sed 's/^/#   /' <<<"$loops"
fi

# ---- call circles, from the objects ----
objdir=${LAYOUT_OBJ:-build/obj}
sources="gpumeter.c $(for d in $FOLDERS; do ls "$d"/*.c 2>/dev/null; done)"
unbuilt="" stale=""
for f in $sources; do
    o="$objdir/${f%.c}.o"
    if [ ! -f "$o" ]; then unbuilt="$unbuilt $o"; elif [ "$f" -nt "$o" ]; then stale="$stale $o"; fi
done
if [ -n "$unbuilt$stale" ]; then
    bad "no call graph: objects not built or older than their sources (in $objdir)"
    [ -z "$unbuilt" ] || echo "#   missing: $(cut -d' ' -f1-4 <<<"${unbuilt# }")$([ "$(wc -w <<<"$unbuilt")" -gt 4 ] && echo " ...")"
    [ -z "$stale" ] || echo "#   stale: $(cut -d' ' -f1-4 <<<"${stale# }")$([ "$(wc -w <<<"$stale")" -gt 4 ] && echo " ...")"
    echo "#   hint: build first (make build/gpumeter; make check does), then run this again"
else
    # "D file symbol" for each function a file defines, "U file symbol" for
    # each it calls from another file
    # (one nm for every object: a fork per object cost a second)
    symbols=$(for f in $sources; do echo "$objdir/${f%.c}.o"; done | xargs nm -g -A |
        awk -v objdir="$objdir/" '{
            f = substr($1, 1, index($1, ":") - 1)
            f = substr(f, length(objdir) + 1); sub(/\.o$/, ".c", f)
            if ($2 == "U") print "U", f, $3
            else if (NF == 3 && ($2 == "T" || $2 == "W")) print "D", f, $3
        }')
    circles=$(awk '
        $1 == "D" { def[$3] = $2; next }
        { from[++n] = $2; sym[n] = $3 }
        END {
            for (i = 1; i <= n; i++) {
                to = def[sym[i]]
                if (to == "" || to == from[i]) continue
                e = from[i] SUBSEP to
                if (!(e in calls)) { succ[from[i]] = succ[from[i]] " " to; calls[e] = sym[i] }
                else calls[e] = calls[e] ", " sym[i]
                node[from[i]] = node[to] = 1
            }
            for (v in node) if (!(v in index_of)) strongconnect(v)
        }
        # Tarjan: each component of more than one file is a circle
        function strongconnect(v,    k, m, w, list, members, x) {
            index_of[v] = low[v] = ++counter
            stack[++top] = v; on[v] = 1
            m = split(succ[v], list, " ")
            for (k = 1; k <= m; k++) {
                w = list[k]
                if (!(w in index_of)) { strongconnect(w); if (low[w] < low[v]) low[v] = low[w] }
                else if (on[w] && index_of[w] < low[v]) low[v] = index_of[w]
            }
            if (low[v] != index_of[v]) return
            members = ""; x = 0
            do { w = stack[top--]; on[w] = 0; members = members " " w; comp[w] = v; x++ } while (w != v)
            if (x < 2) return
            print "circle:" members
            for (e in calls) {
                split(e, pair, SUBSEP)
                if ((pair[1] in comp) && (pair[2] in comp) && comp[pair[1]] == v && comp[pair[2]] == v)
                    print "  " pair[1] " calls " pair[2] ": " calls[e]
            }
        }' <<<"$symbols")
    if [ -z "$circles" ]; then
        ok "no call circle between files ($(wc -w <<<"$sources") objects in $objdir)"
    else
        bad "call circle between files (files that call each other, and the calls that close it):"
        sed 's/^/#   /' <<<"$circles"
        echo "#   hint: a file calls only files that never call it back. Move what both call"
        echo "#   into a third file they share (as api/http.c for handlers.c and serve.c), or"
        echo "#   let the lower one call back through a function pointer it is given (as"
        echo "#   ingest/token_server.h's token_sink), then rebuild and run this again."
    fi
    # Each header is implemented by one file: the functions a header
    # declares (a line that starts a prototype) are defined in one .c.
    # commands.h is the exception by design: every cmd_* in its own file.
    declared=$(for d in $FOLDERS; do ls "$d"/*.h 2>/dev/null; done |
        xargs grep -HoE '^[a-zA-Z_][^(;=#]*[ *][a-z_][a-z0-9_]*\(' |
        sed -E 's/^([^:]*):.*[ *]([a-z_][a-z0-9_]*)\($/\1 \2/')
    split_headers=$(awk '
        FILENAME == "-" { if ($1 == "D") def[$3] = $2; next }
        ($2 in def) { pair = $1 SUBSEP def[$2]; if (!(pair in seen)) { seen[pair] = 1; n[$1]++; files[$1] = files[$1] " " def[$2] } }
        END { for (h in n) if (n[h] > 1) print h ":" files[h] }' - <(echo "$declared") <<<"$symbols" | sort)
    if [ -z "$split_headers" ]; then
        ok "each header is implemented by one file"
    else
        bad "headers whose functions are defined in more than one file (give each file its own header):"
        sed 's/^/#   /' <<<"$split_headers"
    fi
fi

# assert() is on in every build only where core/invariant.h stops a build
# with NDEBUG: a file that includes <assert.h> itself loses its asserts
# silently under CFLAGS=-DNDEBUG.
bare=$(for f in gpumeter.c $(for d in $FOLDERS; do ls "$d"/*.[ch]; done); do
    [ "$f" = core/invariant.h ] && continue
    grep -qE '(^|[^_[:alnum:]])assert[[:space:]]*\(' "$f" && ! grep -qE '#[[:space:]]*include[[:space:]]*"(core/)?invariant\.h"' "$f" &&
        echo "$f"
done)
if [ -z "$bare" ]; then
    ok "every file that asserts includes core/invariant.h (asserts on in every build)"
else
    bad "files that assert without core/invariant.h (their asserts vanish under -DNDEBUG):"
    sed 's/^/#   /' <<<"$bare"
fi

# docs/layout.md walks a usage event and a bill through the code as
# file:function steps: each names a function that file defines. (A copy of
# the sources alone, as test_layout.sh makes, has no docs/ to check.)
[ -f docs/layout.md ] && stale_steps=$(grep -oE '`[a-z_/]+\.c:[a-z_0-9]+`' docs/layout.md | tr -d '`' | sort -u |
    while IFS=: read -r f fn; do
        [ -f "$f" ] && grep -qE "^[a-z].*[ *]$fn\(" "$f" || echo "$f:$fn"
    done)
if [ ! -f docs/layout.md ]; then
    :
elif [ -z "$stale_steps" ]; then
    ok "every file:function docs/layout.md names is defined in that file"
else
    bad "docs/layout.md names functions its files do not define:"
    sed 's/^/#   /' <<<"$stale_steps"
fi

# Every product header states its contract and its thread-safety in its
# leading comment (up to its first "*/"): a comment that says nothing
# about threads ("thread", any case, or "Pure") fails.
silent=$(for d in $FOLDERS; do for h in "$d"/*.h; do
    [ -f "$h" ] || continue
    lead=$(awk '{ print } /\*\// { exit }' "$h")
    grep -qiE 'thread' <<<"$lead" || grep -qE 'Pure' <<<"$lead" || echo "$h"
done; done)
if [ -z "$silent" ]; then
    ok "every header's leading comment states its thread-safety"
else
    bad "headers whose leading comment says nothing about threads (say \"Thread-safe\", \"Not thread-safe: ...\" or \"Pure\"):"
    sed 's/^/#   /' <<<"$silent"
fi

missing=""
for d in $FOLDERS; do [ -f "$d/README.md" ] || missing="$missing $d"; done
if [ -z "$missing" ]; then ok "every folder has a README.md"; else bad "no README.md in:$missing"; fi
exit $((failures > 0))
