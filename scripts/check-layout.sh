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

# "file<TAB>included" for every quoted include of the product's sources
edges=$(for f in gpumeter.c commands.h $(for d in $FOLDERS; do ls "$d"/*.[ch]; done); do
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
        while read -r inc; do
            # an include without a folder is the including file's own folder
            case $inc in */*) ;; *) inc="$(dirname "$f")/$inc" ;; esac
            printf '%s\t%s\n' "${f#./}" "${inc#./}"
        done
done)

wrong=$(while IFS=$'\t' read -r f inc; do
    from=$(dirname "$f") to=$(dirname "$inc")
    [ "$inc" = commands.h ] || [ "$from" = "$to" ] && continue
    lf=$(level "$from") lt=$(level "$to")
    if [ -z "$lt" ]; then
        echo "$f includes $inc, outside the layout"
    elif [ "$lt" -ge "$lf" ]; then
        echo "$f (level $lf) includes $inc (level $lt)"
    fi
done <<<"$edges")
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

missing=""
for d in $FOLDERS; do [ -f "$d/README.md" ] || missing="$missing $d"; done
if [ -z "$missing" ]; then ok "every folder has a README.md"; else bad "no README.md in:$missing"; fi
exit $((failures > 0))
