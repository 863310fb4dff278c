#!/bin/bash
# Least privilege and immutability held by PostgreSQL, tried as an insider
# with psql: each command works as its own role (the month below is rated,
# invoiced, issued and voided through them), and every bypass that once
# worked now fails, as the application's roles and, for the guard
# triggers, even as the superuser that owns nothing of the data. Every
# privilege is on the documented list (tests/fixtures/db/grants.txt), every
# function is called as each role (only those that need it may), and the
# rater can only add usage (issue 31).
. "$(dirname "$0")/lib.sh"

fresh || { fail "set up database and topic"; finish; }
refused() { refused_as "$@"; } # (lib.sh)

check_eq "the roles exist, none a superuser, none able to create roles or databases" \
    "gpumeter_api|false|false|false|false gpumeter_billing|false|false|false|false gpumeter_owner|false|false|false|false gpumeter_rater|false|false|false|false" \
    "$(q "SELECT string_agg(rolname || '|' || rolsuper || '|' || rolcreaterole || '|' ||
                            rolcreatedb || '|' || rolbypassrls, ' ' ORDER BY rolname)
          FROM pg_roles WHERE rolname LIKE 'gpumeter\_%'")"
check_eq "every table, view and function belongs to gpumeter_owner" "0" \
    "$(q "SELECT (SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
                    AND c.relkind IN ('r', 'v', 'S') AND c.relowner <> 'gpumeter_owner'::regrole)
               + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
                    AND proowner <> 'gpumeter_owner'::regrole)")"

# Every privilege of the database, line by line, against the documented
# list (docs/operations.md#database-roles). A change to roles.sql or a new
# table or function shows here as a diff: review it, then regenerate the
# list from a freshly migrated database (the command in the hint).
grants=$(pg -tA -f "$ROOT/tests/tools/db_grants.sql")
if [ "$grants" = "$(cat "$ROOT/tests/fixtures/db/grants.txt")" ]; then
    pass "every grant is on the documented list (tests/fixtures/db/grants.txt)"
else
    fail "every grant is on the documented list (tests/fixtures/db/grants.txt): the diff, documented (-) against found (+), follows"
    diff "$ROOT/tests/fixtures/db/grants.txt" - <<<"$grants" | sed 's/^/# /'
    echo "# if intended: psql -XtA -f tests/tools/db_grants.sql >tests/fixtures/db/grants.txt (a fresh database)"
fi
check_eq "no function is executable by PUBLIC" "" \
    "$(q "SELECT string_agg(p.oid::regprocedure::text, ' ') FROM pg_proc p
          WHERE p.pronamespace = 'public'::regnamespace
            AND has_function_privilege('public', p.oid, 'EXECUTE')")"
check_eq "every security definer function searches public then pg_temp (pg_catalog first, implicitly)" "" \
    "$(q "SELECT string_agg(p.oid::regprocedure::text || ' ' || coalesce(p.proconfig::text, 'no search_path'), ', ')
          FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
            AND p.proconfig IS DISTINCT FROM '{\"search_path=public, pg_temp\"}'")"
check_eq "a function a later migration adds is its owner's alone (default privileges)" \
    "false false false false true" \
    "$(q "BEGIN;
          CREATE FUNCTION probe_admin() RETURNS int LANGUAGE sql AS 'SELECT 1';
          SET LOCAL ROLE gpumeter_owner;
          CREATE FUNCTION probe_owner() RETURNS int LANGUAGE sql AS 'SELECT 1';
          SELECT has_function_privilege('gpumeter_api', 'probe_admin()', 'EXECUTE') || ' ' ||
                 has_function_privilege('gpumeter_rater', 'probe_admin()', 'EXECUTE') || ' ' ||
                 has_function_privilege('gpumeter_api', 'probe_owner()', 'EXECUTE') || ' ' ||
                 has_function_privilege('gpumeter_rater', 'probe_owner()', 'EXECUTE') || ' ' ||
                 has_function_privilege('gpumeter_owner', 'probe_admin()', 'EXECUTE');
          ROLLBACK")"

