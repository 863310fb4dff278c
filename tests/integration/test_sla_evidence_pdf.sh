#!/bin/bash
# Issue 36's evidence attached to the invoice: an invoice with
# invoice_sla_evidence rows (schema 050) gets evidence pages in its PDF,
# availability by day, the devices with downtime and the month, in
# Chinese and English, from the stored rows only (health that arrives
# later changes the live report, never the invoice's evidence); an
# invoice without rows has none. invoice run writes the rows of a draft
# from sla_device_days.
. "$(dirname "$0")/lib.sh"

# The fixture's month (January 2027) is ahead of today: the rater takes
# its usage within a year ahead (the most rating.max_future_s allows).
echo "rating.max_future_s = 31622400" >>"$GPUMETER_CONFIG"
fresh || { fail "set up database and topic"; finish; }
sla_alpha_fixture
h800_hours ns-alpha 2027-01-12T02:00:00Z 10
h800_hours ns-beta 2027-01-12T02:00:00Z 7
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2027-01 >/dev/null 2>&1 || fail "invoice run 2027-01"
inv=$(q "SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id
         WHERE c.code = 'alpha' AND i.period = '2027-01-01' AND i.status = 'draft'")
check_match "alpha has a draft for January" '^[0-9]+$' "$inv"
check_eq "invoice run wrote alpha's evidence: sla_device_days's rows, exactly" "0|4" \
    "$(q "SELECT (SELECT count(*) FROM (
                    (SELECT '2027-01-01'::date, d.* FROM sla_device_days(
                        (SELECT id FROM customer WHERE code = 'alpha'), '2027-01-01',
                        '{xid:13,xid:31,xid:43,xid:45,xid:68}') d
                     EXCEPT ALL SELECT month, day, site, node, device, model, metered_ms, up_ms,
                        degraded_ms, down_ms, maintenance_ms, customer_ms, downtime_ms
                     FROM invoice_sla_evidence WHERE invoice_id = $inv)
                    UNION ALL
                    (SELECT month, day, site, node, device, model, metered_ms, up_ms,
                        degraded_ms, down_ms, maintenance_ms, customer_ms, downtime_ms
                     FROM invoice_sla_evidence WHERE invoice_id = $inv
                     EXCEPT ALL SELECT '2027-01-01'::date, d.* FROM sla_device_days(
                        (SELECT id FROM customer WHERE code = 'alpha'), '2027-01-01',
                        '{xid:13,xid:31,xid:43,xid:45,xid:68}') d)) x)
              || '|' || (SELECT count(*) FROM invoice_sla_evidence WHERE invoice_id = $inv)")"
check_eq "four day-device rows of evidence" 4 "$(q "SELECT count(*) FROM invoice_sla_evidence WHERE invoice_id = $inv")"

# The spans not up stored beside the sums (schema 052's invoice_sla_span,
# from sla_spans): GPU-a's hour in the announced window (maintenance), its
# half hour of XID 13 alone (customer-caused), then its half hour of XID
# 13 and 79 (downtime): three spans, not merged (class and state differ),
# times local to Shanghai; GPU-b's window of 1 Feb belongs to February.
check_eq "the spans not up stored with the draft, exactly" \
"GPU-a|2027-01-10 03:00:00|2027-01-10 04:00:00|3600000|down|{xid:79}|maintenance
GPU-a|2027-01-12 08:00:00|2027-01-12 08:30:00|1800000|degraded|{xid:13}|customer
GPU-a|2027-01-12 08:30:00|2027-01-12 09:00:00|1800000|down|{xid:13,xid:79}|downtime" \
    "$(q "SELECT device, to_char(start_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'),
                 to_char(end_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'),
                 span_ms, state, reasons, class
          FROM invoice_sla_span WHERE invoice_id = $inv ORDER BY start_at")"

# Health that arrives after the evidence was written: the live report
# moves, the invoice's evidence does not.
health_window 9 gpu-node-07 GPU-b 2027-01-20T00:00:00Z 60 down '{xid:79}'
check_match "the live report now counts the late window (6 h metered, 1.5 h downtime: 75%)" \
    '^total,,21600000,10800000,1800000,9000000,3600000,1800000,5400000,750000,75\.0000$' \
    "$("$GM" report availability --customer alpha --period 2027-01 --format csv)"

pdf() { # customer -> the PDF's text, layout kept
    "$GM" invoice show --customer "$1" --period 2027-01 --format pdf --output "$TMP/$1.pdf" ||
        fail "render $1's PDF"
    pdftotext -layout "$TMP/$1.pdf" - 2>/dev/null
}
text=$(pdf alpha | tr -d "\f")
check_match "alpha's PDF has two pages" "Page 2 of 2" "$text"
page2=$(awk '/\f/ { page++ } page >= 1' <<<"$(echo "$text" | tr '\f' '\n\f' | sed 's/^$//')")
check_eq "the evidence page: title, month, each day, the month and the device with downtime, as stored" \
"服务可用性证明 SLA availability evidence DRAFT
计量月份与可用性 Month measured, availability 2027-01 90.0000%
2027-01-01 2.000 0.000 0.000 0.000 100.0000%
2027-01-05 1.000 0.000 0.000 0.000 100.0000%
2027-01-10 1.000 1.000 0.000 0.000 100.0000%
2027-01-12 1.000 0.000 0.500 0.500 50.0000%
合计 Month 5.000 1.000 0.500 0.500 90.0000%
有停机的设备 Devices with downtime
sh-lingang/gpu-node-07/GPU-a (H800) 3.000 1.000 0.500 0.500 83.3333%" \
    "$(grep -E '^ *(服务可用性证明|计量月份|2027-01-|合计 Month|有停机的设备|sh-lingang/)' <<<"$text" | sed 's/  */ /g; s/^ //; s/ $//')"
check_match "the heads in both languages" '计量 +维护排除 +客户原因排除 +停机 +可用性' "$text"
check_match "and in English" 'Metered +Maintenance +Customer-caused +Downtime +Availability' "$text"
check_match "the rule it follows, in Chinese" '开具后不再变更' "$text"
check_match "and what alpha's terms count as delivered (both excluded), per month" \
    '计为已交付 +Counted as delivered +已公告维护 announced maintenance · 客户原因 customer-caused' "$text"
check_eq "GPU-b (no downtime) is not among the devices" "" "$(grep -F 'GPU-b (' <<<"$text")"
check_match "the spans' heads in both languages" '不可用时段（当地时间） +Time not up \(local time\)' "$text"
check_eq "each span: start, end, state, GPU-hours, reasons, and the exclusion its class makes" \
"2027-01-10 03:00:00 2027-01-10 04:00:00 停机 down 1.000 xid:79 · 排除: 已公告维护
2027-01-12 08:00:00 2027-01-12 08:30:00 降级 degraded 0.500 xid:13 · 排除: 客户原因
2027-01-12 08:30:00 2027-01-12 09:00:00 停机 down 0.500 xid:13 xid:79" \
    "$(grep -oE '2027-01-1[02] [0-9:]{8} +2027-01-1[02] [0-9:]{8} .*' <<<"$text" | sed 's/  */ /g; s/ $//')"
check_eq "the late window of 20 Jan is not in the stored spans" "" "$(grep -F '2027-01-20 08:00' <<<"$text")"
pdftoppm -r 60 -f 2 -l 2 -png "$TMP/alpha.pdf" "$TMP/alpha-evidence" &&
    check_match "page 2 renders as an image" 'PNG image data' "$(file "$TMP"/alpha-evidence*.png)"

text=$(pdf beta)
check_match "beta's invoice (no evidence) keeps one page" "Page 1 of 1" "$text"
check_eq "and no evidence page" "" "$(grep -F '服务可用性证明' <<<"$text")"

# Evidence longer than a page (80 devices with downtime, names as long
# as real GPU UUIDs): the rows go on to new pages, heads repeated, and the
# pages are numbered with the document's.
binv=$(q "SELECT i.id FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'beta' AND i.period = '2027-01-01' AND i.status = 'draft'")
q "INSERT INTO invoice_sla_evidence
   SELECT $binv, '2027-01-01', '2027-01-03', 'sh-lingang', 'gpu-node-' || n,
          'GPU-5fd0a6e1-8a4c-4d1e-9b7a-' || lpad(n::text, 12, '0'), 'H800',
          3600000, 0, 0, 3600000, 0, 0, 3600000
   FROM generate_series(1, 80) n" >/dev/null || fail "write beta's 80 rows of evidence"
text=$(pdf beta | tr -d '\f')
check_match "beta's PDF runs to a fifth page" "Page 5 of 5" "$text"
check_eq "each of the 80 devices listed once, its name wrapped whole" 80 \
    "$(grep -cE '^GPU-5fd0a6e1-8a4c-4d1e-9b7a-0000000000[0-9]{2} \(H800\)$' <<<"$text")"
check_eq "each with its figures: 1 GPU-hour, all of it downtime, 0%" 80 \
    "$(grep -cE '^sh-lingang/gpu-node-[0-9]+/ +1\.000 +0\.000 +0\.000 +1\.000 +0\.0000%$' <<<"$text")"
check_eq "the heads repeated on each page of devices" 4 "$(grep -c 'Device (model)' <<<"$text")"
# Beta's contract has no sla excludes: its evidence must not claim that
# maintenance or customer-caused time counted as delivered.
check_match "beta's terms exclude nothing, and its page says so" \
    '计为已交付 +Counted as delivered +无 None: all time not up is downtime' "$text"
check_eq "no exclusion claimed that beta's terms do not make" "" \
    "$(grep -E 'customer-caused time count|客户原因造成的时间视为已交付|已公告维护 announced' <<<"$text")"

# The API's PDF of an issued invoice carries the same page.
# January 2027 has not ended (invoice issue holds its drafts): issued as
# the owner, as lifecycle's issue does it.
number=$(q "WITH n AS (INSERT INTO invoice_number (series, year, last)
                       VALUES ('INV', extract(year FROM now())::int, 1)
                       ON CONFLICT (series, year) DO UPDATE SET last = invoice_number.last + 1
                       RETURNING year, last)
            UPDATE invoice i SET status = 'issued', issued_at = now(),
                   number = format('INV-%s-%s', n.year, lpad(n.last::text, 6, '0')),
                   buyer_name = c.name, buyer_tax_id = c.tax_id FROM n, customer c
            WHERE i.id = $inv AND c.id = i.customer_id RETURNING i.number")
check_match "alpha's January issued" '^INV-[0-9]{4}-[0-9]{6}$' "$number"
KA=$("$GM" customer key create alpha 2>/dev/null)
start_server "$TMP/serve.log" --threads 1 || fail "the server starts"
trap 'kill $SERVER 2>/dev/null; cleanup' EXIT
curl -s -H "Authorization: Bearer $KA" "$U/v1/invoices/$number?format=pdf" -o "$TMP/api.pdf"
check_match "the API's PDF of the issued invoice has the evidence page" \
    '合计 Month +5\.000 +1\.000 +0\.500 +0\.500 +90\.0000%' "$(pdftotext -layout "$TMP/api.pdf" - 2>/dev/null)"
refused_as "the issued invoice's evidence cannot be changed" gpumeter_billing \
    "DELETE FROM invoice_sla_evidence WHERE invoice_id = $inv" 'issued|frozen|immutable'
refused_as "nor its spans deleted" gpumeter_billing \
    "DELETE FROM invoice_sla_span WHERE invoice_id = $inv" 'issued|frozen|immutable'
refused_as "nor a span added to it" gpumeter_billing \
    "INSERT INTO invoice_sla_span VALUES ($inv, '2027-01-01', 's', 'n', 'd', 'H800', now(),
     now() + interval '1 hour', 3600000, 'down', '{xid:79}', 'downtime')" 'issued|frozen|immutable'
refused_as "nor one changed" gpumeter_billing \
    "UPDATE invoice_sla_span SET class = 'maintenance' WHERE invoice_id = $inv" 'permission denied'
finish
