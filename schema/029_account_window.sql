-- 029_account_window: whose usage is it, defined once (issue 33). The
-- account window of a contract: which account rows (and job prefixes) of a
-- customer own usage on which local days, beside contract_in_effect (012)
-- that says which contract (and so which time zone) a customer's month is
-- under. Billing, late usage, statements, the yield and the API's usage
-- all read it; no C string restates it.
--
-- account_window(owner, zone, from_day, until_day): each account row of
-- customer `owner` as the local days [lo_day, hi_day) of [from_day,
-- until_day) it covers (valid_from to valid_until, both inclusive), and as
-- the instants [lo, hi) of their midnights in `zone`; a row that covers no
-- day of the range is no window. One SELECT, so PostgreSQL inlines it
-- into the caller's query (a LATERAL call per contract plans as a join).
CREATE FUNCTION account_window(owner bigint, zone text, from_day date, until_day date)
    RETURNS TABLE (account text, job_prefix text, lo_day date, hi_day date,
                   lo timestamptz, hi timestamptz)
    LANGUAGE sql STABLE AS $$
    SELECT a.account, a.job_prefix, d.lo_day, d.hi_day,
           d.lo_day::timestamp AT TIME ZONE zone, d.hi_day::timestamp AT TIME ZONE zone
    FROM account a
    CROSS JOIN LATERAL (SELECT greatest(from_day, a.valid_from) AS lo_day,
                               least(until_day, coalesce(a.valid_until + 1, 'infinity'::date))
                                   AS hi_day) d
    WHERE a.customer_id = owner AND d.lo_day < d.hi_day
$$;