# Each function, called as each application role: the roles that may call
# it (roles.sql) succeed, every other is refused before the function runs.
# A role's call is rolled back. Trigger functions: nobody (a trigger fires
# whoever may execute its function; the rating and invoicing above and
# below go through them).
APP_ROLES="gpumeter_api gpumeter_billing gpumeter_rater"
readers=$APP_ROLES
calls="default_time_zone()|SELECT default_time_zone()|$readers
document_in_effect(text,date)|SELECT count(*) FROM document_in_effect('contract', '2026-01-01')|$readers
contract_in_effect(date)|SELECT count(*) FROM contract_in_effect('2026-01-01')|$readers
customer_time_zone(bigint,date)|SELECT customer_time_zone(1, '2026-01-01')|$readers
account_window(bigint,text,date,date)|SELECT count(*) FROM account_window(1, 'UTC', '2026-01-01', '2026-02-01')|gpumeter_api gpumeter_billing
usage_rollup_day(text,timestamp with time zone,text)|SELECT usage_rollup_day('day', now(), 'UTC')|$readers
usage_hourly_partition(date)|SELECT usage_hourly_partition('2199-01-01')|gpumeter_rater
usage_hourly_partitions(timestamp with time zone,timestamp with time zone)|SELECT usage_hourly_partitions('2199-01-01Z', '2199-03-01Z')|gpumeter_rater
usage_version_bump(text[])|SELECT usage_version_bump(ARRAY['ns-alpha'])|gpumeter_rater
usage_hourly_add(text[],bigint[],text[],text[],text[],text[],text[],text[],bigint[],bigint[],bigint[])|SELECT usage_hourly_add('{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')|gpumeter_rater
usage_writer_slot()|SELECT usage_writer_slot()|gpumeter_rater
usage_days_changed(text[],timestamp with time zone[])|SELECT usage_days_changed('{}', '{}')|gpumeter_rater
invoice_fapiao_dates(bigint)|SELECT * FROM invoice_fapiao_dates(1)|gpumeter_billing
usage_version_bump_customers(bigint[])|SELECT usage_version_bump_customers(ARRAY[1::bigint])|gpumeter_billing
usage_zone_add(text)|SELECT usage_zone_add('America/Lima')|gpumeter_billing
usage_hourly_archive(date)|SELECT usage_hourly_archive('2199-01-01')|
ledger_post_issued(bigint,text,timestamp with time zone)|SELECT ledger_post_issued(1, 'x', now())|
invoice_due_on(invoice)|SELECT invoice_due_on(NULL::invoice)|gpumeter_api gpumeter_billing
invoice_refreshed_at(invoice)|SELECT invoice_refreshed_at(NULL::invoice)|gpumeter_api gpumeter_billing
invoice_open_at(timestamp with time zone)|SELECT count(*) FROM invoice_open_at(now())|gpumeter_api gpumeter_billing
invoice_open_rows(timestamp with time zone)|SELECT count(*) FROM invoice_open_rows(now())|
notify_emit(text,bigint,text,jsonb)|SELECT notify_emit('probe.sent', NULL, 'x', '{}')|gpumeter_billing
ledger_post(bigint,text,text,text,text,timestamp with time zone,jsonb)|SELECT ledger_post(1, 'CNY', 'payment', 'x', 'x', now(), '[]')|
ledger_credit_excess(bigint,text,text)|SELECT ledger_credit_excess(x, 'x', 'x') FROM generate_series(1, 0) x|
customer_default_at(timestamp with time zone,integer)|SELECT count(*) FROM customer_default_at(now(), 60)|gpumeter_api gpumeter_billing
deposit_currency(bigint,date)|SELECT deposit_currency(1, '2026-01-01')|gpumeter_billing
deposit_held(bigint,text)|SELECT deposit_held(1, 'CNY')|gpumeter_billing
deposit_hold(bigint,bigint,text)|SELECT deposit_hold(1, NULL, NULL)|
deposit_transfer_posted(text,text,bigint,bigint)|SELECT deposit_transfer_posted('deposit', 'x', 1, 1)|
deposit_receive(bigint,bigint,text,text,timestamp with time zone)|SELECT deposit_receive(1, 100, 'probe', 'x', now())|gpumeter_billing
ledger_apply_deposit(bigint,bigint,bigint,text)|SELECT ledger_apply_deposit(1, x, 0, 'x') FROM generate_series(1, 0) x|gpumeter_billing
default_apply_deposit(bigint,text[],text)|SELECT default_apply_deposit(0, '{}', 'x')|gpumeter_billing
deposit_refund(bigint,bigint,text,text)|SELECT deposit_receive(1, 100, 'probe', 'x', now()), deposit_refund(1, 100, 'probe-back', 'x')|gpumeter_billing
payment_terms_due(jsonb,date)|SELECT payment_terms_due(NULL, '2026-01-31')|gpumeter_api gpumeter_billing
receivables_day_end(date,text)|SELECT receivables_day_end('2026-01-31', 'UTC')|gpumeter_api gpumeter_billing
invoice_state_at(timestamp with time zone)|SELECT count(*) FROM invoice_state_at(now())|gpumeter_api gpumeter_billing
receivables_aging(date,text)|SELECT count(*) FROM receivables_aging('2026-01-31', NULL)|gpumeter_api gpumeter_billing
dunning_run(date,integer[],text)|SELECT count(*) FROM dunning_run('2026-01-31', ARRAY[1], 'x')|gpumeter_billing
payment_statement(text,text,text,text,text)|SELECT payment_statement('camt053', 'a', 's', NULL, 'x')|gpumeter_billing
payment_receive(bigint,text,text,date,date,bigint,bigint,text,text,text,text,text)|SELECT payment_receive(payment_statement('camt053', 'a', 's', NULL, 'x'), 'a', 'r', '2026-01-01', NULL, 1, 0, 'CNY', NULL, NULL, NULL, 'x')|gpumeter_billing
payment_apply(text,text,text[],text,text)|DO \$\$ BEGIN PERFORM payment_apply('none', NULL, NULL, 'alpha', 'x'); EXCEPTION WHEN data_exception THEN NULL; END \$\$|gpumeter_billing
payment_record(text,text,bigint,text,text[],date,text,text)|DO \$\$ BEGIN PERFORM payment_record('none', 'CNY', 1, 'r', NULL, NULL, 'transfer', 'x'); EXCEPTION WHEN data_exception THEN NULL; END \$\$|gpumeter_billing
payment_refund(text,text,bigint,text,text)|DO \$\$ BEGIN PERFORM payment_refund('none', 'CNY', 1, 'r', 'x'); EXCEPTION WHEN data_exception THEN NULL; END \$\$|gpumeter_billing
invoice_write_off(text,text,text)|DO \$\$ BEGIN PERFORM invoice_write_off('INV-2026-999999', 'r', 'x'); EXCEPTION WHEN data_exception THEN NULL; END \$\$|gpumeter_billing
payment_reference_add(text,text,text)|DO \$\$ BEGIN PERFORM payment_reference_add('none', 'abcd', 'x'); EXCEPTION WHEN data_exception THEN NULL; END \$\$|gpumeter_billing
payment_post(bigint,text[],text)|SELECT payment_post(0, '{}', 'x')|
payment_customer(text)|SELECT payment_customer('alpha')|
payment_currency_billed(bigint,text)|SELECT payment_currency_billed(1, 'CNY')|
payment_invoice_customer(text)|SELECT payment_invoice_customer('x')|
payment_money(bigint,text)|SELECT payment_money(17808, 'CNY')|
maintenance_announced(maintenance_window)|SELECT maintenance_announced(NULL::maintenance_window)|$readers
maintenance_excludes(text,text,text,timestamp with time zone)|SELECT maintenance_excludes('s', 'n', 'd', now())|$readers
maintenance_store(text,date,integer)|DO \$\$ BEGIN PERFORM maintenance_store('none', '2026-01-01', 72); EXCEPTION WHEN foreign_key_violation THEN NULL; END \$\$|gpumeter_billing
sla_device_days(bigint,date,text[])|SELECT count(*) FROM sla_device_days(1, '2026-01-01', '{}')|gpumeter_api gpumeter_billing
device_availability(date,date,text)|SELECT count(*) FROM device_availability('2026-01-01', '2026-01-31', 'site')|gpumeter_api gpumeter_billing
health_month_devices(date)|SELECT count(*) FROM health_month_devices('2026-01-01')|gpumeter_api gpumeter_billing
health_month_last_ingested(date)|SELECT health_month_last_ingested('2026-01-01')|gpumeter_api gpumeter_billing
health_month_reasons(date)|SELECT count(*) FROM health_month_reasons('2026-01-01')|gpumeter_api gpumeter_billing
sla_windows(bigint,date,text[])|SELECT count(*) FROM sla_windows(1, '2026-01-01', '{}')|gpumeter_api gpumeter_billing
sla_spans(bigint,date,text[])|SELECT count(*) FROM sla_spans(1, '2026-01-01', '{}')|gpumeter_api gpumeter_billing
project_until(text,date)|SELECT project_until('p', '2026-01-01')|gpumeter_billing
project_claims(text,date,text[],text[])|SELECT count(*) FROM project_claims('p', '2026-01-01', '{}', '{}')|gpumeter_billing
price_index_latest(date,text,text)|SELECT count(*) FROM price_index_latest('2026-01-01', 'H800', 'CNY')|gpumeter_billing gpumeter_api
project_cash_collected(date,text,text[])|SELECT project_cash_collected('2026-01-01', 'CNY', '{}')|gpumeter_api gpumeter_billing
api_key_manager(text)|SELECT api_key_manager('d00000000001')|
api_key_own_create(text,text,text,text)|SELECT api_key_own_create('d00000000001', 'd00000000002', repeat('0', 64), 'x')|gpumeter_api
api_key_own_revoke(text,text)|SELECT api_key_own_revoke('d00000000001', 'd00000000003')|gpumeter_api
api_key_used(text)|SELECT api_key_used('d00000000001')|gpumeter_api
document_state(text,text)|SELECT document_state('plan', 'gpu-standard')|gpumeter_api gpumeter_billing
proposal_submit(text,text,date,text,jsonb,text,text)|SELECT proposal_submit('plan', 'x', '2027-01-01', NULL, '{}', 's', 'sam')|gpumeter_api gpumeter_billing
proposal_decide(bigint,text,boolean,text)|SELECT proposal_decide(proposal_submit('plan', 'x', '2027-01-01', NULL, '{}', 's', 'sam'), 'fay', false, 'no')|gpumeter_api gpumeter_billing
proposal_apply(bigint)|SELECT proposal_apply((proposal_decide(proposal_submit('plan', 'x', '2027-01-01', NULL, '{}', 's', 'sam'), 'fay', true, NULL)).id)|gpumeter_api
proposal_apply_at_once(text,text,date,text,jsonb,text,text)|SELECT CASE WHEN random() < 2 THEN 'not called' ELSE proposal_apply_at_once('plan', 'x', '2027-01-01', NULL, '{}', 's', 'sam') END|gpumeter_api
contract_accounts_rewrite(text)|SELECT contract_accounts_rewrite('alpha')|gpumeter_api gpumeter_billing
document_version_store(text,text,date,text,jsonb,text,text,text)|SELECT document_version_store('plan', 'x', '2027-01-01', NULL, '{}', 's', 'sam', NULL)|"
# the customer key the calls of schema 070's functions are made with
q "INSERT INTO api_key (id, customer_id, role, sha256, created_by)
   SELECT 'd00000000001', id, 'customer', repeat('0', 64), 'test' FROM customer WHERE code = 'alpha'"
