/* contract_doc: validation of contract documents (see contract_doc.h). */
#include "terms/contract_doc.h"

#include "terms/plan_doc.h"

#include "core/catalogue.h"
#include "core/timeutil.h"
#include "terms/known.h"

#include <stdio.h>
#include <string.h>

static void read_accounts(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"account", "job_prefix", "from", "until", NULL};
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN], g[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, "$", doc, "accounts", true, 1, CONTRACT_MAX_ACCOUNTS, p);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *a = cJSON_GetArrayItem(arr, i);
        struct contract_account *ca = &k->accounts[k->naccounts++];
        doc_path_index(q, p, i);
        if (!doc_object(c, q, a)) continue;
        doc_only(c, q, a, fields);
        doc_get_string(c, q, a, "account", true, ca->account, sizeof ca->account);
        doc_get_string(c, q, a, "job_prefix", false, ca->job_prefix, sizeof ca->job_prefix);
        ca->from = k->effective_from;
        ca->until = k->until;
        bool from = doc_get_date(c, q, a, "from", false, &ca->from);
        bool until = doc_get_date(c, q, a, "until", false, &ca->until);
        doc_path(f, q, "from");
        doc_path(g, q, "until");
        if (from && ca->from < k->effective_from)
            doc_error(c, f, "dates out of order: before the contract's effective_from");
        if (until && ca->until < ca->from)
            doc_error(c, g, "dates out of order: before the account's from");
        else if (until && k->until >= 0 && ca->until > k->until)
            doc_error(c, g, "dates out of order: after the contract's until");
        for (int j = 0; j < i; j++) { /* no usage may belong twice */
            const struct contract_account *o = &k->accounts[j];
            size_t la = strlen(ca->job_prefix), lo = strlen(o->job_prefix);
            bool same_jobs = !strcmp(o->account, ca->account) &&
                             !strncmp(o->job_prefix, ca->job_prefix, la < lo ? la : lo);
            bool same_days =
                (o->until < 0 || ca->from <= o->until) && (ca->until < 0 || o->from <= ca->until);
            if (same_jobs && same_days)
                doc_error(c, q, "overlaps accounts[%d]: the same usage would be billed twice", j);
        }
    }
}

static void read_overrides(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"meter", "model", "multiplier", "unit_price", NULL};
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, "$", doc, "overrides", false, 1, PLAN_MAX_ITEMS, p);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        struct price_override *po = &k->overrides[k->noverrides++];
        char meter[METER_NAME_MAX + 1] = "";
        doc_path_index(q, p, i);
        if (!doc_object(c, q, o)) continue;
        doc_only(c, q, o, fields);
        doc_path(f, q, "meter");
        if (doc_get_string(c, q, o, "meter", true, meter, sizeof meter) &&
            !(po->meter = meter_bit(meter)))
            doc_error(c, f, "must be %s", meter_doc_list());
        if (doc_get_string(c, q, o, "model", false, po->model, sizeof po->model)) {
            const struct accelerator *a = catalogue_find(po->model);
            doc_path(f, q, "model");
            if (po->meter == METER_BIT_TOKENS)
                doc_error(c, f, "token prices are by model size: leave model out");
            else if (!a)
                known_model_error(c, f, po->model);
            else if (strcmp(a->model, po->model))
                doc_error(c, f, "write the catalogue name \"%s\" for \"%s\"", a->model, po->model);
        }
        doc_get_decimal(c, q, o, "multiplier", false, 6, &po->multiplier_ppm);
        po->absolute = doc_get_decimal(c, q, o, "unit_price", false, 6, &po->unit_price);
        if (!doc_field(c, q, o, "multiplier", false) == !doc_field(c, q, o, "unit_price", false))
            doc_error(c, q, "needs exactly one of \"multiplier\" and \"unit_price\"");
        for (int j = 0; j < i; j++)
            if (k->overrides[j].meter == po->meter && !strcmp(k->overrides[j].model, po->model))
                doc_error(c, q, "overrides the same price as overrides[%d]", j);
    }
}

