/* plan_doc: validation of price plan documents (see plan_doc.h). */
#include "terms/plan_doc.h"

#include "core/catalogue.h"
#include "core/decimal.h"
#include "terms/known.h"

#include <stdio.h>
#include <string.h>

static void read_price(struct doc_check *c, const char *path, const cJSON *obj, struct price *out)
{
    static const char *const step_fields[] = {"up_to", "unit_price", NULL};
    const cJSON *flat = doc_field(c, path, obj, "unit_price", false);
    const cJSON *tiers = doc_field(c, path, obj, "tiers", false);
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], r[DOC_PATH_LEN];
    memset(out, 0, sizeof *out);
    if (!flat == !tiers) {
        doc_error(c, path, "needs exactly one of \"unit_price\" and \"tiers\"");
        return;
    }
    if (flat) {
        doc_path(p, path, "unit_price");
        out->nsteps = 1;
        out->up_to[0] = -1;
        doc_decimal(c, p, flat, 6, &out->unit_price[0]);
        return;
    }
    doc_path(p, path, "tiers");
    if (!doc_object(c, p, tiers)) return;
    static const char *const tier_fields[] = {"mode", "steps", NULL};
    doc_only(c, p, tiers, tier_fields);
    const cJSON *mode = doc_field(c, p, tiers, "mode", true);
    const char *m = NULL;
    doc_path(q, p, "mode");
    if (mode && doc_string(c, q, mode, 16, &m)) {
        if (!strcmp(m, "graduated"))
            out->mode = TIERS_GRADUATED;
        else if (!strcmp(m, "volume"))
            out->mode = TIERS_VOLUME;
        else
            doc_error(c, q, "must be \"graduated\" or \"volume\"");
    }
    const cJSON *steps = doc_field(c, p, tiers, "steps", true);
    doc_path(q, p, "steps");
    if (!steps || !doc_array(c, q, steps, 2)) return;
    int n = cJSON_GetArraySize(steps);
    if (n > PLAN_MAX_STEPS) {
        doc_error(c, q, "at most %d steps", PLAN_MAX_STEPS);
        return;
    }
    out->nsteps = n;
    for (int i = 0; i < n; i++) {
        const cJSON *s = cJSON_GetArrayItem(steps, i);
        doc_path_index(r, q, i);
        if (!doc_object(c, r, s)) continue;
        doc_only(c, r, s, step_fields);
        const cJSON *up = doc_field(c, r, s, "up_to", false);
        const cJSON *price = doc_field(c, r, s, "unit_price", true);
        char f[DOC_PATH_LEN];
        doc_path(f, r, "unit_price");
        if (price) doc_decimal(c, f, price, 6, &out->unit_price[i]);
        doc_path(f, r, "up_to");
        out->up_to[i] = -1;
        if (i == n - 1) {
            if (up) doc_error(c, f, "the last step has no upper bound");
        } else if (!up) {
            doc_error(c, f, "is required on every step but the last");
        } else if (doc_int(c, f, up, 1, 1000000000000LL, &out->up_to[i]) && i > 0 &&
                   out->up_to[i - 1] > 0 && out->up_to[i] <= out->up_to[i - 1]) {
            doc_error(c, f, "tiers overlap: must be above the previous step's %lld",
                      (long long)out->up_to[i - 1]);
        }
    }
}