try_as() { # role sql -> ok | refused | the error
    local out
    if out=$(as "$1" "BEGIN; $2; ROLLBACK" </dev/null); then
        echo ok
    elif grep -q 'permission denied for function' <<<"$out"; then
        echo refused
    else
        echo "$out" | head -n 1
    fi
}
while IFS='|' read -r fn kind; do
    row=$(grep -F "$fn|" <<<"$calls")
    if [ "$kind" = trigger ]; then
        call="SELECT $fn" may=""
    elif [ -z "$row" ]; then
        fail "$fn is called as each role here (add it to the calls above with the roles that may)"
        continue
    else
        call=$(cut -d'|' -f2 <<<"$row") may=$(cut -d'|' -f3 <<<"$row")
    fi
    expected="" actual=""
    for r in $APP_ROLES; do
        if grep -qw "$r" <<<"$may"; then expected+="$r:ok "; else expected+="$r:refused "; fi
        actual+="$r:$(try_as "$r" "$call") "
    done
    check_eq "$fn as each role" "$expected" "$actual"
done < <(q "SELECT p.oid::regprocedure, CASE WHEN p.prorettype = 'trigger'::regtype THEN 'trigger' END
            FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY p.oid::regprocedure::text")

# The attacks of issue 31, as the read-only API role: a table made through
# the partition function, the rollup doubled (and usage_hourly locked)
# through the zone function. Not rolled back: nothing may have happened.
rollups=$(q "SELECT count(*) FROM usage_rollup")
refused "the API role cannot make a partition" gpumeter_api \
    "SELECT usage_hourly_partition('2199-01-01')" 'permission denied for function'
refused "nor add a zone to the rollup" gpumeter_api \
    "SELECT usage_zone_add('America/Lima')" 'permission denied for function'
refused "nor can the rater add a zone" gpumeter_rater \
    "SELECT usage_zone_add('America/Lima')" 'permission denied for function'
refused "nor billing make a partition" gpumeter_billing \
    "SELECT usage_hourly_partition('2199-01-01')" 'permission denied for function'
check_eq "no table, zone or rollup row appeared" "0 Asia/Shanghai $rollups" \
    "$(q "SELECT (SELECT count(*) FROM pg_class WHERE relname = 'usage_hourly_2199_01') || ' ' ||
                 (SELECT string_agg(tz, ',' ORDER BY tz) FROM usage_zone) || ' ' ||
                 (SELECT count(*) FROM usage_rollup)")"
refused "billing, which applies contracts, cannot add a zone PostgreSQL does not know" \
    gpumeter_billing "SELECT usage_zone_add('No/Such_Zone')" 'time zone "No/Such_Zone" not recognized'
for r in $APP_ROLES; do
    refused "$r cannot make an object a search path would find (a temporary table)" "$r" \
        "CREATE TEMP TABLE usage_zone (tz text)" 'permission denied to create temporary tables'
done

# A month with a commitment and a voucher, through the commands (each
# connecting as its role): January issued, then voided and reissued;
# February a draft.
sed 's/"accounts"/"commitment": {"amount": "500.00", "meters": ["gpu_hours"], "makeup_periods": 2}, "accounts"/' \
    "$ROOT/scripts/seed/contract-alpha.json" >"$TMP/alpha.json"
cat >"$TMP/voucher.json" <<'JSON'
{"voucher": "v-1", "program": "p", "customer": "alpha", "currency": "CNY", "face_value": "1000.00",
 "coverage": "0.10", "valid_from": "2026-01-01", "valid_until": "2026-12-31"}
JSON
"$GM" contract apply "$TMP/alpha.json" >/dev/null && "$GM" voucher issue "$TMP/voucher.json" >/dev/null
check_eq "documents are applied as gpumeter_billing" 0 "$?"
for m in 01 02; do
    printf 'a\t{"v":1,"source":"a","seq":%d,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-%s-10T02:00:00Z","end":"2026-%s-10T03:00:00Z"}\n' \
        "${m#0}" "$m" "$m"
done | kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
check_counters "the rater rates as gpumeter_rater" "2 2 0 0"
GPUMETER_GRACE_DAYS=0 "$GM" invoice run --period 2026-01 >/dev/null 2>&1 &&
    GPUMETER_GRACE_DAYS=0 "$GM" invoice issue --period 2026-01 >/dev/null 2>&1 &&
    GPUMETER_GRACE_DAYS=0 "$GM" invoice run --period 2026-02 >/dev/null 2>&1
check_eq "invoice run and issue work as gpumeter_billing" 0 "$?"
issued=$(q "SELECT id FROM invoice WHERE status = 'issued'")
draft=$(q "SELECT id FROM invoice WHERE status = 'draft'")
check_eq "one issued invoice and one draft, each with ledger rows" "1 1 2 2" \
    "$(q "SELECT count(DISTINCT i.id) FILTER (WHERE status = 'issued') || ' ' ||
                 count(DISTINCT i.id) FILTER (WHERE status = 'draft') || ' ' ||
                 (SELECT count(*) FROM commitment_ledger) || ' ' ||
                 (SELECT count(*) FROM voucher_redemption) FROM invoice i")"
before=$(q "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
              SELECT i::text AS t FROM invoice i UNION ALL SELECT l::text FROM invoice_line l
              UNION ALL SELECT c::text FROM commitment_ledger c
              UNION ALL SELECT r::text FROM voucher_redemption r
              UNION ALL SELECT a::text FROM audit_log a) x")

# The bypasses of issue 16, as the billing role (which writes invoices).
refused "moving an issued invoice's lines into a draft" gpumeter_billing \
    "UPDATE invoice_line SET invoice_id = $draft WHERE invoice_id = $issued" 'immutable'
refused "moving its commitment ledger rows" gpumeter_billing \
    "UPDATE commitment_ledger SET invoice_id = $draft WHERE invoice_id = $issued" 'permission denied'
refused "moving its voucher redemptions" gpumeter_billing \
    "UPDATE voucher_redemption SET invoice_id = $draft WHERE invoice_id = $issued" 'permission denied'
refused "deleting an issued invoice's redemptions" gpumeter_billing \
    "DELETE FROM voucher_redemption WHERE invoice_id = $issued" 'append-only'
refused "deleting a line of an issued invoice" gpumeter_billing \
    "DELETE FROM invoice_line WHERE invoice_id = $issued" 'immutable'
refused "adding a line to an issued invoice" gpumeter_billing \
    "INSERT INTO invoice_line SELECT * FROM invoice_line WHERE invoice_id = $draft LIMIT 0;
     INSERT INTO invoice_line (invoice_id, line_no, kind, meter, model, quantity, unit_price, amount)
     VALUES ($issued, 99, 'usage', 'gpu_ms', 'H800', 1, 1, 1)" 'immutable'
refused "turning an issued invoice back into a draft" gpumeter_billing \
    "UPDATE invoice SET status = 'draft', number = NULL WHERE id = $issued" 'immutable'
refused "TRUNCATE invoice CASCADE" gpumeter_billing "TRUNCATE invoice CASCADE" 'permission denied'
refused "TRUNCATE of a ledger" gpumeter_billing "TRUNCATE voucher_redemption" 'permission denied'
refused "disabling the guard triggers" gpumeter_billing \
    "ALTER TABLE invoice_line DISABLE TRIGGER ALL" 'must be owner'
refused "session_replication_role = replica" gpumeter_billing \
    "SET session_replication_role = replica" 'permission denied'
refused "becoming the owner" gpumeter_billing "SET ROLE gpumeter_owner" 'permission denied'
refused "creating a table" gpumeter_billing "CREATE TABLE x (a int)" 'permission denied'
refused "changing the audit log" gpumeter_billing "UPDATE audit_log SET actor = 'nobody'" \
    'permission denied'
refused "deleting the audit log" gpumeter_billing "DELETE FROM audit_log" 'permission denied'
refused "taking an invoice number back" gpumeter_billing \
    "UPDATE invoice_number SET last = last - 1" 'gap-free'
refused "deleting invoice numbers" gpumeter_billing "DELETE FROM invoice_number" 'permission denied'

# The API reads and nothing else; the rater writes usage and nothing else.
refused "the API role cannot change an invoice" gpumeter_api "UPDATE invoice SET total = 0" \
    'permission denied'
refused "nor add a key" gpumeter_api \
    "INSERT INTO api_key (id, role, sha256, label, created_by) VALUES ('x', 'finance', 'x', '', 'x')" \
    'permission denied'
refused "nor delete usage" gpumeter_api "DELETE FROM usage_hourly" 'permission denied'
refused "nor write a document" gpumeter_api "DELETE FROM document" 'permission denied'
refused "nor release parked events (it only reads them for finance)" gpumeter_api \
    "DELETE FROM parked_event" 'permission denied'
refused "nor clear the invoice run's problems" gpumeter_api "DELETE FROM invoice_problem" \
    'permission denied'
refused "a sales key belongs to no customer (schema 020)" gpumeter_billing \
    "INSERT INTO api_key (id, customer_id, role, sha256, label, created_by) SELECT 'bbbbbbbbbbbb', id, 'sales', repeat('b', 64), '', 'x' FROM customer LIMIT 1" \
    'api_key_check'
refused "nor create a sales key" gpumeter_api \
    "INSERT INTO api_key (id, role, sha256, label, created_by) VALUES ('aaaaaaaaaaaa', 'sales', repeat('a', 64), '', 'x')" \
    'permission denied'
refused "the rater cannot touch invoices" gpumeter_rater "UPDATE invoice SET total = 0" \
    'permission denied'
refused "nor read API keys" gpumeter_rater "SELECT sha256 FROM api_key" 'permission denied'
refused "nor write documents" gpumeter_rater "UPDATE document SET applied_by = 'x'" \
    'permission denied'
refused "nor TRUNCATE usage" gpumeter_rater "TRUNCATE usage_hourly" 'permission denied'
refused "nor delete capacity" gpumeter_rater "DELETE FROM capacity_hourly" 'permission denied'
refused "the API role cannot write capacity" gpumeter_api \
    "UPDATE capacity_hourly SET allocated_ms = 0" 'permission denied'
refused "nor can billing" gpumeter_billing "UPDATE capacity_hourly SET allocated_ms = 0" \
    'permission denied'
refused "capacity adds up, whoever writes it" gpumeter_rater \
    "INSERT INTO capacity_hourly VALUES ('2026-10-01 00:00+00', 's', 'c', 'n', 'm', 'v', 10, 5, 0, 4, 0, 0, 1, now(), now())" \
    'capacity_hourly_check'
check_eq "the API role reads capacity (the operator's reports)" 0 \
    "$(as gpumeter_api "SELECT count(*) FROM capacity_hourly")"

# The guard triggers hold whoever connects: the superuser that created the
# database (and owns none of its tables now) meets them too.
refused "even the superuser cannot move issued lines" gpumeter \
    "UPDATE invoice_line SET invoice_id = $draft WHERE invoice_id = $issued" 'immutable'
refused "nor move ledger rows" gpumeter \
    "UPDATE commitment_ledger SET invoice_id = $draft WHERE invoice_id = $issued" 'append-only'
refused "nor change a draft's redemption in place" gpumeter \
    "UPDATE voucher_redemption SET amount = amount + 1 WHERE invoice_id = $draft" 'append-only'
refused "nor delete an issued invoice's redemptions" gpumeter \
    "DELETE FROM voucher_redemption WHERE invoice_id = $issued" 'append-only'
refused "nor take an invoice number back" gpumeter "DELETE FROM invoice_number" 'gap-free'
refused "nor TRUNCATE invoices" gpumeter "TRUNCATE invoice CASCADE" 'TRUNCATE of invoice is refused'
refused "nor change the audit log" gpumeter "DELETE FROM audit_log" 'append-only'
check_eq "and nothing changed" "$before" \
    "$(q "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
              SELECT i::text AS t FROM invoice i UNION ALL SELECT l::text FROM invoice_line l
              UNION ALL SELECT c::text FROM commitment_ledger c
              UNION ALL SELECT r::text FROM voucher_redemption r
              UNION ALL SELECT a::text FROM audit_log a) x")"

