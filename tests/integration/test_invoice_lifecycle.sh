#!/bin/bash
# The invoice lifecycle on the real broker and database: a rerun batch is
# idempotent; issue numbers gap-free per year, also with eight batches
# issuing at once; PostgreSQL refuses to change an issued invoice; late
# usage of an issued month is billed once as a prior-period adjustment on
# the next invoice; void issues a credit note and the month is invoiced
# again without billing the late usage twice; drafts of a month not yet
# over are held; the PDF is a valid PDF with the right totals in its text.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
seq=0
h800() { # start-iso end-iso gpu-hours: an event of alpha's ns-alpha
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" $(($3 * 3600000)) "$1" "$2" | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
# 10 H800 hours in January at 16.80 (alpha's seed plan): 168.00 + 6% = 178.08.
h800 2026-01-10T02:00:00Z 2026-01-10T03:00:00Z 10
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
inv() { q "SELECT coalesce(string_agg(coalesce(number, '-') || '|' || status || '|' || total, ' '
                                      ORDER BY id), '')
           FROM invoice WHERE period = '2026-$1-01' AND kind = 'invoice'"; }
check_eq "January's draft" "-|draft|17808" "$(inv 01)"
first=$(q "SELECT id || ' ' || updated_at FROM invoice")
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
check_eq "a rerun refreshes the same draft, nothing more" "1 1 $(echo "$first" | cut -d' ' -f1)" \
    "$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM invoice_line) || ' ' || min(id) FROM invoice")"

check_match "issue numbers the draft" '^INV-2026-000001 +alpha +2026-01 +178.08 CNY' \
    "$("$GM" invoice issue --period 2026-01 2>/dev/null)"
check_eq "January is issued" "INV-2026-000001|issued|17808" "$(inv 01)"
err=$(pg -c "UPDATE invoice SET total = 0, subtotal = 0, tax = 0, due = 0" 2>&1)
check_match "PostgreSQL refuses an UPDATE of an issued invoice" "issued invoices are immutable" "$err"
err=$(pg -c "UPDATE invoice_line SET amount = 1" 2>&1)
check_match "and of its lines" "are immutable" "$err"
err=$(pg -c "DELETE FROM invoice" 2>&1)
check_match "and its deletion" "cannot be deleted" "$err"

# 5 more January hours arrive late: 84.00. The issued invoice stays; the
# next month's invoice carries them: 84.00 + 5.04 = 89.04.
h800 2026-01-20T02:00:00Z 2026-01-20T03:00:00Z 5
"$GM" rate --until-idle 2>/dev/null
out=$("$GM" invoice run --period 2026-01 2>/dev/null)
check_eq "the issued month is untouched by a rerun" "INV-2026-000001|issued|17808" "$(inv 01)"
check_match "and the run says so" '^alpha +2026-01 +issued +\(left alone\)' "$out"
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
check_eq "February carries January's late usage" "-|draft|8904" "$(inv 02)"
check_eq "as a prior-period line for January" "prior_period|gpu_ms|H800|18000000|8400|2026-01-01" \
    "$(q "SELECT l.kind || '|' || l.meter || '|' || l.model || '|' || l.quantity || '|' || l.amount
                 || '|' || l.adjusts FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
          WHERE i.period = '2026-02-01'")"
"$GM" invoice run --period 2026-02 >/dev/null 2>&1
check_eq "a rerun does not add it twice" "-|draft|8904" "$(inv 02)"
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
check_eq "once issued, March does not bill it again" "" "$(inv 03)"

out=$("$GM" invoice void INV-2026-000001 --reason "contract correction")
check_eq "void answers with a credit note" "INV-2026-000001: void; credit note CN-2026-000001 issued" "$out"
check_eq "the credit note negates the invoice" "credit_note|issued|-17808|INV-2026-000001" \
    "$(q "SELECT c.kind || '|' || c.status || '|' || c.total || '|' || i.number FROM invoice c
          JOIN invoice i ON i.id = c.credits")"
"$GM" invoice void INV-2026-000001 --reason again 2>/dev/null
check_eq "a void invoice cannot be voided again" 1 "$?"
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
# January again: 15 hours = 252.00, less the 84.00 February already billed.
check_eq "January is invoiced again without the late hours twice" \
    "INV-2026-000001|void|17808 -|draft|17808" "$(inv 01)"
check_match "the deduction names the invoice that billed it" "billed on INV-2026-000002" \
    "$("$GM" invoice show --customer alpha --period 2026-01)"
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
check_eq "and issued with the next number" "INV-2026-000001|void|17808 INV-2026-000003|issued|17808" \
    "$(inv 01)"

"$GM" invoice show INV-2026-000003 --format pdf --output "$TMP/inv.pdf"
check_eq "the PDF is written" 0 "$?"
check_eq "it is a PDF" "%PDF-" "$(head -c 5 "$TMP/inv.pdf")"
check_match "pdfinfo reads it" "Pages: +1" "$(pdfinfo "$TMP/inv.pdf" 2>&1)"
text=$(pdftotext -layout "$TMP/inv.pdf" - 2>/dev/null)
check_match "its text has the number" "INV-2026-000003" "$text"
check_match "the total" "Total +178.08" "$text"
check_match "the due amount" "Due from customer +178.08" "$text"
check_match "and the deduction" "-84.00" "$text"
check_match "with Chinese labels" "结算单 +Statement of charges" "$text"
check_match "on the total too" "价税合计 Total" "$text"
"$GM" invoice show --format pdf INV-2026-000003 2>/dev/null
check_eq "pdf without --output exits 2" 2 "$?"

# A draft of the current month is held until it ends plus the grace.
now=$(date -u +%Y-%m)
h800 "$(date -u +%Y-%m-01T00:00:00Z)" "$(date -u +%Y-%m-01T01:00:00Z)" 1
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period "$now" >/dev/null 2>&1
err=$("$GM" invoice issue --period "$now" 2>&1)
check_match "a month not over is held" "1 drafts held" "$err"
check_eq "and stays a draft" "draft" \
    "$(q "SELECT status FROM invoice WHERE period = '$now-01' AND kind = 'invoice'")"

# Eight batches issue 40 drafts at once: every number once, no gaps.
q "INSERT INTO customer (code, name) SELECT 'c' || g, 'C' || g FROM generate_series(1, 40) g;
   INSERT INTO invoice (customer_id, period, currency, tax_rate_ppm, subtotal, tax, total, due)
   SELECT id, '2026-05-01', 'CNY', 0, 100, 0, 100, 100 FROM customer WHERE code ~ '^c[0-9]+$'" \
    >/dev/null
for i in 1 2 3 4 5 6 7 8; do "$GM" invoice issue --period 2026-05 >"$TMP/issue.$i" 2>&1 & done
wait
check_eq "40 issued, each once" "40 40" \
    "$(q "SELECT count(*) || ' ' || count(DISTINCT number) FROM invoice WHERE period = '2026-05-01'
          AND status = 'issued'")"
check_eq "INV-2026 numbers run 1 to 43 without a gap" "43 43 43" \
    "$(q "SELECT count(*) || ' ' || count(DISTINCT number) || ' ' || max(substr(number, 10)::int)
          FROM invoice WHERE number LIKE 'INV-2026-%'")"
check_eq "the batches together printed 40 issues" 40 "$(cat "$TMP"/issue.* | grep -c '^INV-')"
finish