int plan_doc_bands(struct doc_check *c, const char *path, const cJSON *arr, struct band *out)
{
    static const char *const band_fields[] = {"band", "from", "to", "multiplier", NULL};
    if (!doc_array(c, path, arr, 1)) return 0;
    int n = cJSON_GetArraySize(arr);
    if (n > PLAN_MAX_BANDS) {
        doc_error(c, path, "at most %d bands", PLAN_MAX_BANDS);
        return 0;
    }
    char p[DOC_PATH_LEN], f[DOC_PATH_LEN];
    for (int i = 0; i < n; i++) {
        const cJSON *b = cJSON_GetArrayItem(arr, i);
        struct band *band = &out[i];
        memset(band, 0, sizeof *band);
        band->from = band->to = -1;
        doc_path_index(p, path, i);
        if (!doc_object(c, p, b)) continue;
        doc_only(c, p, b, band_fields);
        const cJSON *it;
        const char *name;
        int64_t v;
        doc_path(f, p, "band");
        if ((it = doc_field(c, p, b, "band", true)) && doc_string(c, f, it, 32, &name))
            snprintf(band->name, sizeof band->name, "%s", name);
        doc_path(f, p, "from");
        if ((it = doc_field(c, p, b, "from", true)) && doc_int(c, f, it, 0, 23, &v))
            band->from = (int)v;
        doc_path(f, p, "to");
        if ((it = doc_field(c, p, b, "to", true)) && doc_int(c, f, it, 0, 24, &v))
            band->to = (int)(v % 24);
        doc_path(f, p, "multiplier");
        if ((it = doc_field(c, p, b, "multiplier", true)))
            doc_decimal(c, f, it, 6, &band->multiplier_ppm);
        if (band->from >= 0 && band->to >= 0 && band->from == band->to)
            doc_error(c, p, "a band covers at least one hour (from and to differ)");
        for (int j = 0; j < i && band->from >= 0 && band->to >= 0; j++)
            for (int h = 0; h < 24; h++)
                if (out[j].from >= 0 && out[j].to >= 0 && plan_band_covers(band, h) &&
                    plan_band_covers(&out[j], h)) {
                    doc_error(c, p, "overlaps band \"%s\" at %02d:00", out[j].name, h);
                    h = 24;
                }
    }
    return n;
}

/* A price per GPU-hour that may be negative ("-0.50"): the index link's
 * spread, a discount to the index; at most 1,000,000 a GPU-hour either way
 * (far above any price, so a valid user is never refused: the bound names
 * the problem where an overflow would only say "not a decimal"). */
#define SPREAD_MAX_MICRO 1000000000000LL
static bool read_signed_price(struct doc_check *c, const char *path, const cJSON *item,
                              int64_t *out)
{
    const char *s = cJSON_IsString(item) ? item->valuestring : NULL;
    bool minus = s && s[0] == '-';
    if (s && (s[minus] != '+' && s[minus] != '-') &&
        decimal_parse(s + minus, strlen(s + minus), 6, DECIMAL_EXACT, out) &&
        *out <= SPREAD_MAX_MICRO) {
        if (minus) *out = -*out;
        return true;
    }
    doc_error(c, path, "must be a decimal string like \"0.50\" or \"-0.50\" with at most 6 "
                       "decimals, at most 1000000 either way");
    return false;
}

/* "index": {"lag_months", "spread", "floor", "cap"}: the model priced at
 * the realised compute price index (pricing/index_link.h). */
static void read_index_link(struct doc_check *c, const char *path, const cJSON *obj,
                            struct model_price *mp)
{
    static const char *const fields[] = {"lag_months", "spread", "floor", "cap", NULL};
    struct index_link *l = &mp->link;
    char p[DOC_PATH_LEN];
    *l = (struct index_link){.on = true, .lag_months = 1, .floor = -1, .cap = -1};
    /* one flat step, its unit price set when billing resolves the month */
    mp->price = (struct price){TIERS_NONE, 1, {-1}, {0}};
    if (!doc_object(c, path, obj)) return;
    doc_only(c, path, obj, fields);
    int64_t lag = 1;
    if (doc_get_int(c, path, obj, "lag_months", true, 1, INDEX_LINK_MAX_LAG, &lag))
        l->lag_months = (int)lag;
    const cJSON *it = doc_field(c, path, obj, "spread", false);
    doc_path(p, path, "spread");
    if (it) read_signed_price(c, p, it, &l->spread);
    doc_get_decimal(c, path, obj, "floor", false, 6, &l->floor); /* absent: -1, none */
    doc_get_decimal(c, path, obj, "cap", false, 6, &l->cap);
    doc_path(p, path, "cap");
    if (l->floor >= 0 && l->cap >= 0 && l->cap < l->floor)
        doc_error(c, p, "is below the floor: a cap must be at least the floor");
}