# What the application does legitimately still works under the roles:
# rerunning a draft, voiding the issued month and reissuing it.
number=$(q "SELECT number FROM invoice WHERE id = $issued")
GPUMETER_GRACE_DAYS=0 "$GM" invoice run --period 2026-02 >/dev/null 2>&1 &&
    "$GM" invoice void "$number" --reason "roles test" >/dev/null 2>&1 &&
    GPUMETER_GRACE_DAYS=0 "$GM" invoice run --period 2026-01 >/dev/null 2>&1 &&
    GPUMETER_GRACE_DAYS=0 "$GM" invoice issue --period 2026-01 >/dev/null 2>&1
check_eq "rerun, void and reissue work as gpumeter_billing" 0 "$?"
check_eq "the void appended reversal rows" "1 1" \
    "$(q "SELECT (SELECT count(*) FROM commitment_ledger WHERE reversal) || ' ' ||
                 (SELECT count(*) FROM voucher_redemption WHERE reversal)")"
"$GM" migrate >/dev/null 2>&1
check_eq "migrate again changes no privilege" \
    "$(q "SELECT md5(string_agg(relname || relacl::text, ',' ORDER BY relname)) FROM pg_class
          WHERE relnamespace = 'public'::regnamespace")" \
    "$("$GM" migrate >/dev/null 2>&1; q "SELECT md5(string_agg(relname || relacl::text, ',' ORDER BY relname))
          FROM pg_class WHERE relnamespace = 'public'::regnamespace")"

