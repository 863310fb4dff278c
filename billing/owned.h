/* owned: which rated usage is whose, as SQL common table expressions
 * shared by the queries that need it (billing.c prices it, yield.c
 * allocates revenue by it), so the rule is written once.
 *
 * CONTRACTS (k): each customer's contract in effect for the month whose
 * first day is $1, for the customers in $2 (text[], NULL: all), from the
 * schema's contract_in_effect. OWNED_WINDOWS (w, after k): each account row
 * (and job prefix) of those customers as the instants [lo, hi) of the
 * contract's local month it covers; `hours` marks the customers in $3
 * (text[]) whose usage is read by local hour. TRAINING_JOBS (tj, after w):
 * the jobs that report tokens in that window, with the trained model's
 * size. A usage row h is owned by w when h.account = w.account, h.hour in
 * [w.lo, w.hi) and starts_with(h.job, w.job_prefix). */
#ifndef GPUMETER_OWNED_H
#define GPUMETER_OWNED_H

#define CONTRACTS                                                                                  \
    "k AS MATERIALIZED (SELECT customer_id AS id, customer AS code, customer_name AS name, "       \
    "       contract, document, time_zone AS tz, plan_document "                                   \
    "  FROM contract_in_effect($1::date) "                                                         \
    "  WHERE ($2::text[] IS NULL OR customer = ANY($2::text[]))) "

#define OWNED_WINDOWS                                                                              \
    "w AS MATERIALIZED (SELECT k.id, k.code, k.tz, a.account, a.job_prefix, "                      \
    "       greatest($1::date, a.valid_from)::timestamp AT TIME ZONE k.tz AS lo, "                 \
    "       least(($1::date + interval '1 month')::date, "                                         \
    "             coalesce(a.valid_until + 1, 'infinity'::date))::timestamp AT TIME ZONE k.tz AS " \
    "hi, "                                                                                         \
    "       k.code = ANY($3::text[]) AS hours "                                                    \
    "     FROM k JOIN account a ON a.customer_id = k.id) "

#define TRAINING_JOBS                                                                              \
    "tj AS MATERIALIZED (SELECT DISTINCT w.id, w.code, t.account, t.job, t.model_params, w.lo, "   \
    "         w.hi FROM w JOIN usage_hourly t ON t.account = w.account AND t.meter = 'tokens' "    \
    "         AND t.job <> '' AND t.hour >= w.lo AND t.hour < w.hi "                               \
    "         AND starts_with(t.job, w.job_prefix)) "

#endif