static void read_commitment(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"amount", "gpu_hours",      "shortfall_price",
                                         "meters", "makeup_periods", "carry_forward_periods",
                                         NULL};
    char p[DOC_PATH_LEN];
    const cJSON *o = doc_get_object(c, "$", doc, "commitment", false, fields, p);
    struct commitment *cm = &k->commit;
    if (!o) return;
    int64_t hours = 0, v = 0;
    bool money = doc_get_decimal(c, p, o, "amount", false, 6, &cm->amount_micro);
    bool gpu = doc_get_int(c, p, o, "gpu_hours", false, 1, 100000000, &hours);
    if (!doc_field(c, p, o, "amount", false) == !doc_field(c, p, o, "gpu_hours", false))
        doc_error(c, p, "needs exactly one of \"amount\" and \"gpu_hours\"");
    cm->kind = money ? COMMIT_MONEY : gpu ? COMMIT_GPU_HOURS : COMMIT_NONE;
    cm->gpu_ms = hours * MS_PER_HOUR;
    bool price = doc_get_decimal(c, p, o, "shortfall_price", false, 6, &cm->shortfall_price);
    if (doc_field(c, p, o, "gpu_hours", false) && !doc_field(c, p, o, "shortfall_price", false))
        doc_error(c, "$.commitment.shortfall_price", "is required with gpu_hours");
    if (price && money)
        doc_error(c, "$.commitment.shortfall_price", "only a gpu_hours commitment has one");
    cm->meters = plan_doc_meters(c, p, o, "meters");
    if (gpu && cm->meters != METER_BIT_GPU && doc_field(c, p, o, "meters", false))
        doc_error(c, "$.commitment.meters", "a gpu_hours commitment counts gpu_hours only");
    if (gpu) cm->meters = METER_BIT_GPU;
    if (doc_get_int(c, p, o, "makeup_periods", false, 0, 120, &v)) cm->makeup_periods = (int)v;
    if (doc_get_int(c, p, o, "carry_forward_periods", false, 0, 120, &v))
        cm->carry_periods = (int)v;
}

/* One of two words: *flag set for `yes`, false for `no` (also the
 * default when the field is absent). */
static void read_choice(struct doc_check *c, const char *path, const cJSON *o, const char *name,
                        const char *no, const char *yes, bool *flag)
{
    char v[16] = "", f[DOC_PATH_LEN];
    *flag = false;
    if (!doc_get_string(c, path, o, name, false, v, sizeof v)) return;
    doc_path(f, path, name);
    if (!strcmp(v, yes))
        *flag = true;
    else if (strcmp(v, no))
        doc_error(c, f, "must be \"%s\" or \"%s\"", no, yes);
}

/* The termination clause (docs/contracts.md, "Early termination"). A fee
 * is priced from the commitment, so it needs one; a share of what
 * remains needs the contract's until. */
static void read_termination(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"notice_days", "fee", "makeup_bank", "deposit", NULL};
    static const char *const fee_fields[] = {"months_of_commitment", "share_of_remaining", NULL};
    char p[DOC_PATH_LEN], fp[DOC_PATH_LEN];
    const cJSON *o = doc_get_object(c, "$", doc, "termination", false, fields, p);
    struct termination *t = &k->term;
    if (!o) return;
    t->present = true;
    int64_t v = 0;
    if (doc_get_int(c, p, o, "notice_days", false, 0, 3650, &v)) t->notice_days = (int)v;
    read_choice(c, p, o, "makeup_bank", "forfeit", "credit", &t->bank_credit);
    read_choice(c, p, o, "deposit", "refund", "apply", &t->deposit_apply);
    const cJSON *fee = doc_get_object(c, p, o, "fee", false, fee_fields, fp);
    if (!fee) return;
    bool months = doc_get_int(c, fp, fee, "months_of_commitment", false, 1, 120, &v);
    if (months) t->fee_months = (int)v;
    bool share = doc_get_decimal(c, fp, fee, "share_of_remaining", false, 6, &t->fee_share_ppm);
    if (!doc_field(c, fp, fee, "months_of_commitment", false) ==
        !doc_field(c, fp, fee, "share_of_remaining", false))
        doc_error(c, fp, "needs exactly one of \"months_of_commitment\" and \"share_of_remaining\"");
    else if (share && (t->fee_share_ppm <= 0 || t->fee_share_ppm > 1000000))
        doc_error(c, "$.termination.fee.share_of_remaining",
                  "must be above 0 and at most 1 (a fraction: 0.50 is half)");
    t->fee = months ? FEE_MONTHS : share ? FEE_SHARE : FEE_NONE;
    if (t->fee != FEE_NONE && k->commit.kind == COMMIT_NONE)
        doc_error(c, fp, "a fee is priced from the commitment: the contract has none");
    if (t->fee == FEE_SHARE && k->until < 0)
        doc_error(c, fp, "a share of the remaining commitment needs the contract's \"until\"");
}