# The rater only adds usage (schema 021). It rates late usage into
# January, invoiced, through its upsert (the same hour and cell: the
# quantity grows); then every way it could lower that month is refused.
printf 'a\t{"v":1,"source":"a","seq":3,"account":"ns-alpha","cluster":"c","site":"s","model":"H800","vendor":"nvidia","gpu_ms":36000000,"start":"2026-01-10T02:00:00Z","end":"2026-01-10T03:00:00Z"}\n' |
    kcat -P -b "$GPUMETER_KAFKA_BROKERS" -t "$GPUMETER_TOPIC" -K '\t'
"$GM" rate --until-idle 2>/dev/null
jan="account = 'ns-alpha' AND hour = '2026-01-10 02:00Z'"
check_eq "the rater's upsert adds late usage to an invoiced month" "3 3 0 0|72000000|2" \
    "$(counters)|$(q "SELECT quantity || '|' || events FROM usage_hourly WHERE $jan")"
refused "the rater cannot zero an invoiced month's usage" gpumeter_rater \
    "UPDATE usage_hourly SET quantity = 0 WHERE hour < '2026-02-01Z'" 'usage_hourly only grows'
refused "nor lower it by one" gpumeter_rater \
    "UPDATE usage_hourly SET quantity = quantity - 1 WHERE $jan" 'usage_hourly only grows'
