#!/bin/bash
# scripts/check-layout.sh finds call circles between files in the built
# objects: a circle planted in a copy of the tree (two files calling each
# other, and three calling round) fails it, naming the files and the
# functions; objects missing or older than their sources fail it with a
# hint to build, never a silent pass; a header whose leading comment says
# nothing about threads fails it, and so does a header whose functions two
# files define. Needs build/obj (make build/gpumeter).
. "$(dirname "$0")/lib.sh"

COPY=$TMP/tree
FOLDERS="core pricing terms rating ingest render schema console billing api"
mkdir -p "$COPY/scripts" "$COPY/build"
cp -p "$ROOT/gpumeter.c" "$ROOT/commands.h" "$ROOT/Makefile" "$COPY/"
cp -p "$ROOT/scripts/check-layout.sh" "$COPY/scripts/"
for d in $FOLDERS; do
    mkdir -p "$COPY/$d"
    cp -p "$ROOT/$d"/*.[ch] "$ROOT/$d/README.md" "$COPY/$d/"
done
cp -rp "$ROOT/build/obj" "$COPY/build/obj"
layout() { (cd "$COPY" && bash scripts/check-layout.sh "$@" 2>&1); }

out=$(layout)
check_match "the tree as built: the call graph is read from every object" \
    "(ok|not ok) - (no )?call circle between files" "$out"
check_match "the tree as written: every header states its thread-safety" \
    "ok - every header's leading comment states its thread-safety" "$out"
check_match "the tree as built: each header is implemented by one file" \
    "^ok - each header is implemented by one file" "$out"
if grep -qE "render/describe.c|core/(decimal|digest|utf8).c" <<<"$(grep -A20 '^not ok - call circle' <<<"$out")"; then
    fail "the tree as built has no circle through the files planted below (got [$out])"
else
    pass "the tree as built has no circle through the files planted below"
fi

# Two files calling each other: render.c calls describe.c (render_quantity),
# and now describe.c calls render.c back.
# (describe.c includes only describe.h since render.h and describe.h were
# split, so the plant includes render.h itself.) Declared in render.h, the
# planted function also makes render.h a header implemented by two files.
cat >>"$COPY/render/describe.c" <<'C'

#include "render/render.h"
void planted_describe(void) { render_bill(NULL, RENDER_TEXT, "", NULL); }
C
sed -i 's/^#endif$/void planted_describe(void);\n#endif/' "$COPY/render/render.h"
# Three files calling round, of files that call no other (so the circle is
# exactly these): decimal.c -> digest.c -> utf8.c -> decimal.c.
plant() { # file defines calls
    printf '\nvoid %s(void);\nvoid %s(void);\nvoid %s(void) { %s(); }\n' "$2" "$3" "$2" "$3" \
        >>"$COPY/$1"
}
plant core/decimal.c planted_decimal planted_digest
plant core/digest.c planted_digest planted_utf8
plant core/utf8.c planted_utf8 planted_decimal
made=$(cd "$COPY" && make --no-print-directory build/obj/render/describe.o build/obj/core/decimal.o \
    build/obj/core/digest.o build/obj/core/utf8.o 2>&1)
check_eq "the planted files compile" "" "$(grep -v '^  CC' <<<"$made")"

out=$(layout)
rc=$?
check_eq "a call circle fails the check (exit 1)" 1 "$rc"
circle=$(grep "circle: .*render/describe.c" <<<"$out")
check_match "two files: the circle names both" "circle: .*render/render.c" "$circle"
check_match "two files: the call back is named with its function" \
    "render/describe.c calls render/render.c: planted_describe|render/describe.c calls render/render.c: render_bill" \
    "$out"
check_match "two files: and the call forward" "render/render.c calls render/describe.c: .*render_quantity" "$out"
check_match "three files: the circle names all three" \
    "circle:( core/(decimal|digest|utf8)\.c){3}$" "$out"
for call in "core/decimal.c calls core/digest.c: planted_digest" \
    "core/digest.c calls core/utf8.c: planted_utf8" "core/utf8.c calls core/decimal.c: planted_decimal"; do
    check_match "three files: $call" "$call" "$out"
done
check_match "the message says how to fix it" "hint: a file calls only files that never call it back" "$out"
check_match "a header declaring functions of two files fails the check, naming both" \
    "^#   render/render.h: render/(describe|render).c render/(describe|render).c$" "$out"

# Objects older than their sources, or none at all: not ok, with the hint.
touch -d '+1 minute' "$COPY/render/pdf.c"
out=$(layout)
check_eq "stale objects fail the check (exit 1)" 1 "$?"
check_match "stale objects are named" "stale: build/obj/render/pdf.o" "$out"
check_match "and the hint says to build" "hint: build first" "$out"
out=$(cd "$COPY" && LAYOUT_OBJ=build/none bash scripts/check-layout.sh 2>&1)
check_eq "no objects fail the check (exit 1)" 1 "$?"
check_match "no objects: said so, not passed" \
    "not ok - no call graph: objects not built or older than their sources \(in build/none\)" "$out"
check_match "no objects: the missing ones are named" "missing: build/none/gpumeter.o" "$out"

# A header whose leading comment says nothing about threads fails, even when
# a later comment does; one that says "Pure" passes.
printf '/* planted: a contract, and no word on concurrency. */\n#pragma once\n/* thread-safe */\n' \
    >"$COPY/render/planted.h"
printf '/* planted_pure: a contract. Pure. */\n#pragma once\n' >"$COPY/core/planted_pure.h"
out=$(LAYOUT_OBJ=build/none layout)
check_match "a header silent on threads fails the check, named" \
    "not ok - headers whose leading comment says nothing about threads" "$out"
check_eq "only that header is named (a Pure one passes)" "#   render/planted.h" \
    "$(grep -A5 '^not ok - headers whose leading' <<<"$out" | grep '^#   ')"
finish