/* "deposit": {"amount", "apply"}: the deposit the customer must hold. */
static void read_deposit(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"amount", "apply", NULL};
    char p[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *o = doc_get_object(c, "$", doc, "deposit", false, fields, p);
    if (!o) return;
    struct contract_deposit *d = &k->deposit;
    doc_path(f, p, "amount");
    if (doc_get_decimal(c, p, o, "amount", true, 6, &d->amount_micro) && d->amount_micro == 0)
        doc_error(c, f, "must be above 0");
    char apply[32] = "";
    doc_path(f, p, "apply");
    if (!doc_get_string(c, p, o, "apply", true, apply, sizeof apply)) return;
    if (!strcmp(apply, "invoices"))
        d->apply = DEPOSIT_APPLY_INVOICES;
    else if (!strcmp(apply, "on_default"))
        d->apply = DEPOSIT_APPLY_ON_DEFAULT;
    else
        doc_error(c, f, "must be \"invoices\" or \"on_default\"");
}

/* "credit_limit": {"amount", "thresholds"}: percentages ascending, 1..1000. */
static void read_credit_limit(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"amount", "thresholds", NULL};
    char p[DOC_PATH_LEN], f[DOC_PATH_LEN], q[DOC_PATH_LEN];
    const cJSON *o = doc_get_object(c, "$", doc, "credit_limit", false, fields, p);
    if (!o) return;
    struct credit_limit *l = &k->credit_limit;
    doc_path(f, p, "amount");
    if (doc_get_decimal(c, p, o, "amount", true, 6, &l->amount_micro) && l->amount_micro == 0)
        doc_error(c, f, "must be above 0");
    const cJSON *arr =
        doc_get_array(c, p, o, "thresholds", true, 1, CREDIT_MAX_THRESHOLDS, f);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        int64_t pct;
        doc_path_index(q, f, i);
        if (!doc_int(c, q, cJSON_GetArrayItem(arr, i), 1, 1000, &pct)) continue;
        if (l->nthresholds > 0 && pct <= l->thresholds[l->nthresholds - 1])
            doc_error(c, q, "thresholds must be ascending: %lld after %d", (long long)pct,
                      l->thresholds[l->nthresholds - 1]);
        l->thresholds[l->nthresholds++] = (int)pct;
    }
}

/* payment_terms (docs/contracts.md): exactly one of net_days (0 to 365
 * days after the local issue day) and day_of_month (1 to 31: that day of
 * the month after the issue month, or its last day). The due day itself is
 * schema 032's payment_terms_due; this only refuses what it cannot read. */
static void read_payment_terms(struct doc_check *c, const cJSON *doc)
{
    static const char *const fields[] = {"net_days", "day_of_month", NULL};
    char p[DOC_PATH_LEN];
    const cJSON *o = doc_get_object(c, "$", doc, "payment_terms", false, fields, p);
    int64_t v = 0;
    if (!o) return;
    doc_get_int(c, p, o, "net_days", false, 0, 365, &v);
    doc_get_int(c, p, o, "day_of_month", false, 1, 31, &v);
    if (!doc_field(c, p, o, "net_days", false) == !doc_field(c, p, o, "day_of_month", false))
        doc_error(c, p, "needs exactly one of \"net_days\" and \"day_of_month\"");
}

/* A percent ("99.5", up to 4 decimals) above 0 and at most 100, as parts
 * per million of the whole; false when absent or wrong (an error then). */
static bool read_percent(struct doc_check *c, const char *path, const cJSON *o, const char *name,
                         bool required, int64_t *ppm)
{
    char f[DOC_PATH_LEN];
    if (!doc_get_decimal(c, path, o, name, required, 4, ppm)) return false;
    if (*ppm > 0 && *ppm <= 1000000) return true;
    doc_path(f, path, name);
    doc_error(c, f, "must be a percent above 0 and at most 100 (\"99.5\" is 99.5%%)");
    return false;
}