refused "nor lower its event count" gpumeter_rater \
    "UPDATE usage_hourly SET events = 0 WHERE $jan" 'usage_hourly only grows'
refused "nor lower it through its own upsert" gpumeter_rater \
    "INSERT INTO usage_hourly AS u SELECT * FROM usage_hourly WHERE $jan
     ON CONFLICT (account, hour, meter, model, vendor, site, cluster, job, model_params)
     DO UPDATE SET quantity = 1" 'usage_hourly only grows'
refused "nor move usage to another account" gpumeter_rater \
    "UPDATE usage_hourly SET account = 'ns-beta' WHERE $jan" 'permission denied'
refused "nor to another month" gpumeter_rater \
    "UPDATE usage_hourly SET hour = '2026-03-10 02:00Z' WHERE $jan" 'permission denied'
refused "nor delete it" gpumeter_rater "DELETE FROM usage_hourly WHERE $jan" 'permission denied'
refused "nor lower capacity it rated" gpumeter_rater \
    "INSERT INTO capacity_hourly VALUES ('2026-10-01 00:00Z', 's', 'c', 'n', 'm', 'v', 10, 5, 5, 0, 0, 0, 1, now(), now());
     UPDATE capacity_hourly SET allocated_ms = 0, idle_whole_ms = 10" 'capacity_hourly only grows'
