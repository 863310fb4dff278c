#!/bin/bash
# The usage rollup by day and month (schema 018) and the monthly partitions of usage_hourly
# (017): the rater makes the months it writes, the rollup equals its hourly
# rows in every zone after any change (rated, duplicated, deleted, a new
# zone), the invoice and the usage API read it and agree with the hourly
# rows, a corrupted rollup fails `gpumeter conservation`, only the triggers
# can write it, and an archived month keeps its statements.
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
seq=0
gpu() { # account model start-iso hours gpus
    seq=$((seq + 1))
    printf 'r\t{"v":1,"source":"r","seq":%d,"account":"%s","cluster":"c","site":"s","model":"%s","vendor":"nvidia","gpu_ms":%d,"start":"%s","end":"%s"}\n' \
        "$seq" "$1" "$2" $(($4 * $5 * 3600000)) "$3" "$(date -u -d "$3 + $4 hour" +%Y-%m-%dT%H:%M:%SZ)"
}
# (to a file first: a pipeline would count seq in a subshell)
send() { kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'; }
mismatch() { q "SELECT count(*) FROM usage_rollup_mismatch"; }
# GPU-ms of an account from usage_hourly over the local month P (YYYY-MM) in zone Z.
hourly_sum() { # account month zone
    q "SELECT coalesce(sum(quantity), 0) FROM usage_hourly WHERE account = '$1'
       AND hour >= '$2-01'::timestamp AT TIME ZONE '$3'
       AND hour < ('$2-01'::date + interval '1 month')::timestamp AT TIME ZONE '$3'"
}
usage_qty() { # customer period: the usage lines' quantity on its invoice
    q "SELECT coalesce(sum(l.quantity), 0) FROM invoice i JOIN customer c ON c.id = i.customer_id
       JOIN invoice_line l ON l.invoice_id = i.id
       WHERE c.code = '$1' AND i.period = '$2-01' AND l.kind = 'usage'"
}

# alpha (Asia/Shanghai, UTC+8): 6 hours of 2 GPUs across October's first
# local midnight (16:00Z), 5 across its last, and a day in the middle; the
# first window twice (a duplicate).
{
    gpu ns-alpha H800 2026-09-30T13:00:00Z 6 2
    gpu ns-alpha H800 2026-10-31T13:00:00Z 5 2
    gpu ns-alpha A800 2026-10-15T00:00:00Z 24 1
} >"$TMP/events"
send <"$TMP/events"
head -1 "$TMP/events" | send
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_counters "every event rated once, the duplicate counted" "4 3 1 0"
check_eq "the rater made the partitions of September and October (and this month's)" \
    "usage_hourly_2026_09 usage_hourly_2026_10 $(date -u +usage_hourly_%Y_%m)" \
    "$(q "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'usage_hourly'::regclass
          AND c.relname <= '$(date -u +usage_hourly_%Y_%m)'")"
check_eq "the rollup equals the hourly rows" 0 "$(mismatch)"
check_eq "October in Shanghai by day: Oct 1 has 3 of the first window's hours, Oct 31 3" \
    "2026-10-01 21600000 3|2026-10-15 57600000 16|2026-10-16 28800000 8|2026-10-31 21600000 3|2026-11-01 14400000 2" \
    "$(q "SELECT string_agg(day || ' ' || quantity || ' ' || hours, '|' ORDER BY day)
          FROM usage_rollup WHERE tz = 'Asia/Shanghai' AND span = 'day' AND account = 'ns-alpha'
          AND day >= '2026-10-01'")"

check_eq "and by local month: October's two models, November's first hours" \
    "2026-09-01 H800 21600000|2026-10-01 A800 86400000|2026-10-01 H800 43200000|2026-11-01 H800 14400000" \
    "$(q "SELECT string_agg(day || ' ' || model || ' ' || quantity, '|' ORDER BY day, model)
          FROM usage_rollup WHERE tz = 'Asia/Shanghai' AND span = 'month'")"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "October's invoice bills what the hourly rows hold for the local month" \
    "$(hourly_sum ns-alpha 2026-10 Asia/Shanghai)" "$(usage_qty alpha 2026-10)"
check_eq "which is 3 hours of 2 GPUs, 24 of 1 and 3 of 2" "129600000" "$(usage_qty alpha 2026-10)"
# A refresh rewrites only the drafts whose lines changed.
line_rows() { q "SELECT string_agg(l.xmin::text || ':' || l.line_no, ' ' ORDER BY l.line_no)
                 FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                 JOIN customer c ON c.id = i.customer_id WHERE c.code = '$1' AND i.period = '$2-01'"; }
before_rows=$(line_rows alpha 2026-10)
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "an unchanged draft's lines are not rewritten by a refresh" "$before_rows" \
    "$(line_rows alpha 2026-10)"
gpu ns-alpha A800 2026-10-20T00:00:00Z 1 1 >"$TMP/events"
send <"$TMP/events"
rollup_writes() { q "SELECT pg_stat_force_next_flush(); SELECT n_tup_ins || ' ' || n_tup_upd
                     FROM pg_stat_user_tables WHERE relname = 'usage_rollup'" | tail -1; }
before_writes=$(rollup_writes)
"$GM" rate --until-idle 2>>"$TMP/rate.log"
# The rater writes each rollup row of its batch once (schema 078): a new
# hour of a new day of A800 in October (Shanghai, the one zone so far)
# makes the day's row and adds to the month's, 1 insert and 1 update
# (074's lock pass and 018's trigger made the day's row and then updated
# both: 1 and 2).
check_eq "a batch writes each of its rollup rows once: 1 insert, 1 update" "1 1" \
    "$(set -- $before_writes; b_ins=$1 b_upd=$2; set -- $(rollup_writes); echo $(($1 - b_ins)) $(($2 - b_upd)))"
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "a changed one's are, with the new hour" "133200000 1" \
    "$(usage_qty alpha 2026-10) $([ "$(line_rows alpha 2026-10)" != "$before_rows" ] && echo 1)"
q "DELETE FROM usage_hourly WHERE account = 'ns-alpha' AND hour = '2026-10-20 00:00Z'" >/dev/null
"$GM" invoice run --period 2026-10 >/dev/null 2>&1
check_eq "and back" "129600000" "$(usage_qty alpha 2026-10)"

# The usage API by day (rollup) and by hour (usage_hourly) agree.
KF=$("$GM" customer key create --finance 2>/dev/null)
start_server "$TMP/serve.log" || { fail "the server starts"; finish; }
api_sum() { # group_by
    curl -s -H "Authorization: Bearer $KF" \
        "$U/v1/usage?from=2026-10-01&to=2026-10-31&group_by=$1&customer=alpha&format=csv&page_size=1000" |
        awk -F, 'NR > 1 { s += $5 } END { print s + 0 }'
}
check_eq "GET /v1/usage by day sums what by hour does" "$(api_sum hour)" "$(api_sum day)"
check_eq "and by month, the invoice's quantity" "129600000" "$(api_sum month)"
check_eq "by day, model: 31 Oct's H800 hours are a row of their own (6 GPU-hours)" \
    "2026-10-31,,H800,gpu_ms,21600000,GPU-ms,6.000000,,," \
    "$(curl -s -H "Authorization: Bearer $KF" \
        "$U/v1/usage?from=2026-10-31&to=2026-10-31&group_by=day,model&customer=alpha&format=csv" | sed -n 2p)"

# A contract in a new zone adds the zone and rolls all usage up into it. A
# customer keeps one zone (docs/contracts.md, "Time zone"): the new zone is
# a new customer's.
"$GM" customer add omega --name "Omega Labs" >/dev/null 2>&1
cat >"$TMP/omega-utc.json" <<'JSON'
{ "contract": "omega-2026-utc", "customer": "omega", "effective_from": "2026-11-01",
  "plan": "gpu-standard", "currency": "CNY", "tax_rate": "0.06", "time_zone": "UTC",
  "accounts": [ { "account": "ns-omega" } ] }
JSON
"$GM" contract apply "$TMP/omega-utc.json" >/dev/null 2>&1
check_eq "the contract's zone has its rollup" "Asia/Shanghai UTC" \
    "$(q "SELECT string_agg(tz, ' ' ORDER BY tz) FROM usage_zone")"
check_eq "rolled up from all usage so far" 0 "$(mismatch)"
gpu ns-omega H800 2026-11-30T20:00:00Z 6 1 >"$TMP/events"
send <"$TMP/events"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
"$GM" invoice run --period 2026-11 >/dev/null 2>&1
check_eq "November in UTC: the invoice bills the hourly rows of the UTC month" \
    "$(hourly_sum ns-omega 2026-11 UTC)" "$(usage_qty omega 2026-11)"
check_eq "which is 30 Nov's last 4 hours (the other 2 are UTC December)" "14400000" \
    "$(usage_qty omega 2026-11)"

# Deletes and updates (an insider's psql) keep it exact too.
q "UPDATE usage_hourly SET quantity = quantity + 7 WHERE account = 'ns-alpha'
   AND hour = '2026-10-15 05:00Z'" >/dev/null
q "DELETE FROM usage_hourly WHERE account = 'ns-alpha' AND hour = '2026-10-15 06:00Z'" >/dev/null
check_eq "after an update and a delete" 0 "$(mismatch)"
q "DELETE FROM usage_hourly WHERE account = 'ns-alpha' AND hour >= '2026-10-15 00:00Z'
   AND hour < '2026-10-16 00:00Z'" >/dev/null
check_eq "a group whose hours are all deleted leaves the rollup" "0 0" \
    "$(mismatch) $(q "SELECT count(*) FROM usage_rollup WHERE model = 'A800'")"
# An update that adds to stored hours (what every rater batch does) reads
# the rollup only through its key: 018's trigger scanned the whole rollup
# after every update, so a batch's commit grew with the fleet's history
# (schema 076).
check_eq "adding to stored hours scans no rollup row and deletes none" "0 0" \
    "$(pg -tA <<<"BEGIN; UPDATE usage_hourly SET quantity = quantity + 1 WHERE account = 'ns-alpha';
          SELECT seq_scan || ' ' || n_tup_del FROM pg_stat_xact_user_tables
          WHERE relname = 'usage_rollup'; COMMIT;")"
q "UPDATE usage_hourly SET model = 'A800' WHERE account = 'ns-alpha' AND model = 'H800'
   AND hour >= '2026-10-31 13:00Z' AND hour < '2026-10-31 16:00Z'" >/dev/null
check_eq "an update that moves Shanghai's 31 Oct from H800 to A800 empties H800's day there" "0 1 0" \
    "$(mismatch) $(q "SELECT count(*) FROM usage_rollup WHERE model = 'A800' AND span = 'day' AND tz = 'Asia/Shanghai'") $(q "SELECT count(*) FROM usage_rollup WHERE model = 'H800' AND span = 'day' AND day = '2026-10-31' AND tz = 'Asia/Shanghai'")"

# Only the triggers write the rollup and make partitions.
as_rater() { psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U gpumeter -d "$DB" -tAc "SET ROLE gpumeter_rater; $1" 2>&1; }
check_match "the rater cannot write the rollup" "permission denied" \
    "$(as_rater "UPDATE usage_rollup SET quantity = 0")"
# usage_hourly_add writes the month's partition by name, which the
# parent's statement triggers (rollup, versions) do not see: safe only
# because nobody but the owner may name a partition.
check_match "the rater cannot write a partition by name (past the rollup trigger)" \
    "permission denied" \
    "$(as_rater "INSERT INTO usage_hourly_2026_10 (account, hour, meter, model, vendor, site, cluster, job, quantity, events, first_ingest, last_ingest) VALUES ('ns-alpha', '2026-10-02Z', 'gpu_ms', 'H800', 'nvidia', 's', 'c', '', 1, 1, now(), now())")"
check_match "nor create a table" "permission denied" \
    "$(as_rater "CREATE TABLE usage_hourly_x PARTITION OF usage_hourly FOR VALUES FROM ('2030-01-01Z') TO ('2030-02-01Z')")"
check_match "nor archive a month" "permission denied" \
    "$(as_rater "SELECT usage_hourly_archive('2026-09-01')")"
check_eq "but it may make a month's partition through the schema's function" "usage_hourly_2030_01" \
    "$(as_rater "SELECT usage_hourly_partition('2030-01-15')" >/dev/null
       q "SELECT relname FROM pg_class WHERE relname = 'usage_hourly_2030_01'")"

# A rollup that disagrees with its hourly rows fails the conservation check.
check_match "conservation holds with the rollup" \
    "disagree with their hourly rows: 0.*conservation: holds" "$("$GM" conservation | tr '\n' ' ')"
q "UPDATE usage_rollup SET quantity = quantity + 1 WHERE tz = 'UTC' AND day = '2026-10-31'
   AND model = 'H800'" >/dev/null
out=$("$GM" conservation 2>&1)
check_eq "a corrupted rollup: conservation exits 1" 1 "$?"
check_match "and says so" "disagree with their hourly rows: 1.*conservation: VIOLATED" \
    "$(echo "$out" | tr '\n' ' ')"
q "UPDATE usage_rollup SET quantity = quantity - 1 WHERE tz = 'UTC' AND day = '2026-10-31'
   AND model = 'H800'" >/dev/null

# Archiving September: the partition leaves, its rollups and October's
# invoice stay; late September usage gets a new partition.
before=$(curl -s -H "Authorization: Bearer $KF" \
    "$U/v1/usage?from=2026-09-30&to=2026-09-30&group_by=day&customer=alpha&format=csv")
check_eq "the owner archives September" "usage_archive_2026_09" \
    "$(q "SELECT usage_hourly_archive('2026-09-01')")"
check_eq "its rows left usage_hourly" 0 \
    "$(q "SELECT count(*) FROM usage_hourly WHERE hour < '2026-10-01Z'")"
check_eq "30 Sep's statement still reads from the rollup" "$before" \
    "$(curl -s -H "Authorization: Bearer $KF" \
        "$U/v1/usage?from=2026-09-30&to=2026-09-30&group_by=day&customer=alpha&format=csv")"
gpu ns-alpha H800 2026-09-10T00:00:00Z 1 1 >"$TMP/events"
send <"$TMP/events"
"$GM" rate --until-idle 2>>"$TMP/rate.log"
check_eq "late usage of the archived month is rated into a new partition" "1" \
    "$(q "SELECT count(*) FROM usage_hourly WHERE hour = '2026-09-10 00:00Z'")"
check_match "and conservation holds" "conservation: holds" "$("$GM" conservation)"
kill "$SERVER"
wait "$SERVER" 2>/dev/null
sanitizer_clean "server" "$TMP/serve.log"
finish
