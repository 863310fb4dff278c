#!/bin/bash
# The fapiao hand-off on the real broker and database: the buyer's taxpayer
# number (customer add/update --tax-id, audited) is frozen onto an invoice
# when it is issued; `export etax` writes the bulk issuing
# XLSX, compared cell by cell with a hand-written file; `invoice fapiao`
# records the official number once, dated from the invoice's issue to today
# (audited; PostgreSQL refuses any other change), and corrects a mistyped
# record only with a reason and its audit row; issue and void are audited; `invoice list --no-fapiao` shows what still lacks one; a void
# invoice with a fapiao becomes a red-reversal row with its reason code.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
cat >>"$GPUMETER_CONFIG" <<'CONF'
invoice.seller = 上海临港算力科技有限公司
invoice.seller_tax_id = 91310000MA1FL6TEST
invoice.seller_bank = 中国工商银行上海临港支行
invoice.seller_account = 1001234509876543210
fapiao.tax_code = 3040203000000000000
fapiao.tax_code.tokens = 3040201000000000000
CONF
EXPECT=$ROOT/tests/fixtures/etax
cells() { python3 "$ROOT/tests/tools/xlsx_cells.py" "$1"; }
expect() { grep -v '^#' "$EXPECT/$1"; }
seq=0
h800() { # account start-iso end-iso gpu-hours
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" "$1" $(($4 * 3600000)) "$2" "$3" | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}

# The buyer's taxpayer number.
"$GM" customer update alpha --tax-id 91310115mA1H8XKP3N >/dev/null 2>&1
check_eq "a taxpayer number in lower case is a usage error" 2 "$?"
"$GM" customer update alpha --tax-id 9131011 >/dev/null 2>&1
check_eq "and one too short" 2 "$?"
"$GM" customer update nobody --tax-id 91310115MA1H8XKP3N >/dev/null 2>&1
check_eq "an unknown customer is an error" 1 "$?"
check_eq "the seed's number is the customer's" "91310115MA1H8XKP3N" \
    "$(q "SELECT tax_id FROM customer WHERE code = 'alpha'")"
check_eq "customer update with the same number changes nothing" "customer alpha: unchanged" \
    "$("$GM" customer update alpha --tax-id 91310115MA1H8XKP3N --actor fin 2>&1)"
err=$(pg -c "UPDATE customer SET tax_id = 'bad' WHERE code = 'alpha'" 2>&1)
check_match "PostgreSQL refuses a malformed number too" "customer_tax_id_check" "$err"

# 10 H800 hours in January at 16.80: 168.00 + 6% = 178.08; issued.
h800 ns-alpha 2026-01-10T02:00:00Z 2026-01-10T03:00:00Z 10
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
GPUMETER_ACTOR=fin-default "$GM" invoice issue --period 2026-01 >/dev/null 2>&1
check_eq "the issue is audited once, by the configured actor" \
    "fin-default|issue|INV-2026-000001|issued|alpha|2026-01|17808|CNY" \
    "$(q "SELECT string_agg(actor || '|' || action || '|' || key || '|' || (after->>'status') || '|' ||
                            (after->>'customer') || '|' || (after->>'period') || '|' ||
                            (after->>'total') || '|' || (after->>'currency'), ' ')
          FROM audit_log WHERE object = 'invoice'")"
check_eq "customer update sets a new number" "customer alpha: taxpayer number set" \
    "$("$GM" customer update alpha --tax-id 91310115MA1H8XKP9Z --actor fin 2>&1)"
check_eq "audited with the number before and after" \
    "fin|update|91310115MA1H8XKP3N|91310115MA1H8XKP9Z" \
    "$(q "SELECT actor || '|' || action || '|' || (before->>'tax_id') || '|' || (after->>'tax_id')
          FROM audit_log WHERE object = 'customer' AND key = 'alpha' AND action = 'update'")"
json=$("$GM" invoice show INV-2026-000001 --format json)
check_match "the issued invoice keeps the number it was issued to" \
    '"customer_tax_id":"91310115MA1H8XKP3N"' "$json"

check_eq "invoice list shows it lacks a fapiao" \
    "INV-2026-000001 alpha 2026-01 issued 178.08 CNY no-fapiao due $(issued_on INV-2026-000001) open" \
    "$("$GM" invoice list --no-fapiao | tail -n +2 | tr -s ' ')"

# The export, cell by cell.
"$GM" export etax --period 2026-01 --output "$TMP/jan.xlsx" >"$TMP/out" 2>&1
check_eq "the export succeeds" 0 "$?"
check_eq "and says what it wrote" "$TMP/jan.xlsx: 1 invoices to issue a fapiao for, 0 to reverse with a red one" \
    "$(cat "$TMP/out")"
check_eq "the XLSX holds what finance imports" "$(expect jan-issued.txt)" "$(cells "$TMP/jan.xlsx")"
"$GM" export etax --period 2026-01 --output "$TMP/no/such/dir.xlsx" >"$TMP/out" 2>&1
check_eq "an unwritable file is a run-time error" 1 "$?"
check_match "that says so" "cannot write $TMP/no/such/dir.xlsx" "$(cat "$TMP/out")"
printf 'invoice.seller_tax_id = 9131-bad\n' >"$TMP/bad.conf"
GPUMETER_CONFIG=$TMP/bad.conf "$GM" invoice list >/dev/null 2>&1
check_eq "a malformed seller taxpayer number is a configuration error" 2 "$?"
printf 'fapiao.tax_code = 304020300000\n' >"$TMP/bad.conf"
GPUMETER_CONFIG=$TMP/bad.conf "$GM" invoice list >/dev/null 2>&1
check_eq "and a tax code that is not 19 digits" 2 "$?"
printf 'fapiao.tax_code.gpu_hours = 3040203000000000000\n' >"$TMP/bad.conf"
GPUMETER_CONFIG=$TMP/bad.conf "$GM" invoice list >/dev/null 2>&1
check_eq "and one for an unknown meter" 2 "$?"
# The spelling before `export etax` (issue 33) works for one release: the
# same file, and one line on stderr naming the new command.
"$GM" invoice export --period 2026-01 --format etax --output "$TMP/old.xlsx" >"$TMP/out" 2>"$TMP/err"
check_eq "the old spelling still exports" 0 "$?"
check_eq "the same cells" "$(cells "$TMP/jan.xlsx")" "$(cells "$TMP/old.xlsx")"
check_eq "with a one-line hint naming the new command" \
    'gpumeter: warning: "gpumeter invoice export --format etax" is deprecated and goes in the next release: use "gpumeter export etax"' \
    "$(cat "$TMP/err")"
"$GM" invoice export --period 2026-01 --format csv --output "$TMP/x" >/dev/null 2>"$TMP/err"
check_eq "another format is a usage error" 2 "$?"
check_match "naming the new command" 'Run "gpumeter export etax' "$(cat "$TMP/err")"
check_eq "and no deprecation warning for what it refuses" "" \
    "$(grep 'is deprecated' "$TMP/err")"
"$GM" invoice export --period 2026-01 --format focus >/dev/null 2>"$TMP/err"
check_eq "--format focus is a usage error" 2 "$?"
check_match "naming the command FOCUS has" 'Run "gpumeter export focus --period' "$(cat "$TMP/err")"
# An option once (issue 32), as before the alias: a second --format is
# refused, whichever comes last.
for twice in "--format csv --format etax" "--format etax --format=etax"; do
    # shellcheck disable=SC2086 # the two options are words
    "$GM" invoice export --period 2026-01 $twice --output "$TMP/x" >/dev/null 2>"$TMP/err"
    check_eq "invoice export $twice: a usage error" 2 "$?"
    check_match "naming the option given twice" 'option "--format" is given more than once' \
        "$(cat "$TMP/err")"
done
"$GM" export etax --period 2026-01 --format etax --output "$TMP/x" >/dev/null 2>&1
check_eq "export etax takes no --format" 2 "$?"
"$GM" export etax --period 2026-01 >/dev/null 2>&1
check_eq "and needs --output" 2 "$?"
"$GM" export etax --period 2026-13 --output "$TMP/x" >/dev/null 2>&1
check_eq "and a bad month" 2 "$?"

# The official number: once, audited, and nothing else changes. A fapiao
# is dated from its invoice's issue date to today, in the invoice's time
# zone: the issue here is today (the month is long over).
day=$(issued_on INV-2026-000001)
today=$(q "SELECT to_char(now() AT TIME ZONE customer_time_zone(customer_id, period), 'YYYY-MM-DD')
           FROM invoice WHERE number = 'INV-2026-000001'")
check_eq "issued today" "$today" "$day"
"$GM" invoice fapiao INV-2026-000001 --number 2631200000001234567 --date "$day" >/dev/null 2>&1
check_eq "a fapiao number of 19 digits is a usage error" 2 "$?"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date 2026-02-30 >/dev/null 2>&1
check_eq "and a date that does not exist" 2 "$?"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date 2020-01-01 >"$TMP/out" 2>&1
check_eq "a date before the invoice was issued is a usage error" 2 "$?"
check_match "naming the date and the dates allowed" \
    "error: --date 2020-01-01 is before the invoice was issued: a fapiao of INV-2026-000001 is dated from $day to $today" \
    "$(cat "$TMP/out")"
tomorrow=$(date -u -d "$today + 1 day" +%F)
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$tomorrow" >"$TMP/out" 2>&1
check_eq "and a date in the future" 2 "$?"
check_match "naming it" "error: --date $tomorrow is in the future: a fapiao of INV-2026-000001 is dated from $day to $today" "$(cat "$TMP/out")"
check_eq "neither is recorded" "|0" \
    "$(q "SELECT coalesce(fapiao_number, '') || '|' || (SELECT count(*) FROM audit_log WHERE action = 'fapiao')
          FROM invoice WHERE number = 'INV-2026-000001'")"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$day" --reason typo >/dev/null 2>&1
check_eq "a reason without --correct is a usage error" 2 "$?"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$day" --correct --reason typo >"$TMP/out" 2>&1
check_eq "a correction of nothing recorded is refused" 1 "$?"
check_match "saying so" "INV-2026-000001 has no fapiao recorded: there is nothing to correct" "$(cat "$TMP/out")"
check_eq "invoice fapiao records the number" \
    "INV-2026-000001: fapiao 26312000000012345678 of $day recorded" \
    "$("$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$day" --actor fin 2>&1)"
check_eq "again, the same, changes nothing" \
    "INV-2026-000001: fapiao 26312000000012345678 of $day, unchanged" \
    "$("$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$day" 2>&1)"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000099999999 --date "$day" >"$TMP/out" 2>&1
check_eq "another number is refused (exit 2: a bad --number)" 2 "$?"
check_match "pointing at --correct" "invoice fapiao INV-2026-000001 .*--correct --reason TEXT" "$(cat "$TMP/out")"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345678 --date "$day" --actor x >/dev/null 2>&1
check_eq "the same number again is a no-op" 0 "$?"
check_eq "audited once" "fin|fapiao|26312000000012345678|$day" \
    "$(q "SELECT string_agg(actor || '|' || action || '|' || (after->>'fapiao_number') || '|' ||
                            (after->>'fapiao_date'), ' ') FROM audit_log WHERE action = 'fapiao'")"
err=$(pg -c "UPDATE invoice SET fapiao_number = '26312000000099999999' WHERE number = 'INV-2026-000001'" 2>&1)
check_match "PostgreSQL refuses to change a recorded number" "issued invoices are immutable" "$err"
err=$(pg -c "UPDATE invoice SET fapiao_date = NULL, fapiao_number = NULL" 2>&1)
check_match "or to remove it" "issued invoices are immutable" "$err"
err=$(pg -c "UPDATE invoice SET fapiao_number = NULL, fapiao_date = NULL, total = 1 WHERE number = 'INV-2026-000001'" 2>&1)
check_match "or to slip another change in beside it" "immutable" "$err"
check_eq "the invoice shows its fapiao" "\"fapiao_number\":\"26312000000012345678\",\"fapiao_date\":\"$day\"" \
    "$("$GM" invoice show INV-2026-000001 --format json | grep -o '"fapiao_number":"[0-9]*","fapiao_date":"[0-9-]*"')"
check_eq "nothing lacks a fapiao now" "" "$("$GM" invoice list --no-fapiao)"
"$GM" export etax --period 2026-01 --output "$TMP/jan2.xlsx" >/dev/null 2>&1
check_eq "so the export has nothing to issue" "$(expect jan-issued.txt | grep -P '^[^!]+!3\t')" \
    "$(cells "$TMP/jan2.xlsx")"
"$GM" export etax --period 2026-01 --output "$TMP/jan3.xlsx" --all >/dev/null 2>&1
check_eq "unless --all" "$(expect jan-issued.txt)" "$(cells "$TMP/jan3.xlsx")"

# A mistyped record is corrected, with a reason, audited with the record
# before and after; PostgreSQL lets the two columns change again only
# beside that audit row, in the same transaction (schema 022).
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345670 --date "$day" --correct >"$TMP/out" 2>&1
check_eq "a correction without --reason is a usage error" 2 "$?"
check_match "saying so" "error: --reason is required .it takes 1 to 256 printable characters." "$(cat "$TMP/out")"
"$GM" invoice fapiao INV-2026-000001 --number 26312000000012345670 --date 2020-01-01 --correct --reason typo >/dev/null 2>&1
check_eq "a correction to a date before the issue is a usage error" 2 "$?"
check_eq "neither changed anything" "26312000000012345678|0" \
    "$(q "SELECT fapiao_number || '|' || (SELECT count(*) FROM audit_log WHERE action = 'correct')
          FROM invoice WHERE number = 'INV-2026-000001'")"
check_eq "a correction with its reason" \
    "INV-2026-000001: fapiao 26312000000012345678 of $day corrected to 26312000000012345670 of $day" \
    "$("$GM" invoice fapiao INV-2026-000001 --number 26312000000012345670 --date "$day" --correct \
        --reason "digit mistyped" --actor fin2 2>&1)"
check_eq "changes the record" "26312000000012345670|$day" \
    "$(q "SELECT fapiao_number || '|' || fapiao_date FROM invoice WHERE number = 'INV-2026-000001'")"
check_eq "and is audited once with the record before and after and the reason" \
    "fin2|INV-2026-000001|26312000000012345678|$day|26312000000012345670|$day|digit mistyped" \
    "$(q "SELECT string_agg(actor || '|' || key || '|' || (before->>'fapiao_number') || '|' ||
                            (before->>'fapiao_date') || '|' || (after->>'fapiao_number') || '|' ||
                            (after->>'fapiao_date') || '|' || (after->>'reason'), ' ')
          FROM audit_log WHERE action = 'correct'")"
err=$(pg -c "UPDATE invoice SET fapiao_number = '26312000000099999999' WHERE number = 'INV-2026-000001'" 2>&1)
check_match "without its audit row PostgreSQL still refuses a change" "issued invoices are immutable" "$err"
err=$(pg -c "BEGIN; INSERT INTO audit_log (actor, object, key, action, before, after) VALUES ('x', 'invoice',
    'INV-2026-000001', 'correct', '{\"fapiao_number\": \"26312000000012345670\", \"fapiao_date\": \"$day\"}',
    '{\"fapiao_number\": \"26312000000099999999\", \"fapiao_date\": \"$day\"}');
    UPDATE invoice SET fapiao_number = '26312000000099999999', total = 1 WHERE number = 'INV-2026-000001'; COMMIT" 2>&1)
check_match "and, with one, any other column beside it" "issued invoices are immutable" "$err"
"$GM" export etax --period 2026-01 --output "$TMP/jan4.xlsx" --all >/dev/null 2>&1
check_eq "the corrected record leaves the export as it was" "$(expect jan-issued.txt)" "$(cells "$TMP/jan4.xlsx")"

# Void: a red-reversal row with its reason code; the month invoiced again
# for the new taxpayer number.
"$GM" invoice void INV-2026-000001 --reason "wrong buyer number" --code 05 >/dev/null 2>&1
check_eq "a reason code other than 01-04 is a usage error" 2 "$?"
"$GM" invoice void INV-2026-000001 --reason "wrong buyer number" --actor fin3 >/dev/null 2>&1
check_eq "void defaults to 01 开票有误" "01" "$(q "SELECT void_code FROM invoice WHERE number = 'INV-2026-000001'")"
check_eq "the void is audited once, by the actor given, naming its credit note" \
    "fin3|INV-2026-000001|issued|void|wrong buyer number|01|CN-2026-000001" \
    "$(q "SELECT string_agg(actor || '|' || key || '|' || (before->>'status') || '|' || (after->>'status')
                            || '|' || (after->>'reason') || '|' || (after->>'code') || '|' ||
                            (after->>'credit_note'), ' ') FROM audit_log WHERE action = 'void'")"
check_eq "its credit note's issue is in that row, not one of its own" "1" \
    "$(q "SELECT count(*) FROM audit_log WHERE action = 'issue'")"
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
"$GM" invoice issue --period 2026-01 --actor fin4 >/dev/null 2>&1
check_eq "the new issue is audited by the actor given" "fin4|INV-2026-000002" \
    "$(q "SELECT actor || '|' || key FROM audit_log WHERE action = 'issue' AND actor <> 'fin-default'")"
GPUMETER_ACTOR=fin5 "$GM" invoice void INV-2026-000002 --reason x --code 09 >/dev/null 2>&1
check_eq "a void refused writes nothing" "1" "$(q "SELECT count(*) FROM audit_log WHERE action = 'void'")"
"$GM" export etax --period 2026-01 --output "$TMP/void.xlsx" >"$TMP/out" 2>&1
check_eq "the export of the voided month reverses the corrected fapiao" \
    "$(expect jan-void.txt | sed "s/A=26312000000012345678\tB=2026-02-03/A=26312000000012345670\tB=$day/
                                  s/A=26312000000012345678\tB=INV/A=26312000000012345670\tB=INV/")" \
    "$(cells "$TMP/void.xlsx")"
check_match "says so" "1 invoices to issue a fapiao for, 1 to reverse with a red one" "$(cat "$TMP/out")"
cn_day=$(issued_on CN-2026-000001)
"$GM" invoice fapiao CN-2026-000001 --number 26312000000012345670 --date "$cn_day" >"$TMP/out" 2>&1
check_eq "a number recorded on another invoice is refused (exit 2)" 2 "$?"
check_match "naming it" "fapiao 26312000000012345670 is recorded on INV-2026-000001" "$(cat "$TMP/out")"
"$GM" invoice fapiao CN-2026-000001 --number 26312000000012345679 --date "$cn_day" >/dev/null 2>&1
check_eq "the credit note takes its red fapiao's number" 0 "$?"
"$GM" invoice fapiao CN-2026-000001 --number 26312000000012345670 --date "$cn_day" --correct --reason x >"$TMP/out" 2>&1
check_eq "a correction to a number recorded on another invoice is refused (exit 2)" 2 "$?"
check_match "naming it" "fapiao 26312000000012345670 is recorded on INV-2026-000001" "$(cat "$TMP/out")"
"$GM" export etax --period 2026-01 --output "$TMP/void2.xlsx" >/dev/null 2>&1
check_match "after which the reversal is not asked for again" "^1-发票基本信息!4" "$(cells "$TMP/void2.xlsx")"
check_eq "only the new invoice is" 0 "$(cells "$TMP/void2.xlsx" | grep -c '^3-红字确认信息!4')"

# A buyer without a taxpayer number cannot have a 增值税专用发票; the others
# are still exported, and with normal fapiao it is too.
# Hostile names never reach an invoice; XML's own characters, CJK and an
# emoji are text like any other and come back from the XLSX as they went in.
"$GM" customer add evil --name "$(printf 'Evil \xe2\x80\xaeoC')" >/dev/null 2>&1
check_eq "a name with a bidirectional override is a usage error" 2 "$?"
"$GM" customer add evil --name "$(printf 'Evil\x01Co')" >/dev/null 2>&1
check_eq "and one with a control character" 2 "$?"
"$GM" customer add evil --name "$(printf 'Evil \xff Co')" >/dev/null 2>&1
check_eq "and one that is not UTF-8" 2 "$?"
"$GM" invoice void INV-2026-000002 --reason "$(printf 'bad\x1b[31m')" >/dev/null 2>&1
check_eq "a void reason with an escape sequence is a usage error" 2 "$?"
printf 'invoice.seller = Op \xe2\x80\xae\n' >"$TMP/bad.conf"
GPUMETER_CONFIG=$TMP/bad.conf "$GM" invoice list >/dev/null 2>&1
check_eq "a seller name with a bidirectional override is a configuration error" 2 "$?"
"$GM" customer add nofp --name "No Tax Id & <Co> 研发 🚀" >/dev/null
cat >"$TMP/k.json" <<'JSON'
{ "contract": "nofp-2026", "customer": "nofp", "effective_from": "2026-01-01",
  "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06",
  "accounts": [ { "account": "ns-nofp" } ] }
JSON
"$GM" contract apply "$TMP/k.json" >/dev/null 2>&1
h800 ns-nofp 2026-02-10T02:00:00Z 2026-02-10T03:00:00Z 1
h800 ns-alpha 2026-02-10T02:00:00Z 2026-02-10T03:00:00Z 1
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
"$GM" export etax --period 2026-02 --output "$TMP/feb.xlsx" >"$TMP/out" 2>&1
check_eq "a missing taxpayer number fails the export" 1 "$?"
check_match "naming the invoice and the fix" "nofp.*not exported: it has no taxpayer number.*customer update" \
    "$(cat "$TMP/out")"
check_eq "the file holds the others" "1" "$(cells "$TMP/feb.xlsx" | grep -c '^1-发票基本信息!4')"
echo "fapiao.invoice_type = normal" >>"$GPUMETER_CONFIG"
"$GM" export etax --period 2026-02 --output "$TMP/feb.xlsx" >/dev/null 2>&1
check_eq "as 普通发票 both are exported" "普通发票 普通发票" \
    "$(cells "$TMP/feb.xlsx" | grep '^1-发票基本信息![4-9]' | grep -oP '\tB=\K[^\t]*' | tr '\n' ' ' | sed 's/ $//')"
check_eq "a name with XML's characters, CJK and an emoji is written as it is" "No Tax Id & <Co> 研发 🚀" \
    "$(cells "$TMP/feb.xlsx" | grep -oP '\tF=\KNo Tax[^\t]*')"
finish
