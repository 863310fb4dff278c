/* Documents sales and finance write: any bytes through the strict reader
 * and every validator (plan, contract, site, voucher, subsidy, tariff,
 * asset, maintenance), which must
 * reject or accept without crashing. Checked as a property: a document that
 * validates is stored the way PostgreSQL stores it (docstore keeps
 * cJSON's canonical print in a jsonb column, which drops whitespace, orders
 * each object's keys by length then bytes and re-escapes strings; that is
 * emulated here) and read back, and must then validate to the same terms,
 * byte for byte. When a plan and contract both validate, a few usage rows
 * are priced through them. */
#include "pricing/charges.h"
#include "terms/asset.h"
#include "terms/asset_doc.h"
#include "terms/contract.h"
#include "terms/maintenance.h"
#include "terms/maintenance_doc.h"
#include "terms/plan.h"
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

static int jsonb_key_order(const void *pa, const void *pb)
{
    const cJSON *a = *(const cJSON *const *)pa, *b = *(const cJSON *const *)pb;
    size_t la = strlen(a->string), lb = strlen(b->string);
    if (la != lb) return la < lb ? -1 : 1;
    return memcmp(a->string, b->string, la);
}

/* Reorders every object's members as jsonb keeps them. */
static void jsonb_order(cJSON *node)
{
    size_t n = 0;
    for (cJSON *it = node->child; it; it = it->next) {
        jsonb_order(it);
        n++;
    }
    if (!cJSON_IsObject(node) || n < 2) return;
    cJSON **v = malloc(n * sizeof *v);
    if (!v) abort();
    n = 0;
    for (cJSON *it = node->child; it; it = it->next)
        v[n++] = it;
    qsort(v, n, sizeof *v, jsonb_key_order);
    for (size_t i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: the first member's prev is the last */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    node->child = v[0];
    free(v);
}

/* The document as PostgreSQL hands it back: canonical print, through jsonb. */
static cJSON *stored_and_read_back(const cJSON *doc)
{
    struct doc_check c = {0};
    char *canonical = cJSON_PrintUnformatted(doc);
    cJSON *stored = doc_parse(canonical, strlen(canonical), &c);
    if (!stored) __builtin_trap(); /* the canonical form must itself be strict JSON */
    jsonb_order(stored);
    char *text = cJSON_PrintUnformatted(stored);
    cJSON *back = doc_parse(text, strlen(text), &c);
    if (!back) __builtin_trap();
    cJSON_free(canonical);
    cJSON_free(text);
    cJSON_Delete(stored);
    sb_free(&c.errors);
    return back;
}

static union {
    struct plan p;
    struct contract k;
    struct site s;
    struct voucher v;
    struct subsidy b;
    struct tariff t;
    struct asset a;
    struct maintenance m;
} first, second;

/* True when doc validates as kind; then its reading back must give the
 * same terms. */
static bool validates_the_same(const struct doc_kind *k, const cJSON *doc, void *out)
{
    struct doc_check c = {0};
    memset(out, 0, k->size);
    bool ok = k->parse(doc, out, &c);
    sb_free(&c.errors);
    if (!ok) return false;
    cJSON *back = stored_and_read_back(doc);
    memset(&second, 0, k->size);
    memset(&c, 0, sizeof c);
    if (!k->parse(back, &second, &c) || memcmp(out, &second, k->size)) __builtin_trap();
    sb_free(&c.errors);
    cJSON_Delete(back);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    static struct plan plan;
    static struct contract contract;
    struct doc_check c = {0};
    cJSON *doc = doc_parse((const char *)data, size, &c);
    sb_free(&c.errors);
    if (!doc) return 0;
    bool priced_plan = validates_the_same(&plan_kind, doc, &plan);
    bool priced_contract = validates_the_same(&contract_kind, doc, &contract);
    const struct doc_kind *kinds[] = {&site_kind, &voucher_kind, &subsidy_kind, &tariff_kind,
                                      &asset_kind, &maintenance_kind};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        validates_the_same(kinds[i], doc, &first);
    if (priced_plan) {
        const struct usage_row rows[] = {
            {"gpu_ms", "H800", "s", 9, 0, true, 1250000, 36000000},
            {"tokens", "", "s", 0, 7000000000LL, true, 1000000, 1000000000},
            {"energy_mj", "Ascend910B", "s", 23, 0, false, 1250000, 3600000000LL},
        };
        struct bill b = {0};
        char err[256];
        charges_price(&plan, priced_contract ? &contract : NULL, rows, 3, 2, &b, err, sizeof err);
        bill_free(&b);
    }
    cJSON_Delete(doc);
    return 0;
}