static void read_gpu(struct doc_check *c, const cJSON *gpu, struct plan *pl)
{
    static const char *const fields[] = {"increment_seconds", "prices", "time_of_use", NULL};
    static const char *const price_fields[] = {"model", "unit_price", "tiers", "index", NULL};
    const char *path = "$.gpu_hours";
    if (!doc_object(c, path, gpu)) return;
    doc_only(c, path, gpu, fields);
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN];
    const cJSON *it = doc_field(c, path, gpu, "increment_seconds", false);
    int64_t v = 1;
    doc_path(p, path, "increment_seconds");
    if (it) doc_int(c, p, it, 1, 3600, &v);
    pl->increment_s = (int)v;
    const cJSON *prices = doc_field(c, path, gpu, "prices", true);
    doc_path(p, path, "prices");
    if (prices && doc_array(c, p, prices, 1)) {
        int n = cJSON_GetArraySize(prices);
        if (n > PLAN_MAX_ITEMS) doc_error(c, p, "at most %d models", PLAN_MAX_ITEMS);
        for (int i = 0; i < n && i < PLAN_MAX_ITEMS; i++) {
            const cJSON *e = cJSON_GetArrayItem(prices, i);
            struct model_price *mp = &pl->models[pl->nmodels++];
            doc_path_index(q, p, i);
            if (!doc_object(c, q, e)) continue;
            doc_only(c, q, e, price_fields);
            char f[DOC_PATH_LEN];
            doc_path(f, q, "model");
            const cJSON *model = doc_field(c, q, e, "model", true);
            const char *name;
            if (model && doc_string(c, f, model, 64, &name)) {
                const struct accelerator *a = catalogue_find(name);
                if (!a)
                    known_model_error(c, f, name);
                else if (strcmp(a->model, name))
                    doc_error(c, f, "write the catalogue name \"%s\" for \"%s\"", a->model, name);
                for (int j = 0; a && j < pl->nmodels - 1; j++)
                    if (!strcmp(pl->models[j].model, a->model))
                        doc_error(c, f, "model \"%s\" is priced twice", a->model);
                snprintf(mp->model, sizeof mp->model, "%s", a ? a->model : name);
            }
            const cJSON *index = doc_field(c, q, e, "index", false);
            doc_path(f, q, "index");
            if (index && (doc_field(c, q, e, "unit_price", false) || doc_field(c, q, e, "tiers", false)))
                doc_error(c, f, "a price at the index has no \"unit_price\" or \"tiers\" beside it");
            else if (index)
                read_index_link(c, f, index, mp);
            else
                read_price(c, q, e, &mp->price);
        }
    }
    const cJSON *tou = doc_field(c, path, gpu, "time_of_use", false);
    doc_path(p, path, "time_of_use");
    if (tou) pl->ngpu_bands = plan_doc_bands(c, p, tou, pl->gpu_bands);
    for (int i = 0; tou && i < pl->nmodels; i++)
        if (pl->models[i].price.mode != TIERS_NONE) {
            doc_error(c, p, "tiered prices (model \"%s\") cannot also have time-of-use bands",
                      pl->models[i].model);
            break;
        }
}

static void read_tokens(struct doc_check *c, const cJSON *tok, struct plan *pl)
{
    static const char *const fields[] = {"brackets", NULL};
    static const char *const bracket_fields[] = {"up_to_params", "unit_price", "tiers", NULL};
    const char *path = "$.tokens";
    if (!doc_object(c, path, tok)) return;
    doc_only(c, path, tok, fields);
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN], f[DOC_PATH_LEN];
    const cJSON *arr = doc_field(c, path, tok, "brackets", true);
    doc_path(p, path, "brackets");
    if (!arr || !doc_array(c, p, arr, 1)) return;
    int n = cJSON_GetArraySize(arr);
    if (n > PLAN_MAX_STEPS) {
        doc_error(c, p, "at most %d brackets", PLAN_MAX_STEPS);
        return;
    }
    pl->nbrackets = n;
    for (int i = 0; i < n; i++) {
        const cJSON *b = cJSON_GetArrayItem(arr, i);
        struct bracket *br = &pl->brackets[i];
        br->up_to_params = -1;
        doc_path_index(q, p, i);
        if (!doc_object(c, q, b)) continue;
        doc_only(c, q, b, bracket_fields);
        const cJSON *up = doc_field(c, q, b, "up_to_params", false);
        doc_path(f, q, "up_to_params");
        if (i == n - 1 && up)
            doc_error(c, f, "the last bracket has no upper bound");
        else if (i < n - 1 && !up)
            doc_error(c, f, "is required on every bracket but the last");
        else if (up && doc_int(c, f, up, 1, 100000000000000LL, &br->up_to_params) && i > 0 &&
                 pl->brackets[i - 1].up_to_params > 0 &&
                 br->up_to_params <= pl->brackets[i - 1].up_to_params)
            doc_error(c, f, "brackets overlap: must be above the previous bracket's %lld",
                      (long long)pl->brackets[i - 1].up_to_params);
        read_price(c, q, b, &br->price);
    }
}

/* A meter priced FLAT ("energy_kwh", "gpu_mem_gib_hours"): one price, flat
 * or tiered, with optional time-of-use bands. */
