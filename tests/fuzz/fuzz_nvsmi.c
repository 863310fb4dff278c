/* The smi tools' text: nvidia-smi --query-gpu CSV and the npu-smi info
 * table, each metered twice so the state paths run too. */
#include "ingest/npusmi.h"
#include "ingest/nvsmi.h"
#include "tests/fuzz/fuzz.h"

static void rounds_of(const uint8_t *data, size_t size,
                      void (*parse)(const char *, size_t, struct device_source *))
{
    struct state st;
    state_init(&st);
    for (int64_t at = 1000; at <= 61000; at += 60000) {
        struct cycle cy = {.state = &st,
                           .at_ms = at,
                           .max_gap_ms = 300000,
                           .kind = "f",
                           .cluster = "c",
                           .site = "s"};
        struct device_set set = {0};
        struct rejects r = {.origin = "fuzz"};
        struct device_source src = {"node", false, "model", "acct", NULL, &set, &r};
        parse((const char *)data, size, &src);
        device_meter(&cy, &set);
        device_set_free(&set);
        sb_free(&cy.out);
    }
    state_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    rounds_of(data, size, nvsmi_parse);
    rounds_of(data, size, npusmi_parse);
    return 0;
}
