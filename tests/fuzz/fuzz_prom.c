/* Prometheus text as dcgm-exporter, npu-exporter, HAMi, mlu-exporter, MetaX
 * and Iluvatar scrapes, metered twice so the state paths (baseline, delta,
 * reset, integration) run too. */
#include "ingest/dcgm.h"
#include "ingest/hami.h"
#include "ingest/mlu.h"
#include "ingest/vendor.h"
#include "tests/fuzz/fuzz.h"

static void round_of(struct state *st, int64_t at, const uint8_t *data, size_t size,
                     void (*parse)(const char *, size_t, struct device_source *))
{
    struct cycle cy = {
        .state = st, .at_ms = at, .max_gap_ms = 300000, .kind = "f", .cluster = "c", .site = "s"};
    struct device_set set = {0};
    struct rejects r = {.origin = "fuzz"};
    struct device_source src = {"node", false, "model", NULL, NULL, &set, &r};
    parse((const char *)data, size, &src);
    device_meter(&cy, &set);
    device_set_free(&set);
    sb_free(&cy.out);
}

/* The same bytes as a pods file and as the scrape, memory shares on: the
 * annotation reader and the memory path run too. */
static void hami_with_pods(const char *text, size_t len, struct device_source *src)
{
    struct rejects pods = {.origin = "fuzz pods"};
    hami_parse_pods(text, len, &pods, true, text, len, src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    struct state st;
    state_init(&st);
    round_of(&st, 1000, data, size, dcgm_parse);
    round_of(&st, 31000, data, size, dcgm_parse);
    round_of(&st, 1000, data, size, dcgm_parse_npu);
    round_of(&st, 31000, data, size, dcgm_parse_npu);
    round_of(&st, 1000, data, size, dcgm_parse_dcu);
    round_of(&st, 31000, data, size, dcgm_parse_dcu);
    round_of(&st, 61000, data, size, hami_parse);
    round_of(&st, 91000, data, size, hami_parse);
    round_of(&st, 121000, data, size, mlu_parse);
    round_of(&st, 151000, data, size, mlu_parse);
    round_of(&st, 181000, data, size, hami_with_pods);
    round_of(&st, 211000, data, size, hami_with_pods);
    round_of(&st, 241000, data, size, vendor_parse_metax);
    round_of(&st, 271000, data, size, vendor_parse_metax);
    round_of(&st, 301000, data, size, vendor_parse_iluvatar);
    round_of(&st, 331000, data, size, vendor_parse_iluvatar);
    state_free(&st);
    return 0;
}