static void read_flat(struct doc_check *c, const struct meter *m, const cJSON *obj, struct plan *pl)
{
    static const char *const fields[] = {"unit_price", "tiers", "time_of_use", NULL};
    struct flat_price *f = &pl->flat[meter_index(m)];
    char path[DOC_PATH_LEN], p[DOC_PATH_LEN];
    doc_path(path, "$", m->doc);
    if (!doc_object(c, path, obj)) return;
    doc_only(c, path, obj, fields);
    read_price(c, path, obj, &f->price);
    if (m->unit_price_only && f->price.mode != TIERS_NONE) {
        doc_path(p, path, "tiers");
        doc_error(c, p,
                  "%s is priced by one unit_price: its lines are one per accelerator model, "
                  "and a tier would start again on each",
                  m->doc);
    }
    const cJSON *tou = doc_field(c, path, obj, "time_of_use", false);
    doc_path(p, path, "time_of_use");
    if (tou) f->nbands = plan_doc_bands(c, p, tou, f->bands);
    if (tou && f->price.mode != TIERS_NONE)
        doc_error(c, p, "tiered prices cannot also have time-of-use bands");
}

bool plan_doc_parse(const cJSON *doc, struct plan *pl, struct doc_check *c)
{
    const char *fields[4 + METER_COUNT + 1] = {"plan", "name", "currency", "effective_from"};
    for (int m = 0; m < METER_COUNT; m++)
        fields[4 + m] = meter_rows[m].doc; /* a section per meter, named as in documents */
    memset(pl, 0, sizeof *pl);
    pl->increment_s = 1;
    if (!doc_object(c, "$", doc)) return false;
    doc_only(c, "$", doc, fields);
    const cJSON *it;
    const char *s;
    if ((it = doc_field(c, "$", doc, "plan", true)) && doc_string(c, "$.plan", it, 64, &s)) {
        if (strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(s))
            doc_error(c, "$.plan", "use lower-case letters, digits, '-' and '_'");
        snprintf(pl->code, sizeof pl->code, "%s", s);
    }
    if ((it = doc_field(c, "$", doc, "name", true)) && doc_string(c, "$.name", it, 128, &s))
        snprintf(pl->name, sizeof pl->name, "%s", s);
    if ((it = doc_field(c, "$", doc, "currency", true)) && doc_string(c, "$.currency", it, 3, &s)) {
        if (strlen(s) != 3 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
            doc_error(c, "$.currency", "must be an ISO 4217 code like \"CNY\"");
        snprintf(pl->currency, sizeof pl->currency, "%s", s);
    }
    if ((it = doc_field(c, "$", doc, "effective_from", true)))
        doc_date(c, "$.effective_from", it, &pl->effective_from);
    bool any = false;
    for (int m = 0; m < METER_COUNT; m++) {
        const cJSON *section = doc_field(c, "$", doc, meter_rows[m].doc, false);
        if (!(pl->has[m] = section)) continue;
        any = true;
        if (meter_rows[m].pricing == METER_PRICED_BY_ACCELERATOR)
            read_gpu(c, section, pl);
        else if (meter_rows[m].pricing == METER_PRICED_BY_SIZE)
            read_tokens(c, section, pl);
        else
            read_flat(c, &meter_rows[m], section, pl);
    }
    if (!any) doc_error(c, "$", "prices no meter: give %s", meter_doc_list());
    return c->n == 0;
}

unsigned plan_doc_meters(struct doc_check *c, const char *path, const cJSON *obj, const char *name)
{
    char p[DOC_PATH_LEN], q[DOC_PATH_LEN];
    if (!doc_field(c, path, obj, name, false)) return meter_bits_all();
    const cJSON *arr = doc_get_array(c, path, obj, name, false, 1, METER_COUNT, p);
    unsigned bits = 0;
    for (int i = 0; arr && i < cJSON_GetArraySize(arr); i++) {
        const cJSON *m = cJSON_GetArrayItem(arr, i);
        const char *s;
        doc_path_index(q, p, i);
        if (!doc_string(c, q, m, METER_NAME_MAX, &s)) continue;
        unsigned bit = meter_bit(s);
        if (!bit)
            doc_error(c, q, "must be %s", meter_doc_list());
        else if (bits & bit)
            doc_error(c, q, "meter \"%s\" is listed twice", s);
        bits |= bit;
    }
    return bits;
}
