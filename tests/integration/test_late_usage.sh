#!/bin/bash
# Late usage of an issued month, for several customers at once: each is
# rated again alone and billed on its next invoice as prior-period lines;
# a customer whose month can no longer be rated keeps its issued invoice as
# it stands (a warning, never a credit of everything it was billed).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
seq=0
gpu() { # account model start-iso gpu-hours
    seq=$((seq + 1))
    printf 'l\t{"v":1,"source":"l","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" "$1" "$2" $(($4 * 3600000)) "$3" "$(date -u -d "$3 + 1 hour" +%Y-%m-%dT%H:%M:%SZ)" |
        kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
}
lines() { # customer period: its invoice's lines
    q "SELECT coalesce(string_agg(l.kind || '|' || coalesce(l.model, '') || '|' || l.quantity
                                  || '|' || l.amount, ' ' ORDER BY l.line_no), '')
       FROM invoice i JOIN customer c ON c.id = i.customer_id JOIN invoice_line l ON l.invoice_id = i.id
       WHERE c.code = '$1' AND i.period = '$2-01' AND i.kind = 'invoice'"
}
# invoice_line's rows read (by index and by scans) and written, as counted
# once the last run has reported: a backend reports its counts at exit,
# all at once (the run's one connection), so the run's invoice_refresh row
# being counted ($1 rows in all) means its reads of invoice_line are too.
refresh_rows() { q "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'invoice_refresh'"; }
refresh_counted() { [ "$(refresh_rows)" -ge "$1" ]; }
line_io() { # runs recorded
    wait_for 60 refresh_counted "$1" || echo "# the run's counts never arrived"
    q "SELECT 'read ' || (coalesce(idx_tup_fetch, 0) + seq_tup_read) || ' written '
              || (n_tup_ins + n_tup_upd + n_tup_del)
       FROM pg_stat_user_tables WHERE relname = 'invoice_line'"
}
# January: alpha and beta each 10 H800 hours at 16.80, issued.
gpu ns-alpha H800 2026-01-10T02:00:00Z 10
gpu ns-beta H800 2026-01-10T02:00:00Z 10
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
# The drafts' content digests (schema 072) stand for their lines, ledger
# rows and claims: a refresh recognises an unchanged draft by its header
# alone (nothing issued yet: late usage and health read no line either).
lines_before=$(line_io 1)
"$GM" invoice run --period 2026-01 >/dev/null 2>&1
check_eq "a refresh where nothing changed reads no invoice line and writes none" \
    "$lines_before" "$(line_io 2)"
"$GM" invoice issue --period 2026-01 >/dev/null 2>&1
check_eq "January issued for both" "2" \
    "$(q "SELECT count(*) FROM invoice WHERE status = 'issued' AND period = '2026-01-01'")"

# Late January usage: alpha 5 more H800 hours (84.00); beta 1 hour of an
# H100, which its plan does not price.
gpu ns-alpha H800 2026-01-20T02:00:00Z 5
gpu ns-beta H100 2026-01-20T02:00:00Z 1
"$GM" rate --until-idle 2>/dev/null
# as the second connection of a split commit records it (schema 077: its
# own slot's row of the day): late usage reads every slot's
q "UPDATE usage_day_changed SET slot = 1 WHERE day = '2026-01-20'" >/dev/null
gpu ns-alpha H800 2026-02-03T02:00:00Z 1
gpu ns-beta H800 2026-02-03T02:00:00Z 1
"$GM" rate --until-idle 2>/dev/null
err=$("$GM" invoice run --period 2026-02 2>&1 >/dev/null)
check_eq "alpha's February: its own hour and January's late five" \
    "usage|H800|3600000|1680 prior_period|H800|18000000|8400" "$(lines alpha 2026-02)"
check_eq "beta's February: its own hour only, nothing credited" "usage|H800|3600000|1680" \
    "$(lines beta 2026-02)"
check_match "and a warning says why beta's January was not rated again" \
    'late usage of customer "beta" in 2026-01 cannot be rated again: .*H100' "$err"
check_eq "January's issued invoices stand" "17808 17808" \
    "$(q "SELECT string_agg(total::text, ' ' ORDER BY customer_id) FROM invoice
          WHERE period = '2026-01-01' AND kind = 'invoice'")"
# A statement for one customer sees the same prior-period line.
check_match "alpha's February statement shows the late hours" 'prior_period' \
    "$("$GM" statement --customer alpha --period 2026-02 --format csv 2>/dev/null)"

