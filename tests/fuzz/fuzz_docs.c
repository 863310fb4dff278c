/* Documents sales and finance write: any bytes through every validator
 * (plan, contract, site, voucher, subsidy), which must reject or accept
 * without crashing, and, when a plan and contract both validate, price a
 * few usage rows through them. */
#include "invoice/charges.h"
#include "invoice/docstore.h"
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    static struct plan plan;
    static struct contract contract;
    static union {
        struct site s;
        struct voucher v;
        struct subsidy b;
    } other;
    struct doc_check c = {0};
    bool priced_plan = plan_kind.parse(doc, &plan, &c);
    sb_free(&c.errors);
    memset(&c, 0, sizeof c);
    bool priced_contract = contract_kind.parse(doc, &contract, &c);
    const struct doc_kind *kinds[] = {&site_kind, &voucher_kind, &subsidy_kind};
    for (size_t i = 0; i < 3; i++) {
        sb_free(&c.errors);
        memset(&c, 0, sizeof c);
        kinds[i]->parse(doc, &other, &c);
    }
    sb_free(&c.errors);
    if (priced_plan) {
        const struct usage_row rows[] = {
            {"gpu_ms", "H800", "s", 9, 0, true, 1250000, 36000000},
            {"tokens", "", "s", 0, 7000000000LL, true, 1000000, 1000000000},
            {"energy_mj", "Ascend910B", "s", 23, 0, false, 1250000, 3600000000LL},
        };
        struct bill b = {0};
        char err[256];
        plan_charges(&plan, priced_contract ? &contract : NULL, rows, 3, 2, &b, err, sizeof err);
        bill_free(&b);
    }
    cJSON_Delete(doc);
    return 0;
}