/* "tiers": [{"below", "credit"}, ...]: bounds strictly decreasing, the
 * first at or under the target (a month that meets the target earns
 * nothing), credits never smaller as availability falls. */
static void read_sla_tiers(struct doc_check *c, const char *path, const cJSON *o, struct sla *s)
{
    static const char *const fields[] = {"below", "credit", NULL};
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, path, o, "tiers", true, 1, SLA_MAX_TIERS, p);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *t = cJSON_GetArrayItem(arr, i);
        doc_path_index(q, p, i);
        if (!doc_object(c, q, t)) continue;
        doc_only(c, q, t, fields);
        struct sla_tier tier = {0};
        bool below = read_percent(c, q, t, "below", true, &tier.below_ppm);
        bool credit = read_percent(c, q, t, "credit", true, &tier.credit_ppm);
        doc_path(f, q, "below");
        if (below && i == 0 && s->target_ppm && tier.below_ppm > s->target_ppm)
            doc_error(c, f, "must be at most the target: a month that meets it earns no credit");
        const struct sla_tier *prev = s->ntiers ? &s->tiers[s->ntiers - 1] : NULL;
        if (below && prev && tier.below_ppm >= prev->below_ppm)
            doc_error(c, f, "must be below tiers[%d].below: bounds strictly decreasing", i - 1);
        doc_path(f, q, "credit");
        if (credit && prev && tier.credit_ppm < prev->credit_ppm)
            doc_error(c, f, "must be at least tiers[%d].credit: a worse month never earns less",
                      i - 1);
        if (below && credit) s->tiers[s->ntiers++] = tier;
    }
}

/* "excludes": ["maintenance", "customer_caused"], each at most once (a
 * longer list is read whole, so each extra is named). */
static void read_sla_excludes(struct doc_check *c, const char *path, const cJSON *o, struct sla *s)
{
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN];
    const cJSON *arr = doc_get_array(c, path, o, "excludes", false, 0, 16, p);
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const char *v;
        doc_path_index(q, p, i);
        if (!doc_string(c, q, cJSON_GetArrayItem(arr, i), 32, &v)) continue;
        bool *flag = !strcmp(v, "maintenance")       ? &s->exclude_maintenance
                     : !strcmp(v, "customer_caused") ? &s->exclude_customer_caused
                                                     : NULL;
        if (!flag)
            doc_error(c, q, "must be \"maintenance\" or \"customer_caused\"");
        else if (*flag)
            doc_error(c, q, "\"%s\" is named twice", v);
        else
            *flag = true;
    }
}

/* "reserved": [{"site", "node"?, "device"?}, ...]: the devices reserved to
 * the customer, named as maintenance windows name them (a site's every
 * device, a node's, or one device of a node). Only counted here: the
 * availability (schema 049, sla_device_days) reads them from the stored
 * document. */
static void read_sla_reserved(struct doc_check *c, const char *path, const cJSON *o, struct sla *s)
{
    static const char *const fields[] = {"site", "node", "device", NULL};
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    bool required = s->measured == SLA_MEASURED_RESERVED;
    const cJSON *arr = doc_get_array(c, path, o, "reserved", required, 1, SLA_MAX_RESERVED, p);
    if (arr && s->measured != SLA_MEASURED_RESERVED) {
        doc_path(f, path, "reserved");
        doc_error(c, f, "lists reserved devices: needs \"measured\": \"reserved\"");
    }
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *r = cJSON_GetArrayItem(arr, i);
        char site[65], node[65] = "", device[65];
        doc_path_index(q, p, i);
        if (!doc_object(c, q, r)) continue;
        doc_only(c, q, r, fields);
        if (doc_get_code(c, q, r, "site", true, site, sizeof site)) {
            int k = 0;
            while (k < s->nreserved_sites && strcmp(s->reserved_sites[k], site))
                k++;
            doc_path(f, q, "site");
            if (k == s->nreserved_sites && k == SLA_MAX_RESERVED_SITES)
                doc_error(c, f, "a reservation names at most %d sites", SLA_MAX_RESERVED_SITES);
            else if (k == s->nreserved_sites) {
                snprintf(s->reserved_sites[k], sizeof s->reserved_sites[k], "%s", site);
                s->reserved_site_entry[k] = i;
                s->nreserved_sites++;
            }
        }
        doc_get_string(c, q, r, "node", false, node, sizeof node);
        doc_path(f, q, "device");
        if (doc_get_string(c, q, r, "device", false, device, sizeof device) && !node[0])
            doc_error(c, f, "a device is named with its node: add \"node\"");
        s->nreserved++;
    }
}

