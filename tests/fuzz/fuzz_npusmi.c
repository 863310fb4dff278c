/* npu-smi info text tables. */
#include "ingest/npusmi.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
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
        npusmi_parse((const char *)data, size, &src);
        device_meter(&cy, &set);
        device_set_free(&set);
        sb_free(&cy.out);
    }
    state_free(&st);
    return 0;
}