# A refresh leaves an unchanged draft alone (issue 38: no row written, not
# even locked; schema 067) and rewrites a changed one. rows: each row of a
# customer's draft of the month and of its lines, ledger and redemptions,
# by its place and version (ctid, xmin: an update or a rewrite changes
# both), and the draft's updated_at.
rows() { # customer period
    q "SELECT coalesce(string_agg(x, ' ' ORDER BY x), '') FROM (
         SELECT 'i' || i.ctid || i.xmin || i.updated_at AS x FROM invoice i
         WHERE i.id = (SELECT id FROM invoice j WHERE j.period = '$2-01' AND j.kind = 'invoice'
                        AND j.customer_id = (SELECT id FROM customer WHERE code = '$1'))
         UNION ALL SELECT 'l' || ctid || xmin FROM invoice_line WHERE invoice_id = (SELECT id
           FROM invoice j WHERE j.period = '$2-01' AND j.kind = 'invoice'
            AND j.customer_id = (SELECT id FROM customer WHERE code = '$1'))
         UNION ALL SELECT 'g' || ctid || xmin FROM commitment_ledger WHERE period = '$2-01'
            AND customer_id = (SELECT id FROM customer WHERE code = '$1')
         UNION ALL SELECT 'v' || ctid || xmin FROM voucher_redemption WHERE period = '$2-01'
            AND customer_id = (SELECT id FROM customer WHERE code = '$1')) r"
}
runs() { # period: the runs recorded for it, oldest first (customer or "all")
    q "SELECT string_agg(coalesce(c.code, 'all'), ' ' ORDER BY r.refreshed_at)
       FROM invoice_refresh r LEFT JOIN customer c ON c.id = r.customer_id
       WHERE r.period = '$1-01'"
}
"$GM" invoice issue --period 2026-02 >/dev/null 2>&1
gpu ns-alpha H800 2026-03-10T02:00:00Z 10
gpu ns-beta H800 2026-03-10T02:00:00Z 10
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
alpha=$(rows alpha 2026-03) beta=$(rows beta 2026-03)
digest=$(q "SELECT i.content_digest FROM invoice i JOIN customer c ON c.id = i.customer_id
            WHERE c.code = 'alpha' AND i.period = '2026-03-01'")
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
check_eq "a refresh where nothing changed writes no row of alpha's draft" "$alpha" \
    "$(rows alpha 2026-03)"
check_eq "nor of beta's" "$beta" "$(rows beta 2026-03)"
check_eq "each run is recorded once, for every customer" "all all" "$(runs 2026-03)"
# alpha's March grows by 2 hours: its draft alone is rewritten, to the fen.
gpu ns-alpha H800 2026-03-11T02:00:00Z 2
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
check_eq "alpha's changed draft is rewritten: 12 hours, 201.60" "usage|H800|43200000|20160 21370" \
    "$(lines alpha 2026-03) $(q "SELECT total FROM invoice i JOIN customer c ON c.id = i.customer_id
                                 WHERE c.code = 'alpha' AND i.period = '2026-03-01'")"
check_eq "its header with it (updated_at moved, a new 32-byte content digest)" "t t" \
    "$(q "SELECT i.updated_at > i.created_at, octet_length(i.content_digest) = 32
                 AND i.content_digest <> '$digest'::bytea
          FROM invoice i JOIN customer c ON c.id = i.customer_id
          WHERE c.code = 'alpha' AND i.period = '2026-03-01'" | tr '|' ' ')"
check_eq "beta's unchanged draft is still left alone" "$beta" "$(rows beta 2026-03)"
"$GM" invoice run --period 2026-03 --customer beta >/dev/null 2>&1
check_eq "a run for one customer is recorded as that customer's" "all all all beta" \
    "$(runs 2026-03)"
# Usage ingested after March's last refresh that changed nothing, before
# its issue, is late: that refresh, not a run after the issue, is when
# March was last computed.
gpu ns-alpha H800 2026-03-20T02:00:00Z 3
"$GM" rate --until-idle 2>/dev/null
"$GM" invoice issue --period 2026-03 >/dev/null 2>&1
"$GM" invoice run --period 2026-03 >/dev/null 2>&1
"$GM" invoice run --period 2026-04 >/dev/null 2>&1
check_eq "alpha's April bills March's 3 late hours once" "prior_period|H800|10800000|5040" \
    "$(lines alpha 2026-04)"
check_eq "beta's April has nothing" "" "$(lines beta 2026-04)"
finish