check_eq "the rater may still add (rolled back)" "72000001" \
    "$(as gpumeter_rater "BEGIN; UPDATE usage_hourly SET quantity = quantity + 1 WHERE $jan
                          RETURNING quantity; ROLLBACK")"
check_eq "January's usage and its rollup are as rated" "72000000|0" \
    "$(q "SELECT quantity FROM usage_hourly WHERE $jan")|$(q "SELECT count(*) FROM usage_rollup_mismatch")"
check_eq "the administrator (the owner's member) may still correct usage" "71999999" \
    "$(q "BEGIN; UPDATE usage_hourly SET quantity = quantity - 1 WHERE $jan RETURNING quantity;
          ROLLBACK")"
# The receivables ledger (schema 030): written only by the issue trigger
# (the month above posted through it), read by billing and, through its
# views, by the API; no role may write or change it.
check_eq "issuing as billing posted to the ledger, which balances" "t|0" \
    "$(q "SELECT count(*) > 0 FROM ledger_txn")|$(q "SELECT coalesce(sum(amount_minor), 0) FROM ledger_entry")"
check_eq "the API reads the open amounts and balances" "ok" \
    "$(as gpumeter_api "SELECT 'ok' FROM (SELECT count(*) FROM invoice_open) a, (SELECT count(*) FROM customer_balance) b")"
refused "the API may not read the ledger's rows" gpumeter_api "SELECT count(*) FROM ledger_entry" 'permission denied'
for r in gpumeter_billing gpumeter_api gpumeter_rater; do
    refused "$r may not post to the ledger" $r \
        "INSERT INTO ledger_txn (customer_id, currency, kind, reference, actor) VALUES (1, 'CNY', 'payment', 'x', 'x')" \
        'permission denied'
    refused "$r may not write an entry" $r "INSERT INTO ledger_entry VALUES (1, 9, 'cash', 1, NULL)" 'permission denied'
    refused "$r may not change an entry" $r "UPDATE ledger_entry SET amount_minor = 0" 'permission denied'
    refused "$r may not delete a transaction" $r "DELETE FROM ledger_txn" 'permission denied'
done
refused "billing may not take the ledger's ids" gpumeter_billing "SELECT nextval('ledger_txn_id_seq')" 'permission denied'
refused "the superuser may not delete a ledger row either" gpumeter "DELETE FROM ledger_entry" 'append-only: DELETE is refused'
finish