/* "sla" (issue 36, docs/contracts.md, "SLA"): what is measured, the
 * monthly target, the credit tiers and cap, whether a take-or-pay
 * commitment shrinks with reserved capacity not delivered, and what is
 * excluded from downtime. Read after the commitment. */
static void read_sla(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"measured",          "reserved", "target", "tiers", "cap",
                                         "commitment_shrink", "excludes", NULL};
    char p[DOC_PATH_LEN], f[DOC_PATH_LEN], measured[16] = "";
    const cJSON *o = doc_get_object(c, "$", doc, "sla", false, fields, p);
    struct sla *s = &k->sla;
    if (!o) return;
    s->present = true;
    doc_path(f, p, "measured");
    if (doc_get_string(c, p, o, "measured", true, measured, sizeof measured)) {
        if (!strcmp(measured, "reserved"))
            s->measured = SLA_MEASURED_RESERVED;
        else if (!strcmp(measured, "used"))
            doc_error(c, f, "\"used\" (the devices the customer's jobs ran on) is not measurable: "
                            "usage names its model and site, not its device; list the devices "
                            "in \"reserved\" and measure \"reserved\"");
        else
            doc_error(c, f, "must be \"reserved\"");
    }
    read_sla_reserved(c, p, o, s);
    read_percent(c, p, o, "target", true, &s->target_ppm);
    read_sla_tiers(c, p, o, s);
    s->cap_ppm = 1000000;
    read_percent(c, p, o, "cap", false, &s->cap_ppm);
    doc_path(f, p, "commitment_shrink");
    if (doc_get_bool(c, p, o, "commitment_shrink", &s->commitment_shrink) &&
        s->commitment_shrink) {
        if (k->commit.kind == COMMIT_NONE)
            doc_error(c, f, "the contract has no commitment to shrink");
    }
    read_sla_excludes(c, p, o, s);
}

/* A month "YYYY-MM" of an index_swap (months since 1970-01 in *month);
 * false (with an error) when present and not one. */
static bool read_swap_month(struct doc_check *c, const char *path, const cJSON *o,
                            const char *name, int64_t *month)
{
    char s[16] = "", f[DOC_PATH_LEN];
    int y = 0, m = 0;
    if (!doc_get_string(c, path, o, name, false, s, sizeof s)) return false;
    if (time_parse_month(s, &y, &m) && y >= 2000) {
        *month = ((int64_t)y - 1970) * 12 + m - 1;
        return true;
    }
    doc_path(f, path, name);
    doc_error(c, f, "must be a month like \"2026-01\"");
    return false;
}

/* The limits of an index_swap (docs/contracts.md, "Fixed-for-floating"):
 * the largest notional and fixed price a document may state, so that
 * notional x price stays exact in 128 bits and the line in an amount. */
#define SWAP_MAX_NOTIONAL_MILLI (100000000LL * 1000)  /* 100,000,000 GPU-hours */
#define SWAP_MAX_FIXED_MICRO    (1000000LL * 1000000) /* 1,000,000.000000 a GPU-hour */

/* "index_swap" (issue 37): fixed-for-floating settlements on the realised
 * compute price index. Read after the dates: a swap's months lie within
 * the contract's. */
