/* Slurm sacct output and trainer token lines, each polled twice, and the
 * token endpoint's check of every line's account (issue 31). */
#include "ingest/sacct.h"
#include "ingest/tokens.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    struct state st;
    state_init(&st);
    struct sacct_opts o = {NULL, "gpu", 480};
    for (int64_t at = 1793491200000; at <= 1793494800000; at += 3600000) {
        struct cycle cy = {.state = &st,
                           .at_ms = at,
                           .max_gap_ms = 300000,
                           .kind = "f",
                           .cluster = "c",
                           .site = "s"};
        struct rejects r = {.origin = "fuzz"};
        sacct_collect(&cy, (const char *)data, size, &o, &r);
        tokens_collect(&cy, (const char *)data, size, &r);
        sb_free(&cy.out);
    }
    state_free(&st);
    char account[256];
    tokens_foreign_line((const char *)data, size, "ns-*,slurm-gamma", account, sizeof account);
    return 0;
}
