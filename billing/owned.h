/* owned: which rated usage is whose, as SQL common table expressions
 * shared by the queries that need it (billing.c prices it, yield.c
 * allocates revenue by it), so the rule is written once.
 *
 * CONTRACTS (k): each customer's contract in effect for the month whose
 * first day is $1, for the customers in $2 (text[], NULL: all), from the
 * schema's contract_in_effect. OWNED_WINDOWS (w, after k): each account row
 * (and job prefix) of those customers as the local days [lo_day, hi_day)
 * of the contract's month it covers, and as the instants [lo, hi) of their
 * local midnights, from the schema's account_window (029: the one rule of
 * whose usage it is, which usage_sql in usage.h and
 * billing_uncovered read too); `hours` marks the customers in $3 (text[]) whose usage
 * is read by local hour; `span` is 'month' for a window of the whole month.
 * OWNED_USAGE (u, after w): the usage each window owns (job prefix
 * included), summed over the window: from the rollup in the contract's
 * zone (schema 018: the month's row for a whole month, else the days';
 * summing them equals summing the window's hours), or from usage_hourly by
 * local hour for the `hours` customers (hour 0 otherwise). TRAINING_JOBS
 * (tj, after u): the jobs that report tokens in a window, with the trained
 * model's size. SQL text only (macros); no state, thread-safe. */
#ifndef GPUMETER_OWNED_H
#define GPUMETER_OWNED_H

#define CONTRACTS                                                                                  \
    "k AS MATERIALIZED (SELECT customer_id AS id, customer AS code, customer_name AS name, "       \
    "       contract, document, time_zone AS tz, plan_document "                                   \
    "  FROM contract_in_effect($1::date) "                                                         \
    "  WHERE ($2::text[] IS NULL OR customer = ANY($2::text[]))) "

#define OWNED_WINDOWS                                                                              \
    "w AS MATERIALIZED (SELECT k.id, k.code, k.tz, a.account, a.job_prefix, a.lo_day, a.hi_day, "  \
    "       a.lo, a.hi, k.code = ANY($3::text[]) AS hours, "                                       \
    "       CASE WHEN a.lo_day = $1::date AND a.hi_day = ($1::date + interval '1 month')::date "   \
    "            THEN 'month' ELSE 'day' END AS span "                                             \
    "     FROM k CROSS JOIN LATERAL account_window(k.id, k.tz, $1::date, "                         \
    "       ($1::date + interval '1 month')::date) a) "

#define OWNED_USAGE                                                                                \
    "u AS MATERIALIZED (SELECT w.id, w.code, w.account, w.lo, w.hi, d.job, d.meter, d.model, "     \
    "       d.site, d.model_params, 0 AS hour, sum(d.quantity) AS quantity "                       \
    "     FROM w JOIN usage_rollup d ON d.tz = w.tz AND d.span = w.span "                          \
    "      AND d.account = w.account "                                                             \
    "      AND d.day >= w.lo_day AND d.day < w.hi_day AND starts_with(d.job, w.job_prefix) "       \
    "     WHERE NOT w.hours GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 "                               \
    "   UNION ALL SELECT w.id, w.code, w.account, w.lo, w.hi, h.job, h.meter, h.model, h.site, "   \
    "       h.model_params, extract(hour FROM h.hour AT TIME ZONE w.tz)::int, sum(h.quantity) "    \
    "     FROM w JOIN usage_hourly h ON h.account = w.account AND h.hour >= w.lo "                 \
    "      AND h.hour < w.hi AND starts_with(h.job, w.job_prefix) WHERE w.hours "                  \
    "     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) "

#define TRAINING_JOBS                                                                              \
    "tj AS MATERIALIZED (SELECT DISTINCT id, code, account, job, model_params, lo, hi FROM u "     \
    "     WHERE meter = 'tokens' AND job <> '') "

#endif