static void read_index_swaps(struct doc_check *c, const cJSON *doc, struct contract *k)
{
    static const char *const fields[] = {"model", "notional_gpu_hours", "fixed_price",
                                         "lag_months", "from", "until", NULL};
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *arr =
        doc_get_array(c, "$", doc, "index_swap", false, 1, CONTRACT_MAX_INDEX_SWAPS, p);
    int64_t first = time_month_of_day(k->effective_from);
    int64_t last = k->until >= 0 ? time_month_of_day(k->until) : -1;
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *o = cJSON_GetArrayItem(arr, i);
        struct index_swap *s = &k->swaps[k->nswaps++];
        int64_t milli = 0, lag = 0;
        doc_path_index(q, p, i);
        if (!doc_object(c, q, o)) continue;
        doc_only(c, q, o, fields);
        doc_path(f, q, "model");
        if (doc_get_string(c, q, o, "model", true, s->model, sizeof s->model)) {
            const struct accelerator *a = catalogue_find(s->model);
            if (!a)
                known_model_error(c, f, s->model);
            else if (strcmp(a->model, s->model))
                doc_error(c, f, "write the catalogue name \"%s\" for \"%s\"", a->model, s->model);
        }
        doc_path(f, q, "notional_gpu_hours");
        if (doc_get_decimal(c, q, o, "notional_gpu_hours", true, 3, &milli) &&
            (milli <= 0 || milli > SWAP_MAX_NOTIONAL_MILLI))
            doc_error(c, f, "must be more than 0 and at most 100000000");
        s->notional_ms = milli * (MS_PER_HOUR / 1000);
        doc_path(f, q, "fixed_price");
        if (doc_get_decimal(c, q, o, "fixed_price", true, 6, &s->fixed_micro) &&
            s->fixed_micro > SWAP_MAX_FIXED_MICRO)
            doc_error(c, f, "must be at most 1000000");
        if (doc_get_int(c, q, o, "lag_months", true, 0, 12, &lag)) s->lag_months = (int)lag;
        s->from_month = first;
        s->until_month = last;
        bool from = read_swap_month(c, q, o, "from", &s->from_month);
        bool until = read_swap_month(c, q, o, "until", &s->until_month);
        doc_path(f, q, "from");
        if (from && s->from_month < first)
            doc_error(c, f, "dates out of order: before the contract's effective_from");
        doc_path(f, q, "until");
        if (until && s->until_month < s->from_month)
            doc_error(c, f, "dates out of order: before the swap's from");
        else if (until && last >= 0 && s->until_month > last)
            doc_error(c, f, "dates out of order: after the contract's until");
    }
}

bool contract_doc_parse(const cJSON *doc, struct contract *k, struct doc_check *c)
{
    static const char *const fields[] = {
        "contract", "customer",  "effective_from", "until",    "plan",      "currency",
        "tax_rate", "time_zone", "billing_basis",  "accounts", "overrides", "commitment",
        /* receivables (issue 34) */
        "payment_terms", "termination", "deposit", "credit_limit",
        /* availability (issue 36) */
        "sla",
        /* the investor's book (issue 37) */
        "index_swap", NULL};
    memset(k, 0, sizeof *k);
    k->until = -1;
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    doc_get_code(c, "$", doc, "contract", true, k->code, sizeof k->code);
    doc_get_code(c, "$", doc, "customer", true, k->customer, sizeof k->customer);
    doc_get_code(c, "$", doc, "plan", true, k->plan, sizeof k->plan);
    doc_get_currency(c, "$", doc, "currency", true, k->currency);
    doc_get_date(c, "$", doc, "effective_from", true, &k->effective_from);
    doc_get_date(c, "$", doc, "until", false, &k->until);
    doc_check_month_span(c, "$.effective_from", k->effective_from, "$.until", k->until);
    if (doc_get_decimal(c, "$", doc, "tax_rate", true, 6, &k->tax_ppm) && k->tax_ppm > 1000000)
        doc_error(c, "$.tax_rate", "must be at most 1 (a fraction: 0.06 is 6%%)");
    doc_get_string(c, "$", doc, "time_zone", false, k->time_zone, sizeof k->time_zone);
    char basis[32] = "gpu_hours";
    doc_get_string(c, "$", doc, "billing_basis", false, basis, sizeof basis);
    if (!strcmp(basis, "gpu_hours"))
        k->basis = BASIS_GPU_HOURS;
    else if (!strcmp(basis, "tokens"))
        k->basis = BASIS_TOKENS;
    else if (!strcmp(basis, "tokens_with_gpu_floor"))
        k->basis = BASIS_TOKENS_GPU_FLOOR;
    else
        doc_error(c, "$.billing_basis",
                  "must be \"gpu_hours\", \"tokens\" or \"tokens_with_gpu_floor\"");
    read_accounts(c, doc, k);
    read_overrides(c, doc, k);
    read_commitment(c, doc, k);
    read_termination(c, doc, k);
    read_deposit(c, doc, k);
    read_credit_limit(c, doc, k);
    read_payment_terms(c, doc);
    read_sla(c, doc, k);
    read_index_swaps(c, doc, k);
    return c->n == 0;
}
