/* Ingest: the parsers and metering rules of every collector, on the
 * fixtures in tests/fixtures/ingest, asserting exact events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/catalogue.h"
#include "core/decimal.h"
#include "core/fileio.h"
#include "core/signature.h"
#include "core/timeutil.h"
#include "ingest/sacct.h"
#include "ingest/reporters.h"
#include "ingest/tokens.h"
#include "ingest/trainer_log.h"
#include "ingest/prom.h"
#include "ingest/spool.h"
#include "ingest/dcgm.h"
#include "ingest/nvsmi.h"
#include "ingest/hami.h"
#include "ingest/npusmi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/ingest_run.h"

static void test_decimal_is_exact(void **state)
{
    (void)state;
    int64_t v;
    assert_true(decimal_parse("409.692000", 10, 3, DECIMAL_TRUNCATE, &v));
    assert_int_equal(v, 409692);
    assert_true(decimal_parse("3.19159391e+08", 14, 0, DECIMAL_TRUNCATE, &v));
    assert_int_equal(v, 319159391);
    assert_true(decimal_parse("0.0015", 6, 3, DECIMAL_TRUNCATE, &v));
    assert_int_equal(v, 1);
    assert_false(decimal_parse("0.0015", 6, 3, DECIMAL_EXACT, &v));
    assert_true(decimal_parse("+12", 3, 2, DECIMAL_EXACT, &v));
    assert_int_equal(v, 1200);
    assert_true(decimal_parse("9223372036854775807", 19, 0, DECIMAL_EXACT, &v));
    assert_int_equal(v, INT64_MAX);
    assert_false(decimal_parse("9223372036854775808", 19, 0, DECIMAL_EXACT, &v));
    const char *bad[] = {"", "-1", "1.2.3", "NaN", "1e", "e5", ".", "1,5", "12 ", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(decimal_parse(bad[i], strlen(bad[i]), 0, DECIMAL_TRUNCATE, &v));
}

struct seen {
    int n;
    char last_value[64], pod[1100];
};

static void count_sample(const struct prom_sample *s, void *ctx)
{
    struct seen *seen = ctx;
    seen->n++;
    snprintf(seen->last_value, sizeof seen->last_value, "%s", s->value);
    const char *pod = prom_label(s, "pod_name");
    if (pod) snprintf(seen->pod, sizeof seen->pod, "%s", pod);
}

static void test_prom_escapes_comments_and_bad_lines(void **state)
{
    (void)state;
    struct strbuf in = STRBUF_INIT;
    read_fixture("dcgm-legacy-t0.prom", &in);
    struct seen seen = {0};
    struct rejects rep = {.origin = "t"};
    prom_parse(in.buf, in.len, &rep, count_sample, &seen);
    assert_int_equal(seen.n, 2);
    assert_int_equal(rep.bad, 0);
    assert_string_equal(seen.pod, "job \"quoted\" \\ pod");
    /* 6 broken lines and a final line without its newline, around 2 good ones */
    read_fixture("dcgm-bad-t0.prom", &in);
    memset(&seen, 0, sizeof seen);
    prom_parse(in.buf, in.len, &rep, count_sample, &seen);
    assert_int_equal(rep.bad, 4); /* unterminated, huge label, no name, cut-off line */
    assert_int_equal(seen.n, 5);  /* the rest is syntactically fine; dcgm judges it */
    const char text[] = "# HELP x y\n# TYPE x gauge\nx{a=\"1\"} 2.5 1700000000000\n";
    memset(&seen, 0, sizeof seen);
    prom_parse(text, sizeof text - 1, &rep, count_sample, &seen);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.last_value, "2.5");
    sb_free(&in);
}

/* A NUL byte is no character of a name or a number: a line holding one is a
 * bad line, never a label or value cut at the NUL ("team-a\0evil" read as
 * team-a, "5\0junk" as 5), and the lines beside it still read. */
static void test_prom_nul_byte_is_a_bad_line(void **state)
{
    (void)state;
    const char text[] = "x{pod_name=\"team-a\0evil\"} 1\n"
                        "x{pod_name=\"ok\"} 5\0junk\n"
                        "x{pod_name=\"good\"} 7\n";
    struct seen seen = {0};
    struct rejects rep = {.origin = "t"};
    prom_parse(text, sizeof text - 1, &rep, count_sample, &seen);
    assert_int_equal(rep.bad, 2);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.pod, "good");
    assert_string_equal(seen.last_value, "7");
}

static void test_dcgm_kubernetes_baseline_delta_reset(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse, "dcgm-k8s-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n, 0); /* the first scrape is the baseline */
    scrape(r, dcgm_parse, "dcgm-k8s-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    struct usage_event *e = &r->ev[0];
    assert_string_equal(e->source, "t/c1/gpu-node-01");
    assert_string_equal(e->account, "team-a");
    assert_string_equal(e->job, "llm-pretrain-0");
    assert_string_equal(e->model, "NVIDIA H800");
    assert_int_equal(e->seq, 1);
    assert_int_equal(e->gpu_ms, 30000);
    assert_int_equal(e->energy_mj, 19500000);
    assert_int_equal(r->st.idle_units, 1); /* GPU1 has no pod: never billed */
    assert_int_equal(r->st.idle_gpu_ms, 30000);
    /* and the node's capacity: 2 GPUs for 30 s, one allocated, the idle
     * one stranded beside it, drawing what GPU1's counter moved */
    assert_int_equal(r->ncap, 1);
    e = &r->cap[0];
    assert_string_equal(e->source, "t/c1/gpu-node-01");
    assert_int_equal(e->seq, 2); /* after the node's usage, in its sequence */
    assert_string_equal(e->node, "gpu-node-01");
    assert_string_equal(e->model, "NVIDIA H800");
    assert_int_equal(e->devices, 2);
    assert_int_equal(e->end_ms - e->start_ms, 30000);
    assert_int_equal(e->allocated_ms, 30000);
    assert_int_equal(e->has, EVENT_HAS_IDLE_ENERGY);
    assert_int_equal(e->idle_energy_mj, 502107500 - 500000000);
    scrape(r, dcgm_parse, "dcgm-k8s-t2-reset.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].seq, 3);
    assert_int_equal(r->ev[0].energy_mj, 9000000); /* counts from zero after the reset */
    assert_int_equal(r->st.resets, 1);
}

static void test_dcgm_gap_is_reported_not_charged(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse, "dcgm-k8s-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse, "dcgm-k8s-t1.prom", "2026-11-01T00:10:00Z", NULL, NULL);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->st.gaps, 2);
    scrape(r, dcgm_parse, "dcgm-k8s-t1.prom", "2026-11-01T00:10:30Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 0);
    scrape(r, dcgm_parse, "dcgm-k8s-t1.prom", "2026-11-01T00:10:30Z", NULL, NULL);
    assert_int_equal(r->n, 0); /* the same scrape again charges nothing */
}

/* An energy counter that rises by more than 10 kW over the window (a
 * counter glitch) or a draw between the event contract's 10 kW and the
 * reader's 100 kW would give an event the rater refuses, and with it the
 * GPU time: the window keeps its GPU-ms, its energy is a bad line. */
static void test_dcgm_absurd_energy_is_a_bad_line_not_a_lost_window(void **state)
{
    struct run *r = *state;
    const char t0[] = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{UUID=\"GPU-x\",Hostname=\"n\","
                      "namespace=\"a\",pod=\"p\"} 1000\n"
                      "DCGM_FI_DEV_POWER_USAGE{UUID=\"GPU-y\",Hostname=\"n\",namespace=\"b\","
                      "pod=\"q\"} 50000\n";
    const char t1[] = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{UUID=\"GPU-x\",Hostname=\"n\","
                      "namespace=\"a\",pod=\"p\"} 9000000000000000\n"
                      "DCGM_FI_DEV_POWER_USAGE{UUID=\"GPU-y\",Hostname=\"n\",namespace=\"b\","
                      "pod=\"q\"} 50000\n";
    scrape_text(r, dcgm_parse, t0, sizeof t0 - 1, "t0", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape_text(r, dcgm_parse, t1, sizeof t1 - 1, "t1", "2026-11-01T00:00:30Z", NULL, NULL);
    if (r->n != 2) fail_msg("expected 2 usage events, got %d", r->n);
    for (int i = 0; i < 2; i++) {
        if (r->ev[i].gpu_ms != 30000 || (r->ev[i].has & EVENT_HAS_ENERGY))
            fail_msg("event %d (%s): expected 30000 GPU-ms and no energy, got %lld GPU-ms, "
                     "energy %lld mJ%s", i, r->ev[i].account, (long long)r->ev[i].gpu_ms,
                     (long long)r->ev[i].energy_mj,
                     r->ev[i].has & EVENT_HAS_ENERGY ? "" : " (none)");
    }
    if (r->st.bad_lines != 2) fail_msg("expected 2 bad lines, got %ld", r->st.bad_lines);
    assert_false(r->cap[0].has & EVENT_HAS_IDLE_ENERGY);
}

static void test_dcgm_legacy_labels(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse, "dcgm-legacy-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse, "dcgm-legacy-t1.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].source, "t/c1/old-node-7");
    assert_string_equal(r->ev[0].account, "team-b");
    assert_string_equal(r->ev[0].job, "job \"quoted\" \\ pod");
    assert_string_equal(r->ev[0].model, "unknown");
    assert_int_equal(r->ev[0].energy_mj, 18000000);
}

static void test_dcgm_mig_energy_once_per_gpu(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse, "dcgm-mig-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse, "dcgm-mig-t1.prom", "2026-11-01T00:01:10Z", NULL, NULL);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->ev[0].account, "team-c"); /* 3g.40gb: 3 of 7 slices */
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 3000000);
    assert_string_equal(r->ev[1].account, "team-d"); /* 1g.10gb */
    assert_int_equal(r->ev[1].gpu_ms, 10000);
    assert_int_equal(r->ev[1].energy_mj, 1000000);
    assert_int_equal(r->st.idle_units, 1); /* instance 5 (2g) has no pod */
    assert_int_equal(r->st.idle_gpu_ms, 20000);
    /* one GPU for 70 s: 40,000 ms allocated (3 + 1 of 7 slices), the other
     * 30,000 stranded, and the GPU's energy less what the instances drew */
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 1);
    assert_int_equal(r->cap[0].allocated_ms, 40000);
    assert_int_equal(r->cap[0].idle_energy_mj, 107000000 - 100000000 - 3000000 - 1000000);
}

static void test_dcgm_slurm_power_integration(void **state)
{
    struct run *r = *state;
    char err[200];
    struct account_map *map = accounts_load(FIXTURES "accounts.map", err, sizeof err);
    assert_non_null(map);
    scrape(r, dcgm_parse, "dcgm-slurm-t0.prom", "2026-11-01T00:00:00Z", map, NULL);
    scrape(r, dcgm_parse, "dcgm-slurm-t1.prom", "2026-11-01T00:00:10Z", map, NULL);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->ev[0].account, "slurm-acct-a"); /* job:4711 in the map */
    assert_string_equal(r->ev[0].job, "4711");
    assert_int_equal(r->ev[0].energy_mj, 4500000);     /* (400 + 500) / 2 W x 10 s */
    assert_string_equal(r->ev[1].account, "job:4712"); /* unmapped job */
    assert_int_equal(r->ev[1].energy_mj, 1000015);
    accounts_free(map);
}

static void test_power_integration_carries_the_remainder(void **state)
{
    struct run *r = *state;
    /* 1 mW for 1 ms is 1/1000 mJ: 3000 one-ms steps must make exactly 3 mJ. */
    const char text[] =
        "DCGM_FI_DEV_POWER_USAGE{UUID=\"G\",Hostname=\"h\",namespace=\"n\",pod=\"p\"} "
        "0.001\n";
    int64_t total = 0, t0 = at("2026-11-01T00:00:00Z");
    for (int i = 0; i <= 3000; i++) {
        struct cycle cy;
        cycle_start(r, &cy, t0 + i);
        struct device_set set = {0};
        struct rejects rep = {.origin = "t"};
        struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
        dcgm_parse(text, sizeof text - 1, &src);
        device_meter(&cy, &set);
        device_set_free(&set);
        cycle_end(r, &cy);
        for (int k = 0; k < r->n; k++)
            total += r->ev[k].energy_mj;
    }
    assert_int_equal(total, 3);
}

static void test_dcgm_bad_lines_skip_only_themselves(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse, "dcgm-bad-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->bad, 7);
    scrape(r, dcgm_parse, "dcgm-bad-t1.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].energy_mj, 60000);
    assert_int_equal(r->ev[1].energy_mj, 90000);
}

/* Metric names are case-sensitive (issue 31): a lower-cased paste of
 * dcgm-exporter 2.x+ names is bad lines, not devices read as idle; the
 * 1.x names (dcgm_power_usage, dcgm_fb_used: NVIDIA's
 * 1.x-compatibility-metrics.csv) are dcgm-exporter's own and still read. */
static void test_dcgm_metric_names_are_exact(void **state)
{
    struct run *r = *state;
    const char text[] =
        "dcgm_fi_dev_power_usage{UUID=\"GPU-1\",Hostname=\"n\",namespace=\"a\",pod=\"p\"} 300\n"
        "dcgm_fi_dev_total_energy_consumption{UUID=\"GPU-1\",Hostname=\"n\"} 1000\n"
        "Dcgm_FI_DEV_GPU_UTIL{UUID=\"GPU-1\",Hostname=\"n\"} 0\n"
        "dcgm_exp_xid_errors_count{UUID=\"GPU-1\",Hostname=\"n\"} 0\n"
        "dcgm_power_usage{uuid=\"GPU-2\",Hostname=\"n\"} 300\n"
        "dcgm_fb_used{uuid=\"GPU-2\",Hostname=\"n\"} 5120\n";
    struct device_set set = {0};
    struct rejects rep = {.origin = "t"};
    struct device_source src = {"this-host", false, "unknown", NULL, NULL, &set, &rep};
    dcgm_parse(text, sizeof text - 1, &src);
    assert_int_equal(rep.bad, 4);
    assert_int_equal(set.n, 1); /* only the 1.x series' GPU */
    assert_string_equal(set.v[0].key, "GPU-2");
    assert_true(set.v[0].has_power);
    assert_true(set.v[0].has_fb); /* GPU memory, as DCGM_FI_DEV_FB_USED */
    assert_int_equal(set.v[0].fb_used_mib, 5120);
    device_set_free(&set);
    (void)r;
}

/* The lines of text in a permuted order: the order is i * step mod n. */
static void permute_lines(const char *text, size_t step, struct strbuf *out)
{
    const char *line[64];
    size_t len[64], n = 0;
    for (const char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        assert_true(n < 64);
        line[n] = p;
        len[n++] = (size_t)(nl - p) + 1;
    }
    sb_reset(out);
    for (size_t i = 0; i < n; i++)
        sb_append(out, line[i * step % n], len[i * step % n]);
}

/* The fixture with a DCGM_FI_DEV_FB_USED series (MiB, dcgm-exporter's
 * default counters) beside each GPU_UTIL one, in the same labels: GPU 0
 * holds mib0, GPU 1 mib1. */
static void with_fb_used(const char *text, long mib0, long mib1, struct strbuf *out)
{
    static const char util[] = "DCGM_FI_DEV_GPU_UTIL{";
    sb_reset(out);
    sb_puts(out, text);
    for (const char *p = strstr(text, util); p; p = strstr(p + 1, util)) {
        const char *close = strchr(p, '}');
        assert_non_null(close);
        sb_puts(out, "DCGM_FI_DEV_FB_USED{");
        sb_append(out, p + sizeof util - 1, (size_t)(close - p) - (sizeof util - 1));
        sb_printf(out, "} %ld\n", strstr(p, "gpu=\"0\"") == p + sizeof util - 1 ? mib0 : mib1);
    }
}

/* GPU memory held (meter gpu_mem_gib_ms): the MiB used at the scrape times
 * the window, / 1024 rounded down, shared between a GPU's pods like its
 * time (docs/collectors.md, dcgm). 40961 MiB x 31,000 ms / 1024 =
 * 1,240,030.27 -> 1,240,030 GiB-ms over three pods; 81920 MiB whole. */
static void test_dcgm_gpu_memory_is_metered_and_shared(void **state)
{
    struct run *r = *state;
    struct strbuf t0 = STRBUF_INIT, t1 = STRBUF_INIT, text = STRBUF_INIT;
    read_fixture("dcgm-shared-t0.prom", &t0);
    read_fixture("dcgm-shared-t1.prom", &t1);
    with_fb_used(t0.buf, 40961, 81920, &text);
    scrape_text(r, dcgm_parse, text.buf, text.len, "t0", "2026-11-01T00:00:00Z", NULL, NULL);
    with_fb_used(t1.buf, 40961, 81920, &text);
    scrape_text(r, dcgm_parse, text.buf, text.len, "t1", "2026-11-01T00:00:31Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 4);
    const int64_t want[] = {413343, 413343, 413344, 2480000};
    for (int i = 0; i < 4; i++) {
        if (!(r->ev[i].has & EVENT_HAS_GPU_MEM) || r->ev[i].gpu_mem_gib_ms != want[i])
            fail_msg("expected event %d (%s/%s) to hold %lld GiB-ms, got %lld (has %#x)", i,
                     r->ev[i].account, r->ev[i].job, (long long)want[i],
                     (long long)r->ev[i].gpu_mem_gib_ms, r->ev[i].has);
    }
    /* a GPU holding no memory reports none: no gpu_mem_gib_ms field */
    state_free(&r->state);
    state_init(&r->state);
    with_fb_used(t0.buf, 0, 0, &text);
    scrape_text(r, dcgm_parse, text.buf, text.len, "t0", "2026-11-01T00:00:00Z", NULL, NULL);
    with_fb_used(t1.buf, 0, 0, &text);
    scrape_text(r, dcgm_parse, text.buf, text.len, "t1", "2026-11-01T00:00:31Z", NULL, NULL);
    assert_int_equal(r->n, 4);
    for (int i = 0; i < 4; i++)
        if (r->ev[i].has & EVENT_HAS_GPU_MEM)
            fail_msg("expected event %d to hold no memory, got %lld GiB-ms", i,
                     (long long)r->ev[i].gpu_mem_gib_ms);
    /* more than a TiB on one GPU is a bad line, not usage */
    with_fb_used(t1.buf, 1048577, 0, &text);
    scrape_text(r, dcgm_parse, text.buf, text.len, "t1", "2026-11-01T00:01:02Z", NULL, NULL);
    assert_int_equal(r->bad, 4); /* GPU 0's four vgpu copies */
    sb_free(&t0);
    sb_free(&t1);
    sb_free(&text);
}

/* A GPU that several pods share (time-slicing, MPS; dcgm-exporter 4.x's
 * vgpu copies) is split between them equally, to the millisecond and the
 * millijoule, the remainder to the last in (namespace, pod) order, one
 * event per pod, whatever the order of the scrape's lines (issue 31). */
static void test_dcgm_shared_gpu_is_split_exactly(void **state)
{
    struct run *r = *state;
    struct strbuf t0 = STRBUF_INIT, t1 = STRBUF_INIT, perm = STRBUF_INIT;
    read_fixture("dcgm-shared-t0.prom", &t0);
    read_fixture("dcgm-shared-t1.prom", &t1);
    const size_t steps[] = {1, 7, 11, 13, 23}; /* prime to the 29 lines: permutations */
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        state_free(&r->state);
        state_init(&r->state);
        permute_lines(t0.buf, steps[k], &perm);
        scrape_text(r, dcgm_parse, perm.buf, perm.len, "t0", "2026-11-01T00:00:00Z", NULL, NULL);
        permute_lines(t1.buf, steps[k], &perm);
        scrape_text(r, dcgm_parse, perm.buf, perm.len, "t1", "2026-11-01T00:00:31Z", NULL, NULL);
        assert_int_equal(r->bad, 0);
        assert_int_equal(r->n, 4);
        const struct {
            const char *account, *job;
            int64_t gpu_ms, energy_mj;
        } want[] = {{"team-a", "infer-0", 10333, 7233333},
                    {"team-a", "infer-1", 10333, 7233333},
                    {"team-b", "embed-0", 10334, 7233334},
                    {"team-c", "train-0", 31000, 21700000}};
        int64_t seq = r->ev[0].seq;
        for (int i = 0; i < 4; i++) {
            assert_string_equal(r->ev[i].account, want[i].account);
            assert_string_equal(r->ev[i].job, want[i].job);
            assert_int_equal(r->ev[i].gpu_ms, want[i].gpu_ms);
            assert_int_equal(r->ev[i].energy_mj, want[i].energy_mj);
            assert_int_equal(r->ev[i].start_ms, at("2026-11-01T00:00:00Z"));
            assert_int_equal(r->ev[i].seq, seq + i); /* each share its own event */
        }
        assert_int_equal(r->st.shared_units, 1);
        assert_int_equal(r->st.shared_tenants, 3);
        assert_int_equal(r->ncap, 1); /* the shares add up to the GPU, counted once */
        assert_int_equal(r->cap[0].devices, 2);
        assert_int_equal(r->cap[0].allocated_ms, 2 * 31000);
        assert_int_equal(r->cap[0].idle_energy_mj, 0);
        /* the same scrape again charges nothing, split or whole */
        scrape_text(r, dcgm_parse, perm.buf, perm.len, "t1", "2026-11-01T00:00:31Z", NULL, NULL);
        assert_int_equal(r->n, 0);
    }
    sb_free(&t0);
    sb_free(&t1);
    sb_free(&perm);
}

/* HAMi: shares from the scheduler's cores allocated (vGPUCoreAllocated,
 * vGPUPodsDeviceAllocated's deviceusedcore), tenants from the monitor's
 * series of both name sets; hand-computed over a 60 s window (device.h). */
static void test_hami_shares_of_one_gpu(void **state)
{
    struct run *r = *state;
    scrape(r, hami_parse, "hami-shares.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n, 0); /* the baseline */
    scrape(r, hami_parse, "hami-shares.prom", "2026-11-01T00:01:00Z", NULL, NULL);
    /* cores 150 % and a dcgm name: bad lines, and nothing of them metered */
    assert_int_equal(r->bad, 2);
    const struct {
        const char *account, *job;
        int64_t gpu_ms;
    } want[] = {{"team-a", "infer-0", 18000}, /* aaaa: 30 % of 60 s */
                {"team-b", "embed-0", 30000}, /* 50 %; 20 % stranded */
                {"team-a", "infer-1", 30000}, /* bbbb: 50 %, first in order */
                {"team-c", "train-0", 30000}, /* 70 % clamped to the 50 % left */
                {"team-d", "dev-0", 30000},   /* cccc: no core limit stated: */
                {"team-e", "nb-0", 30000},    /* equal shares */
                {"team-f", "lab-0", 30000},   /* dddd: 0 cores is no limit, */
                {"team-g", "etl-0", 30000},   /* not a free ride: equal */
                {"team-h", "svc-0", 27000},   /* ffff: 20 % + 25 %, each once */
                {"team-i", "job-0", 6000}};   /* gggg: 10 %, 2.10 name */
    assert_int_equal(r->n, 10);
    for (int i = 0; i < 10; i++) {
        assert_string_equal(r->ev[i].account, want[i].account);
        assert_string_equal(r->ev[i].job, want[i].job);
        assert_int_equal(r->ev[i].gpu_ms, want[i].gpu_ms);
        assert_false(r->ev[i].has & EVENT_HAS_ENERGY); /* HAMi publishes no power */
        assert_string_equal(r->ev[i].vendor, "nvidia");
    }
    /* aaaa's stranded 20 %, eeee, ffff's stranded 55 %, gggg's 90 % */
    assert_int_equal(r->st.idle_gpu_ms, 12000 + 60000 + 33000 + 54000);
    assert_int_equal(r->st.idle_units, 1);             /* eeee: a GPU no pod holds */
    assert_int_equal(r->st.shared_units, 4);
    assert_int_equal(r->ncap, 1);
    assert_string_equal(r->cap[0].node, "gpu-node-1"); /* the scheduler's node label */
    assert_int_equal(r->cap[0].devices, 7);
    assert_int_equal(r->cap[0].allocated_ms, 261000);
}

/* The shares of one device never sum above its window, whatever they state:
 * random share sets (fixed seed) through device_share_split. */
static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_device_shares_never_exceed_the_window(void **state)
{
    (void)state;
    uint64_t seed = 35;
    for (int round = 0; round < 5000; round++) {
        size_t n = 1 + xorshift(&seed) % 12;
        int64_t share[12], out[12], amount = (int64_t)(xorshift(&seed) % 86400001);
        for (size_t i = 0; i < n; i++)
            share[i] = (int64_t)(xorshift(&seed) % (DEVICE_SHARE_WHOLE + 1));
        int64_t stranded = device_share_split(amount, share, n, out), sum = 0, left = DEVICE_SHARE_WHOLE;
        for (size_t i = 0; i < n; i++) {
            if (out[i] < 0) fail_msg("round %d: share %zu got %lld < 0", round, i, (long long)out[i]);
            sum += out[i];
        }
        if (sum > amount || sum + stranded != amount || stranded < 0)
            fail_msg("round %d: %zu shares of %lld ms sum to %lld, stranded %lld: expected at "
                     "most the window, the rest stranded",
                     round, n, (long long)amount, (long long)sum, (long long)stranded);
        for (size_t i = 0; i < n; i++) { /* each its share, clamped in order to what is left */
            int64_t clamped = share[i] < left ? share[i] : left;
            left -= clamped;
            int64_t exact = (int64_t)((__int128)amount * clamped / DEVICE_SHARE_WHOLE);
            if (out[i] < exact - 1 || out[i] > exact + 1)
                fail_msg("round %d: share %lld (clamped %lld) of %lld ms: expected %lld (+-1), "
                         "got %lld",
                         round, (long long)share[i], (long long)clamped, (long long)amount,
                         (long long)exact, (long long)out[i]);
        }
    }
}

/* Scrapes the text of a fixture with its host name replaced. */
static void scrape_renamed(struct run *r, const char *file, const char *when, const char *from,
                           const char *to)
{
    struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
    read_fixture(file, &in);
    for (const char *p = in.buf, *hit; p && *p; p = hit + strlen(from)) {
        if (!(hit = strstr(p, from))) {
            sb_puts(&out, p);
            break;
        }
        sb_append(&out, p, (size_t)(hit - p));
        sb_puts(&out, to);
    }
    scrape_text(r, dcgm_parse, out.buf, out.len, file, when, NULL, NULL);
    sb_free(&in);
    sb_free(&out);
}

/* A 2.x-3.x exporter on Kubernetes reports its own pod's name as the host,
 * and that changes when the pod restarts: the GPU's UUID keeps its window,
 * so the 30 s across the restart are billed, once (issue 14). */
static void test_dcgm_exporter_rename_keeps_the_window(void **state)
{
    struct run *r = *state;
    scrape_renamed(r, "dcgm-k8s-t0.prom", "2026-11-01T00:00:00Z", "gpu-node-01",
                   "dcgm-exporter-abc12");
    assert_int_equal(r->n, 0);
    scrape_renamed(r, "dcgm-k8s-t1.prom", "2026-11-01T00:00:30Z", "gpu-node-01",
                   "dcgm-exporter-xyz89");
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].source, "t/c1/dcgm-exporter-xyz89");
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 19500000);
    assert_int_equal(r->st.idle_gpu_ms, 30000);
    scrape_renamed(r, "dcgm-k8s-t1.prom", "2026-11-01T00:00:30Z", "gpu-node-01",
                   "dcgm-exporter-abc12");
    assert_int_equal(r->n, 0); /* the same scrape under the old name again: not billed twice */
}

/* State written before devices were keyed by UUID carries over, so the
 * upgrade itself loses no window. */
static void test_dcgm_state_of_older_builds_carries_over(void **state)
{
    struct run *r = *state;
    struct state_entry *e = state_get(&r->state, "dev gpu-node-01 GPU-aaaa0000", NULL);
    e->v[0] = at("2026-11-01T00:00:00Z");
    e->v[1] = 1000000000; /* the energy counter then */
    e->v[2] = 650500;
    e->v[3] = 0;
    scrape(r, dcgm_parse, "dcgm-k8s-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 19500000);
}

/* The same dcgm text scraped at 00:00:00 and 00:00:30, each without a bad
 * line; the events are those of the second. */
static void scrape_twice(struct run *r, const char *text, const struct account_map *map)
{
    for (int i = 0; i < 2; i++) {
        scrape_text(r, dcgm_parse, text, strlen(text), "t",
                    i ? "2026-11-01T00:00:30Z" : "2026-11-01T00:00:00Z", map, NULL);
        assert_int_equal(r->bad, 0);
    }
}

/* Bare metal: no tenant labels, so the operator's map names the account,
 * by GPU first, then by node; an empty label is no label. */
static void test_dcgm_bare_metal_uses_the_map(void **state)
{
    struct run *r = *state;
    char err[200];
    struct account_map *map = accounts_load(FIXTURES "accounts.map", err, sizeof err);
    assert_non_null(map);
    const char *t0 = "DCGM_FI_DEV_GPU_TEMP{gpu=\"0\",UUID=\"GPU-1\",Hostname=\"smi-node\","
                     "container=\"\",namespace=\"\",pod=\"\",pod_uid=\"\"} 40\n"
                     "DCGM_FI_DEV_GPU_TEMP{gpu=\"1\",UUID=\"GPU-ffff0000\",Hostname=\"smi-node\","
                     "namespace=\"\",pod=\"\"} 40\n";
    scrape_twice(r, t0, map); /* empty labels are absent, not malformed */
    assert_int_equal(r->n, 2);
    assert_string_equal(r->ev[0].account, "team-node"); /* node:smi-node */
    assert_string_equal(r->ev[1].account, "team-smi");  /* gpu:GPU-ffff0000 wins over node: */
    accounts_free(map);
}

/* DCGM's blanks (not supported, not found) are no reading, not a bad line. */
static void test_dcgm_blank_values_are_no_reading(void **state)
{
    struct run *r = *state;
    const char *text =
        "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{UUID=\"G\",Hostname=\"h\",namespace=\"n\","
        "pod=\"p\"} 9223372036854775794\n"
        "DCGM_FI_DEV_POWER_USAGE{UUID=\"G\",Hostname=\"h\",namespace=\"n\",pod=\"p\"} "
        "140737488355328.000000\n"
        "DCGM_FI_DEV_XID_ERRORS{UUID=\"G\",Hostname=\"h\"} 18446744073709551615\n";
    scrape_twice(r, text, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_false(r->ev[0].has & EVENT_HAS_ENERGY);
}

/* A label that could not name an account (not UTF-8, a bidirectional
 * override) makes its line bad at the collector, so no event carries what
 * the rater would refuse. */
static void test_dcgm_labels_that_cannot_be_names(void **state)
{
    struct run *r = *state;
    const char *text = "DCGM_FI_DEV_GPU_TEMP{UUID=\"G1\",Hostname=\"h\",namespace=\"ns\xff\","
                       "pod=\"p\"} 40\n"
                       "DCGM_FI_DEV_GPU_TEMP{UUID=\"G2\",Hostname=\"h\",namespace=\"ns-\xe2\x80\xae"
                       "x\",pod=\"p\"} 40\n"
                       "DCGM_FI_DEV_GPU_TEMP{UUID=\"G3\",Hostname=\"h\",namespace=\"\xe4\xb8\xad\","
                       "pod=\"p\"} 40\n";
    scrape_text(r, dcgm_parse, text, strlen(text), "t", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->bad, 2);
    scrape_text(r, dcgm_parse, text, strlen(text), "t", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "\xe4\xb8\xad"); /* a CJK name is fine */
}

static void test_nvsmi_units_na_and_map(void **state)
{
    struct run *r = *state;
    char err[200];
    struct account_map *map = accounts_load(FIXTURES "accounts.map", err, sizeof err);
    scrape(r, nvsmi_parse, "nvsmi-units-t0.csv", "2026-11-01T00:00:00Z", map, "team-default");
    scrape(r, nvsmi_parse, "nvsmi-units-t1.csv", "2026-11-01T00:01:00Z", map, "team-default");
    assert_int_equal(r->bad, 1); /* the row with missing columns */
    assert_int_equal(r->n, 3);
    assert_string_equal(r->ev[0].account, "team-smi");
    assert_string_equal(r->ev[0].model, "NVIDIA H100 80GB HBM3");
    assert_int_equal(r->ev[0].energy_mj, 39000000); /* (600 + 700) / 2 W x 60 s */
    assert_false(r->ev[1].has & EVENT_HAS_ENERGY);  /* power.draw [N/A] */
    assert_int_equal(r->ev[1].gpu_ms, 60000);
    assert_int_equal(r->ev[2].energy_mj, 6000000);
    accounts_free(map);
}

static void test_nvsmi_nounits_and_idle_without_mapping(void **state)
{
    struct run *r = *state;
    scrape(r, nvsmi_parse, "nvsmi-nounits-t0.csv", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, nvsmi_parse, "nvsmi-nounits-t1.csv", "2026-11-01T00:00:01.500Z", NULL, NULL);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->st.idle_gpu_ms, 1500);
    const char bad_header[] = "index, name\n0, H800\n";
    struct device_set set = {0};
    struct rejects rep = {.origin = "t"};
    struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
    nvsmi_parse(bad_header, sizeof bad_header - 1, &src);
    assert_int_equal(set.n, 0);
    assert_int_equal(rep.bad, 0); /* not a bad line: the whole input is unusable */
    assert_non_null(strstr(rep.unusable, "needs uuid and power.draw columns"));
}

static void test_npu_power_and_pod(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse_npu, "npu-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse_npu, "npu-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "team-npu");
    assert_string_equal(r->ev[0].job, "mindspore-0");
    assert_string_equal(r->ev[0].vendor, "huawei");
    assert_string_equal(r->ev[0].model, "Ascend910B3");
    assert_int_equal(r->ev[0].energy_mj, 9600000);
    assert_int_equal(r->st.idle_units, 1);
}

/* Hygon dcu-exporter: the published README sample (no power, no pods, a
 * closing "..." line) is two idle DCUs keyed by serial plus node. */
static void test_dcu_readme_sample(void **state)
{
    struct run *r = *state;
    const char *f = "dcu-exporter-v2-readme-2dcu.prom";
    scrape(r, dcgm_parse_dcu, f, "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n + r->ncap, 0); /* baseline */
    assert_int_equal(r->bad, 1);         /* the README's "..." */
    scrape(r, dcgm_parse_dcu, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->st.idle_units, 2);
    assert_int_equal(r->st.idle_gpu_ms, 60000);
    assert_int_equal(r->ncap, 1);
    assert_string_equal(r->cap[0].node, "dcunode3");
    assert_string_equal(r->cap[0].vendor, "hygon");
    assert_string_equal(r->cap[0].model, "unknown"); /* name="": --model */
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].allocated_ms, 0);
    assert_false(r->cap[0].has & EVENT_HAS_IDLE_ENERGY); /* no power series */
}

/* Three scrapes of two K100_AI: the pod's DCU gets the window and the
 * trapezoid of dcu_power_usage (W); the other is idle, its energy idle. */
static void test_dcu_power_and_pod(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse_dcu, "dcu-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse_dcu, "dcu-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "team-dcu");
    assert_string_equal(r->ev[0].job, "llama-0");
    assert_string_equal(r->ev[0].vendor, "hygon");
    assert_string_equal(r->ev[0].model, "K100_AI");
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 6750000); /* (200 + 250) / 2 W x 30 s */
    assert_int_equal(r->st.idle_units, 1);
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].allocated_ms, 30000);
    assert_int_equal(r->cap[0].idle_energy_mj, 1800000); /* 60 W x 30 s */
    scrape(r, dcgm_parse_dcu, "dcu-t2.prom", "2026-11-01T00:01:30Z", NULL, NULL);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].start_ms, at("2026-11-01T00:00:30Z"));
    assert_int_equal(r->ev[0].gpu_ms, 60000);
    assert_int_equal(r->ev[0].energy_mj, 12015000); /* (250 + 150.5) / 2 W x 60 s */
    assert_int_equal(r->cap[0].idle_energy_mj, 3615000); /* (60 + 60.5) / 2 W x 60 s */
    const struct accelerator *a = catalogue_find(r->ev[0].model);
    assert_non_null(a);
    assert_string_equal(a->model, "DCUK100AI");
    assert_string_equal(a->vendor, "hygon");
    assert_true(a->domestic);
}

/* Each malformed line is one bad line; the good one still counts, and a
 * vDCU naming a pod is counted, not billed the whole card. */
static void test_dcu_bad_lines(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse_dcu, "dcu-bad.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->bad, 6);
    struct strbuf in = STRBUF_INIT;
    read_fixture("dcu-bad.prom", &in);
    struct device_set set = {0};
    struct rejects rep = {.origin = "dcu-bad.prom"};
    struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
    dcgm_parse_dcu(in.buf, in.len, &src);
    assert_int_equal(set.n, 2);
    assert_true(set.v[0].has_power != set.v[1].has_power); /* 210 W read, 100001 W refused */
    for (size_t i = 0; i < set.n; i++)
        assert_int_equal(set.v[i].ntenants, 0);
    device_set_free(&set);
    sb_free(&in);
}

/* --- vDCU shares and npu-smi (issue 35: r35f) --- */

/* vDCUs: each pod's share of its card is its vDCUs' compute units over the
 * card's dcu_compute_unit_count (each vDCU once, though two series repeat
 * it), the card's energy split by the same shares, the rest stranded; an
 * over-committed card's shares are clamped to its window. */
static void test_vdcu_compute_unit_shares(void **state)
{
    struct run *r = *state;
    scrape(r, dcgm_parse_dcu, "dcu-vdcu-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, dcgm_parse_dcu, "dcu-vdcu-t1.prom", "2026-11-01T00:00:10Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 4);
    static const struct {
        const char *account, *job;
        int64_t gpu_ms, energy_mj; /* -1: none */
    } want[] = {
        {"team-a", "big-0", 7500, -1},       /* 48/64 of 10 s, first in order */
        {"team-b", "late-0", 2500, -1},      /* 32/64 clamped to the 16/64 left */
        {"team-v", "infer-0", 2500, 575000}, /* 30/120; (200+260)/2 W x 10 s / 4 */
        {"team-w", "train-0", 5000, 1150000}, /* 60/120 */
    };
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r->ev[i].account, want[i].account);
        assert_string_equal(r->ev[i].job, want[i].job);
        assert_int_equal(r->ev[i].gpu_ms, want[i].gpu_ms);
        assert_int_equal(!!(r->ev[i].has & EVENT_HAS_ENERGY), want[i].energy_mj >= 0);
        if (want[i].energy_mj >= 0) assert_int_equal(r->ev[i].energy_mj, want[i].energy_mj);
    }
    assert_int_equal(r->st.idle_gpu_ms, 2500); /* the free 30/120 vDCU: stranded */
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].allocated_ms, 17500);
}

/* Property: whatever compute units the vDCUs of one card state (fuzzed,
 * fixed seed; over-committed cards included), the pods' GPU-ms and energy
 * never sum above the card's window and energy, each pod gets its units'
 * share (to the ms, unless the card is over-committed) and what no vDCU
 * holds is stranded. */
static void test_vdcu_shares_never_exceed_the_card(void **state)
{
    struct run *r = *state;
    uint64_t seed = 3535;
    char text[8192];
    for (int round = 0; round < 300; round++) {
        int64_t card = 1 + (int64_t)(xorshift(&seed) % 200), units[8], held = 0;
        size_t n = 1 + xorshift(&seed) % 8;
        int len = snprintf(text, sizeof text,
                           "dcu_power_usage{device_id=\"S%d\",node=\"n\"} 300\n"
                           "dcu_compute_unit_count{device_id=\"S%d\",node=\"n\"} %lld\n",
                           round, round, (long long)card);
        for (size_t i = 0; i < n; i++) {
            units[i] = (int64_t)(xorshift(&seed) % (uint64_t)(card + 1));
            held += units[i];
            len += snprintf(text + len, sizeof text - (size_t)len,
                            "vdcu_temp{device_id=\"S%d\",node=\"n\",vdcu_minor_number=\"%zu\","
                            "vdcu_computer_unit=\"%lld\",dcu_pod_namespace=\"t%zu\","
                            "dcu_pod_name=\"p\"} 40\n",
                            round, i, (long long)units[i], i);
        }
        int64_t t0 = at("2026-11-01T00:00:00Z") + round * 1000000LL, dt = 30000;
        char when[2][TIME_TEXT_LEN];
        for (int k = 0; k < 2; k++)
            time_format_rfc3339(t0 + k * dt, when[k]);
        scrape_text(r, dcgm_parse_dcu, text, (size_t)len, "prop", when[0], NULL, NULL);
        scrape_text(r, dcgm_parse_dcu, text, (size_t)len, "prop", when[1], NULL, NULL);
        assert_int_equal(r->bad, 0);
        assert_int_equal((size_t)r->n, n);
        int64_t gpu = 0, energy = 0;
        for (int i = 0; i < r->n; i++) {
            gpu += r->ev[i].gpu_ms;
            energy += r->ev[i].energy_mj;
            size_t pod = (size_t)(r->ev[i].account[1] - '0'); /* "t<i>", in order */
            int64_t want = units[pod] * DEVICE_SHARE_WHOLE / card * dt / DEVICE_SHARE_WHOLE;
            if (held <= card && (r->ev[i].gpu_ms < want - 1 || r->ev[i].gpu_ms > want + 1))
                fail_msg("round %d: %lld of %lld units over %lld ms: expected %lld GPU-ms (+-1), "
                         "got %lld", round, (long long)units[pod], (long long)card,
                         (long long)dt, (long long)want, (long long)r->ev[i].gpu_ms);
        }
        if (gpu > dt || energy > 9000000 || gpu + r->st.idle_gpu_ms != dt)
            fail_msg("round %d: %zu vDCUs (%lld of %lld units) got %lld GPU-ms and %lld mJ, "
                     "%lld stranded: expected at most %lld ms and 9000000 mJ, the rest stranded",
                     round, n, (long long)held, (long long)card, (long long)gpu,
                     (long long)energy, (long long)r->st.idle_gpu_ms, (long long)dt);
    }
}

/* A3 (the published 26.0.rc2 table): one NPU, two dies, the card's 162.6 W
 * on chip 0's row and "-" on chip 1's. Each die is a window of its own; the
 * card's draw is integrated once, split over its dies, each die to its own
 * account from the map: 81.3 W x 30 s each, 162.6 W x 30 s in all. */
static void test_npusmi_a3_time_per_die_power_per_card(void **state)
{
    struct run *r = *state;
    char err[200];
    struct account_map *map = accounts_load(FIXTURES "npusmi.map", err, sizeof err);
    assert_non_null(map);
    const char *f = "a3-ascend910-2chip-npu-smi-26rc2-vllmascend12980.txt";
    scrape(r, npusmi_parse, f, "2026-11-01T00:00:00Z", map, NULL);
    assert_int_equal(r->n + r->ncap, 0); /* baseline */
    scrape(r, npusmi_parse, f, "2026-11-01T00:00:30Z", map, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->ev[0].account, "team-die0");
    assert_string_equal(r->ev[1].account, "team-die1");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(r->ev[i].gpu_ms, 30000);
        assert_int_equal(r->ev[i].energy_mj, 2439000);
        assert_string_equal(r->ev[i].model, "Ascend910_93");
        assert_string_equal(r->ev[i].vendor, "huawei");
    }
    assert_int_equal(r->ev[0].energy_mj + r->ev[1].energy_mj, 4878000); /* never double */
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].idle_energy_mj, 0);
    const struct accelerator *a = catalogue_find(r->ev[0].model);
    assert_non_null(a);
    assert_string_equal(a->model, "Ascend910C");
    assert_string_equal(a->vendor, "huawei");
    assert_true(a->domestic);
    assert_string_equal(catalogue_find("Ascend910_9391")->model, "Ascend910C"); /* CANN's A3 names */
    assert_null(catalogue_find("Ascend910")); /* the first 910: not a 910C */
    accounts_free(map);
}

/* A2 (npu-smi 25.2.0, no Phy-ID column): one die per NPU, the NPU id is the
 * device, each its own power. */
static void test_npusmi_a2_one_die_per_npu(void **state)
{
    struct run *r = *state;
    const char *a2 = "a2-910b4-npu-smi-25.2.0-hamiwebui47.txt";
    scrape(r, npusmi_parse, a2, "2026-11-01T00:00:00Z", NULL, "acme");
    scrape(r, npusmi_parse, a2, "2026-11-01T00:01:00Z", NULL, "acme");
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].gpu_ms, 60000);
    assert_int_equal(r->ev[0].energy_mj, 5478000); /* npu-0: 91.3 W x 60 s */
    assert_int_equal(r->ev[1].energy_mj, 5286000); /* npu-1: 88.1 W x 60 s */
    assert_string_equal(catalogue_find(r->ev[0].model)->model, "Ascend910B");
}

/* A3 on npu-smi 25.2.1 (narrower columns); the excerpt lacks NPU 1's second
 * die, so its die 0 holds the card's whole draw; unmapped dies are idle. */
static void test_npusmi_a3_25x_and_a_card_cut_off(void **state)
{
    struct run *r = *state;
    const char *v25 = "a3-ascend910-npu-smi-25.2.1-ucm748.txt";
    scrape(r, npusmi_parse, v25, "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, npusmi_parse, v25, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 0); /* no map, no --account: idle */
    assert_int_equal(r->st.idle_units, 3);
    assert_int_equal(r->cap[0].idle_energy_mj, 4995000 + 5043000); /* 166.5 + 168.1 W x 30 s */
}

/* Atlas 300I Duo (nvtop issue 421): one card, NPU 2, two 310P3 chips
 * under the "Chip Device" heading with one Bus-Id; each chip is its own
 * device (the Device column), power "NA" is no reading: time, no energy. */
static void test_npusmi_310p3_duo_two_chips(void **state)
{
    struct run *r = *state;
    const char *duo = "310p3-duo-npu-smi-25.2.0-nvtop421.txt";
    scrape(r, npusmi_parse, duo, "2026-11-01T00:00:00Z", NULL, "acme");
    scrape(r, npusmi_parse, duo, "2026-11-01T00:00:30Z", NULL, "acme");
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 2);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(r->ev[i].account, "acme");
        assert_string_equal(r->ev[i].model, "310P3");
        assert_int_equal(r->ev[i].gpu_ms, 30000);
        assert_false(r->ev[i].has & EVENT_HAS_ENERGY);
    }
    assert_string_equal(catalogue_find(r->ev[0].model)->model, "Ascend310P");
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].allocated_ms, 60000);
}

/* The process table after the devices is not device rows; a die whose
 * card's power row is not in the input has time and no energy. */
static void test_npusmi_process_table_is_not_devices(void **state)
{
    struct run *r = *state;
    const char *procs = "a3-ascend910-npu-smi-26rc2-processes-vllmascend12980.txt";
    scrape(r, npusmi_parse, procs, "2026-11-01T00:00:00Z", NULL, "acme");
    scrape(r, npusmi_parse, procs, "2026-11-01T00:00:30Z", NULL, "acme");
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 1); /* npu-15, power "-": time, no energy */
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_false(r->ev[0].has & EVENT_HAS_ENERGY);
}

/* Malformed rows are bad lines with their reasons, the good rows still
 * read; a "-" is no reading (never 0 W), and a card's power on its second
 * die's row is still the card's, split once. */
static void test_npusmi_bad_rows(void **state)
{
    (void)state;
    const char *text =
        "| NPU   Name                | Health        | Power(W)    Temp(C)      |\n"
        "| Chip  Phy-ID              | Bus-Id        | AICore(%)   HBM-Usage(MB) |\n"
        "+===========================+===============+===========================+\n"
        "| 0     Ascend910           | OK            | -           36           |\n"  /* 4 */
        "| 0     0                   | 0000:9D:00.0  | 0           3416 / 65536 |\n"
        "| 0     Ascend910           | OK            | 101.5       36           |\n"  /* 6 */
        "| 1     1                   | 0000:9F:00.0  | 0           3195 / 65536 |\n"
        "| 1     Ascend910           | OK            | abc         36           |\n"  /* 8 */
        "| 0     2                   | 0000:99:00.0  | 0           3195 / 65536 |\n"
        "| 2     Ascend910           | OK            | 150         36           |\n"  /* 10 */
        "| 3     Ascend910           | OK            | 150         36           |\n"  /* 11 */
        "| 0     6                   | 0000:97:00.0  | 0           3195 / 65536 |\n"
        "| 0     7                   | 0000:98:00.0  | 0           3195 / 65536 |\n"  /* 13 */
        "| 4     Ascend910           | OK            | 150         36           |\n"
        "| 0     x                   | 0000:96:00.0  | 0           3195 / 65536 |\n"  /* 15 */
        "| 5     Ascend910           | OK            | 150         36           |\n"
        "| 0     6                   | 0000:95:00.0  | 0           3195 / 65536 |\n"  /* 17 */
        "garbage\n"                                                                    /* 18 */
        "| 6     Ascend910           | OK            | 9999999     36           |\n"  /* 19 */
        "| 0     8                   | 0000:94:00.0  | 0           3195 / 65536 |\n";
    struct device_set set = {0};
    struct rejects rep = {.origin = "t"};
    struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
    npusmi_parse(text, strlen(text), &src);
    /* 8 bad power, 10 NPU row without chip, 13 chip without NPU, 15 Phy-ID x,
     * 17 npu-6 twice, 18 not a row, 19 over 100 kW */
    assert_int_equal(rep.bad, 7);
    assert_int_equal(set.n, 5);
    const char *dev[] = {"npu-0", "npu-1", "npu-2", "npu-6", "npu-8"};
    bool power[] = {true, true, false, true, false}; /* card 0's 101.5 W over two dies */
    int64_t mw[] = {50750, 50750, 0, 150000, 0};
    for (size_t i = 0; i < set.n; i++) {
        assert_string_equal(set.v[i].device, dev[i]);
        assert_int_equal(set.v[i].has_power, power[i]);
        if (power[i]) assert_int_equal(set.v[i].power_mw, mw[i]);
    }
    device_set_free(&set);
    /* "Ascend910" is A3's 910_93 only under A3's Phy-ID heading */
    const char *a1 = "| NPU   Name                | Health        | Power(W)    Temp(C)      |\n"
                     "| Chip                      | Bus-Id        | AICore(%)   HBM-Usage(MB) |\n"
                     "| 0     Ascend910           | OK            | 70.5        36           |\n"
                     "| 0                         | 0000:9D:00.0  | 0           3416 / 32768 |\n";
    struct device_set set1 = {0};
    src.set = &set1;
    npusmi_parse(a1, strlen(a1), &src);
    assert_int_equal(set1.n, 1);
    assert_string_equal(set1.v[0].model, "Ascend910");
    assert_string_equal(set1.v[0].device, "npu-0");
    device_set_free(&set1);
}

/* A NUL byte in a cell is a bad line, never a name cut at the NUL
 * ("Ascend\0x" read as a model "Ascend"): the NPU row is refused with its
 * reason, its chip row has no NPU row, and the next card still reads. */
static void test_npusmi_nul_byte_is_a_bad_line(void **state)
{
    (void)state;
    const char text[] =
        "| NPU   Name                | Health        | Power(W)    Temp(C)      |\n"
        "| Chip                      | Bus-Id        | AICore(%)   HBM-Usage(MB) |\n"
        "| 0     Ascend\0x           | OK            | 70.5        36           |\n"
        "| 0                         | 0000:9D:00.0  | 0           3416 / 32768 |\n"
        "| 1     Ascend910B4         | OK            | 80          36           |\n"
        "| 0                         | 0000:9F:00.0  | 0           3416 / 32768 |\n";
    struct device_set set = {0};
    struct rejects rep = {.origin = "t"};
    struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
    npusmi_parse(text, sizeof text - 1, &src);
    assert_int_equal(rep.bad, 2); /* the NUL row, then its chip row without it */
    assert_int_equal(set.n, 1);
    assert_string_equal(set.v[0].device, "npu-1");
    assert_string_equal(set.v[0].model, "Ascend910B4");
    device_set_free(&set);
}

static void sacct(struct run *r, const char *file, const char *when, const struct sacct_opts *o)
{
    struct strbuf in = STRBUF_INIT;
    read_fixture(file, &in);
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    struct rejects rep = {.origin = file};
    sacct_collect(&cy, in.buf, in.len, o, &rep);
    cycle_end(r, &cy);
    r->bad = rep.bad;
    r->refused = rep.refused;
    sb_free(&in);
}

static void test_sacct_jobs_once_and_running_incrementally(void **state)
{
    struct run *r = *state;
    struct sacct_opts o = {NULL, "unknown", 480};
    sacct(r, "sacct-t0.txt", "2026-11-01T02:00:00Z", &o);
    assert_int_equal(r->bad, 1); /* job 9001 listed twice */
    assert_int_equal(r->n, 2);   /* steps, the CPU job and the pending job add nothing */
    assert_string_equal(r->ev[0].job, "9001");
    assert_int_equal(r->ev[0].gpu_ms, 8 * 3600000LL);
    assert_int_equal(r->ev[0].energy_mj, 7200000000LL);
    assert_int_equal(r->ev[0].start_ms, at("2026-11-01T01:00:00Z"));
    assert_string_equal(r->ev[1].model, "h800"); /* typed gres, counted once */
    assert_int_equal(r->ev[1].gpu_ms, 2 * 1800000LL);
    assert_int_equal(r->ev[1].end_ms, at("2026-11-01T02:00:00Z"));
    sacct(r, "sacct-t0.txt", "2026-11-01T02:00:00Z", &o);
    assert_int_equal(r->n, 0);
    sacct(r, "sacct-t1.txt", "2026-11-01T02:30:00Z", &o);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].start_ms, at("2026-11-01T02:00:00Z"));
    assert_int_equal(r->ev[0].end_ms, at("2026-11-01T02:15:00Z"));
    assert_int_equal(r->ev[0].gpu_ms, 2 * 900000LL);
    assert_int_equal(r->ev[0].energy_mj, 1800000000LL);
    sacct(r, "sacct-t1.txt", "2026-11-01T03:30:00Z", &o);
    assert_int_equal(r->n, 0);
}

static void test_sacct_trailing_bar_noheader_and_long_jobs(void **state)
{
    struct run *r = *state;
    struct sacct_opts o = {NULL, "x", 480};
    sacct(r, "sacct-p.txt", "2026-11-01T02:00:00Z", &o);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].vendor, "huawei");
    assert_int_equal(r->ev[0].gpu_ms, 4 * 60000);
    assert_false(r->ev[0].has & EVENT_HAS_ENERGY); /* NO_VAL energy */
    struct sacct_opts cols = {"JobID|Account|AllocTRES|ElapsedRaw|Start|End", "A800", 0};
    sacct(r, "sacct-noheader.txt", "2026-11-01T10:00:00Z", &cols);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].gpu_ms, 240000);
    /* A 40-day job seen only when finished is cut into windows the event
     * contract accepts, summing exactly. */
    const char text[] = "JobID|Account|AllocTRES|ElapsedRaw|Start|End\n"
                        "5|p|gres/gpu=3|3456000|2026-09-01T00:00:00|2026-10-11T00:00:00\n";
    struct cycle cy;
    cycle_start(r, &cy, at("2026-10-12T00:00:00Z"));
    struct rejects rep = {.origin = "t"};
    struct sacct_opts utc = {NULL, "m", 0};
    sacct_collect(&cy, text, sizeof text - 1, &utc, &rep);
    cycle_end(r, &cy);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].gpu_ms + r->ev[1].gpu_ms, 3 * 3456000000LL);
    assert_int_equal(r->ev[0].end_ms, r->ev[1].start_ms);
}

/* Hygon DCU clusters name their accelerator GRES "dcu" (sacct.c,
 * accel_gres): a job with DCUs and GPUs is metered for both, each DCU type
 * under vendor hygon, the untyped count under --model; "gres/dcumem" and
 * the like are no accelerator. */
static void test_sacct_dcu_gres(void **state)
{
    struct run *r = *state;
    const char text[] = "JobID|Account|AllocTRES|ElapsedRaw|Start|End\n"
                        "7|p|cpu=8,gres/dcu=2,gres/dcumem=9,gres/gpu:h20=1,gres/gpu=1|60|"
                        "2026-10-01T00:00:00|2026-10-01T00:01:00\n"
                        "8|p|cpu=8,gres/dcu:k100ai=4,gres/dcu=4|60|"
                        "2026-10-01T00:00:00|2026-10-01T00:01:00\n";
    struct cycle cy;
    cycle_start(r, &cy, at("2026-10-12T00:00:00Z"));
    struct rejects rep = {.origin = "t"};
    struct sacct_opts o = {NULL, "K100", 0};
    sacct_collect(&cy, text, sizeof text - 1, &o, &rep);
    cycle_end(r, &cy);
    assert_int_equal(rep.bad, 0);
    assert_int_equal(r->n, 3);
    assert_string_equal(r->ev[0].model, "h20");
    assert_string_equal(r->ev[0].vendor, "nvidia");
    assert_int_equal(r->ev[0].gpu_ms, 60000);
    assert_string_equal(r->ev[1].model, "K100");
    assert_string_equal(r->ev[1].vendor, "hygon");
    assert_int_equal(r->ev[1].gpu_ms, 2 * 60000);
    assert_string_equal(r->ev[2].model, "k100ai");
    assert_string_equal(r->ev[2].vendor, "hygon");
    assert_int_equal(r->ev[2].gpu_ms, 4 * 60000);
}

/* Ascend Slurm clusters name their NPU GRES "npu" (a public Slurm
 * exporter's NPU fork sums sacct's AllocTRES "gres/npu=N"; slurmrestd's
 * node "tres" "cpu=8,mem=16384M,gres/gpu=2,gres/npu=1"): a job holding 8
 * NPUs for 60 s is 8 x 60000 NPU-ms under vendor huawei, never "not a GPU
 * job" without a word. */
static void test_sacct_npu_gres(void **state)
{
    struct run *r = *state;
    const char text[] = "JobID|Account|AllocTRES|ElapsedRaw|Start|End\n"
                        "9|p|billing=8,cpu=8,gres/npu=8,mem=64G,node=1|60|"
                        "2026-10-01T00:00:00|2026-10-01T00:01:00\n"
                        "10|p|cpu=8,gres/npu:910b4=4,gres/npu=4|60|"
                        "2026-10-01T00:00:00|2026-10-01T00:01:00\n";
    struct cycle cy;
    cycle_start(r, &cy, at("2026-10-12T00:00:00Z"));
    struct rejects rep = {.origin = "t"};
    struct sacct_opts o = {NULL, "Ascend910B", 0};
    sacct_collect(&cy, text, sizeof text - 1, &o, &rep);
    cycle_end(r, &cy);
    assert_int_equal(rep.bad, 0);
    if (r->n != 2) fail_msg("expected 2 NPU events, got %d", r->n);
    assert_string_equal(r->ev[0].model, "Ascend910B");
    assert_string_equal(r->ev[0].vendor, "huawei");
    assert_int_equal(r->ev[0].gpu_ms, 8 * 60000);
    assert_string_equal(r->ev[1].model, "910b4");
    assert_string_equal(r->ev[1].vendor, "huawei");
    assert_int_equal(r->ev[1].gpu_ms, 4 * 60000);
}

/* A mixed cluster's sacct: --model names the untyped gres/gpu's model
 * (H800); an untyped gres/dcu is not an H800, so it is "unknown" under
 * vendor hygon, never an NVIDIA model billed to a Hygon vendor. A typed
 * entry's vendor is the catalogue's (gres/gpu:mlu370 is Cambricon's), the
 * same rule as everywhere else. */
static void test_sacct_model_and_vendor_of_a_mixed_cluster(void **state)
{
    struct run *r = *state;
    const char text[] = "JobID|Account|AllocTRES|ElapsedRaw|Start|End\n"
                        "9|p|cpu=8,gres/gpu=1|60|2026-10-01T00:00:00|2026-10-01T00:01:00\n"
                        "10|q|cpu=8,gres/dcu=1|60|2026-10-01T00:00:00|2026-10-01T00:01:00\n"
                        "11|s|cpu=8,gres/gpu:mlu370=2|60|2026-10-01T00:00:00|2026-10-01T00:01:00\n";
    struct cycle cy;
    cycle_start(r, &cy, at("2026-10-12T00:00:00Z"));
    struct rejects rep = {.origin = "t"};
    struct sacct_opts o = {NULL, "H800", 0};
    sacct_collect(&cy, text, sizeof text - 1, &o, &rep);
    cycle_end(r, &cy);
    assert_int_equal(rep.bad, 0);
    if (r->n != 3) fail_msg("expected 3 events, got %d", r->n);
    const char *want[3][2] = {{"H800", "nvidia"}, {"unknown", "hygon"}, {"mlu370", "cambricon"}};
    for (int i = 0; i < 3; i++)
        if (strcmp(r->ev[i].model, want[i][0]) || strcmp(r->ev[i].vendor, want[i][1]))
            fail_msg("event %d (job %s): expected %s/%s, got %s/%s", i, r->ev[i].job, want[i][0],
                     want[i][1], r->ev[i].model, r->ev[i].vendor);
}

/* sacct --parsable2 never escapes a '|' in JobName (issue 31): with one
 * free-text column the fields around it are where the header says and the
 * name is what is left between, so no GPU job goes unbilled. */
static void test_sacct_bar_in_job_name_is_placed(void **state)
{
    struct run *r = *state;
    struct sacct_opts o = {NULL, "unknown", 480};
    sacct(r, "sacct-jobname-bar.txt", "2026-11-01T02:00:00Z", &o);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->refused, 0);
    assert_int_equal(r->n, 3);
    assert_string_equal(r->ev[0].job, "7001"); /* JobName "train|eval" */
    assert_string_equal(r->ev[0].account, "proj-llm");
    assert_int_equal(r->ev[0].gpu_ms, 2 * 600000LL);
    assert_int_equal(r->ev[0].energy_mj, 120000000LL);
    assert_int_equal(r->ev[0].start_ms, at("2026-11-01T01:00:00Z"));
    assert_string_equal(r->ev[1].job, "7002"); /* JobName "|x|" */
    assert_string_equal(r->ev[1].account, "proj-ft");
    assert_string_equal(r->ev[1].model, "h800");
    assert_int_equal(r->ev[1].gpu_ms, 300000);
    assert_string_equal(r->ev[2].job, "7003");
    assert_int_equal(r->ev[2].gpu_ms, 60000);
    /* -p output (a '|' after every field) reads the same */
    struct strbuf in = STRBUF_INIT, p = STRBUF_INIT;
    read_fixture("sacct-jobname-bar.txt", &in);
    for (char *line = in.buf, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        sb_append(&p, line, (size_t)(nl - line));
        sb_puts(&p, "|\n");
    }
    struct run *fresh = calloc(1, sizeof *fresh);
    state_init(&fresh->state);
    struct cycle cy;
    cycle_start(fresh, &cy, at("2026-11-01T02:00:00Z"));
    struct rejects rep = {.origin = "p"};
    sacct_collect(&cy, p.buf, p.len, &o, &rep);
    cycle_end(fresh, &cy);
    assert_int_equal(rep.bad, 0);
    assert_int_equal(fresh->n, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(fresh->ev[i].gpu_ms, r->ev[i].gpu_ms);
    state_free(&fresh->state);
    free(fresh);
    sb_free(&in);
    sb_free(&p);
}

/* With two free-text columns (JobName and WorkDir) the extra field could
 * belong to either: the row is refused, counted and makes the run fail,
 * never skipped quietly; the rows that line up still count. */
/* sacct --parsable2 always prints its header, even with no job to list: an
 * input without one (empty, blank or comment lines only: a cron job whose
 * sacct failed) is unusable, as an empty scrape is, never a quiet round of
 * no jobs. With --columns (--noheader output) no line is no job. */
static void test_sacct_without_header_is_unusable(void **state)
{
    struct run *r = *state;
    const char *inputs[] = {"", "\n\n", "# sacct failed\n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct cycle cy;
        cycle_start(r, &cy, at("2026-11-01T02:00:00Z"));
        struct rejects rep = {.origin = "t"};
        struct sacct_opts o = {NULL, "unknown", 480};
        sacct_collect(&cy, inputs[i], strlen(inputs[i]), &o, &rep);
        cycle_end(r, &cy);
        if (!strstr(rep.unusable, "no header line"))
            fail_msg("input %zu: expected unusable (no header line), got \"%s\"", i,
                     rep.unusable);
        assert_int_equal(r->n, 0);
    }
    const char header[] = "JobID|Account|AllocTRES|ElapsedRaw|Start|End\n";
    struct cycle cy;
    cycle_start(r, &cy, at("2026-11-01T02:00:00Z"));
    struct rejects rep = {.origin = "t"};
    struct sacct_opts o = {NULL, "unknown", 480};
    sacct_collect(&cy, header, sizeof header - 1, &o, &rep);
    cycle_end(r, &cy);
    if (rep.unusable[0]) fail_msg("a header alone: expected usable, got \"%s\"", rep.unusable);
    struct rejects rep2 = {.origin = "t"};
    struct sacct_opts cols = {"JobID|Account|AllocTRES|ElapsedRaw|Start|End", "A800", 0};
    cycle_start(r, &cy, at("2026-11-01T02:00:00Z"));
    sacct_collect(&cy, "", 0, &cols, &rep2);
    cycle_end(r, &cy);
    if (rep2.unusable[0])
        fail_msg("--columns and no line: expected usable, got \"%s\"", rep2.unusable);
}

static void test_sacct_refuses_a_row_it_cannot_place(void **state)
{
    struct run *r = *state;
    struct sacct_opts o = {NULL, "unknown", 480};
    sacct(r, "sacct-jobname-bar-two-free-columns.txt", "2026-11-01T02:00:00Z", &o);
    assert_int_equal(r->bad, 1);
    assert_int_equal(r->refused, 1);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].job, "7102");
    /* the real Cori row of tests/fixtures/real with a '|' in its JobName */
    struct sacct_opts cori = {"Account|AllocNodes|AllocTRES|ConsumedEnergyRaw|CPUTimeRaw|Elapsed|"
                              "End|ExitCode|JobID|JobName|NCPUS|NNodes|QOS|ReqMem|ReqNodes|Start|"
                              "State|Submit|UID|User|WorkDir",
                              "unknown", -420};
    sacct(r, "sacct-cori-jobname-bar.txt", "2026-11-01T02:00:00Z", &cori);
    assert_int_equal(r->bad, 1);
    assert_int_equal(r->refused, 1);
    assert_int_equal(r->n, 0);
}

/* One collector round over token report lines at when; the lines accepted. */
static long tokens_round(struct run *r, const char *text, size_t len, const char *when,
                         struct rejects *rep)
{
    struct cycle cy;
    cycle_start(r, &cy, at(when));
    long accepted = tokens_collect(&cy, text, len, rep);
    cycle_end(r, &cy);
    return accepted;
}

static void test_tokens_high_water_mark(void **state)
{
    struct run *r = *state;
    struct strbuf in = STRBUF_INIT;
    read_fixture("tokens.jsonl", &in);
    struct cycle cy;
    cycle_start(r, &cy, at("2026-11-01T09:00:00Z"));
    struct rejects rep = {.origin = "t"};
    assert_int_equal(tokens_collect(&cy, in.buf, in.len, &rep), 6);
    cycle_end(r, &cy);
    assert_int_equal(rep.bad, 4);
    assert_int_equal(r->n, 4);
    int64_t a = 0;
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->ev[i].job, "train-a")) a += r->ev[i].tokens;
    assert_int_equal(a, 15000); /* 12000, back to 9000, on to 15000: 15000 billed */
    assert_int_equal(r->ev[0].start_ms, at("2026-11-01T07:30:00Z"));
    assert_int_equal(r->ev[0].model_params, 7000000000LL);
    assert_int_equal(r->ev[2].tokens, 1000000);
    /* The same reports again bill nothing. */
    cycle_start(r, &cy, at("2026-11-01T09:01:00Z"));
    tokens_collect(&cy, in.buf, in.len, &rep);
    cycle_end(r, &cy);
    assert_int_equal(r->n, 0);
    sb_free(&in);
}

/* Two customers both train a job called "train": each is billed its own
 * tokens (issue 14: one was billed 100,000 of 1,600,000). */
static void test_tokens_marks_are_per_account_and_job(void **state)
{
    struct run *r = *state;
    const char text[] = "{\"job\":\"train\",\"account\":\"cust-a\",\"tokens\":1500000,\"time\":"
                        "\"2026-11-01T08:00:00Z\"}\n"
                        "{\"job\":\"train\",\"account\":\"cust-b\",\"tokens\":1600000,\"time\":"
                        "\"2026-11-01T08:00:00Z\"}\n"
                        "{\"job\":\"train\",\"account\":\"cust-a\",\"tokens\":1700000,\"time\":"
                        "\"2026-11-01T09:00:00Z\"}\n"
                        "{\"job\":\"train\",\"account\":\"cust-b\",\"tokens\":900000,\"time\":"
                        "\"2026-11-01T09:00:00Z\"}\n";
    struct rejects rep = {.origin = "t"};
    assert_int_equal(tokens_round(r, text, sizeof text - 1, "2026-11-01T09:00:00Z", &rep), 4);
    int64_t a = 0, b = 0;
    for (int i = 0; i < r->n; i++)
        *(strcmp(r->ev[i].account, "cust-a") ? &b : &a) += r->ev[i].tokens;
    assert_int_equal(a, 1700000);
    assert_int_equal(b, 1600000); /* its restart to 900,000 bills nothing */
    /* A mark kept by an older build, per job only, carries over: no job is
     * billed its whole count again after an upgrade. */
    struct state_entry *legacy = state_get(&r->state, "tok old-job", NULL);
    legacy->v[0] = legacy->v[2] = 5000;
    legacy->v[1] = at("2026-11-01T08:00:00Z");
    const char again[] = "{\"job\":\"old-job\",\"account\":\"cust-a\",\"tokens\":6000,\"time\":"
                         "\"2026-11-01T10:00:00Z\"}\n";
    tokens_round(r, again, sizeof again - 1, "2026-11-01T10:00:00Z", &rep);
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].tokens, 1000);
    assert_int_equal(r->ev[0].start_ms, at("2026-11-01T08:00:00Z"));
}

/* A report line is one JSON object, read strictly. */
static void test_tokens_lines_are_strict_json(void **state)
{
    struct run *r = *state;
    const char text[] =
        "{\"job\":\"j\",\"account\":\"a\",\"tokens\":10,\"tokens\":99,\"time\":\"2026-11-01T08:00:"
        "00Z\"}\n"
        "{\"job\":\"j\",\"account\":\"a\",\"tokens\":10,\"time\":\"2026-11-01T08:00:00Z\"} x\n"
        "{\"job\":\"j\",\"account\":\"a\\u0000b\",\"tokens\":10,\"time\":\"2026-11-01T08:00:00Z\"}"
        "\n"
        "{\"job\":\"j\",\"account\":\"a\xff\",\"tokens\":10,\"time\":\"2026-11-01T08:00:00Z\"}\n"
        "{\"job\":\"j\",\"account\":\"a\",\"tokens\":10,\"time\":\"2026-11-01T08:00:00Z\"}\n";
    struct rejects rep = {.origin = "t"};
    assert_int_equal(tokens_round(r, text, sizeof text - 1, "2026-11-01T08:00:00Z", &rep), 1);
    assert_int_equal(rep.bad, 4); /* duplicate key, trailing data, NUL, invalid UTF-8 */
    assert_int_equal(r->n, 1);
    assert_int_equal(r->ev[0].tokens, 10);
}

/* Trainer log timestamps (trainer_log.h): Megatron-LM's newest builds
 * print microseconds (strftime %f), floored to the millisecond; a count
 * whose tokens pass what an event carries is a bad line, not a wrapped
 * number; a timestamp after the step is not the step's. */
static const char megatron_times_log[] =
    " [2025-03-01 10:00:00.123999] iteration 1/ 9 | consumed samples: 8 | lm loss: 2.5 |\n"
    " [2025-03-01 10:00:01.5] iteration 2/ 9 | consumed samples: 16 |\n"
    " [2025-03-01 10:00:02] iteration 3/ 9 | consumed samples: 9007199254740991 |\n"
    " iteration 4/ 9 | consumed samples: 32 | [2025-03-01 10:00:03] |\n";

static void test_trainer_log_times_and_limits(void **state)
{
    struct run *r = *state;
    const char *log = megatron_times_log;
    struct trainer_log_opts o = {TRAINER_LOG_MEGATRON, "j", "a", -5 * MS_PER_HOUR, 4096, 0, false};
    struct cycle cy;
    struct rejects rep = {.origin = "t"};
    cycle_start(r, &cy, at("2026-11-01T00:00:00Z"));
    assert_int_equal(trainer_log_collect(&cy, log, strlen(log), &o, &rep), 2);
    cycle_end(r, &cy);
    assert_int_equal(rep.bad, 2); /* 9007199254740991 x 4096; no timestamp before the iteration */
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].end_ms, at("2025-03-01T15:00:00.123Z"));
    assert_int_equal(r->ev[0].tokens, 8 * 4096);
    /* ".5" is no millisecond field: the time is read to the second */
    assert_int_equal(r->ev[1].end_ms, at("2025-03-01T15:00:01Z"));
    assert_int_equal(r->ev[1].tokens, 8 * 4096);
}

/* Megatron-DeepSpeed's "consumed tokens" (trainer_log.h): the run's own
 * cumulative count wins over samples x seq_length (a seqlen curriculum);
 * a fork's rounded "1.258B" is no count, and the line falls back to samples
 * x sequence length, or is a bad line with why when the log gives none. */
static const char megatron_tokens_log[] =
    "[2024-02-27 15:45:08] iteration 1/ 9 | consumed samples: 10 | consumed tokens: 20480 |\n"
    "[2024-02-27 15:45:09] iteration 2/ 9 | consumed samples: 20 | consumed tokens: 1.258B |\n"
    "[2024-02-27 15:45:10] iteration 3/ 9 | consumed samples: 30 | consumed tokens: 61440 |\n";

static void test_trainer_log_consumed_tokens(void **state)
{
    struct run *r = *state;
    const char *log = megatron_tokens_log;
    struct trainer_log_opts o = {TRAINER_LOG_MEGATRON, "j", "a", 0, 4096, 0, false};
    struct cycle cy;
    struct rejects rep = {.origin = "t"};
    cycle_start(r, &cy, at("2026-11-01T00:00:00Z"));
    assert_int_equal(trainer_log_collect(&cy, log, strlen(log), &o, &rep), 3);
    cycle_end(r, &cy);
    assert_int_equal(rep.bad, 0);
    assert_int_equal(r->n, 2); /* line 3's 61440 is under line 2's 20 x 4096: nothing new */
    assert_int_equal(r->ev[0].tokens, 20480);
    assert_int_equal(r->ev[1].tokens, 20 * 4096 - 20480);

    r->n = 0;
    o.job = "j2";
    o.seq_length = 0; /* no --seq-length, no arguments: line 2 cannot be counted */
    struct rejects rep2 = {.origin = "t"};
    cycle_start(r, &cy, at("2026-11-01T00:00:00Z"));
    assert_int_equal(trainer_log_collect(&cy, log, strlen(log), &o, &rep2), 2);
    cycle_end(r, &cy);
    assert_int_equal(rep2.bad, 1);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->ev[0].tokens, 20480);
    assert_int_equal(r->ev[1].tokens, 61440 - 20480);
}

static void test_state_round_trip_with_hostile_keys(void **state)
{
    struct run *r = *state;
    struct state_entry *e = state_get(&r->state, "dev a b%\n\x01 é", NULL);
    e->v[0] = -1;
    e->v[3] = INT64_MAX;
    e->touched_ms = 42;
    r->state.batch = 7;
    struct strbuf text = STRBUF_INIT;
    state_serialize(&r->state, &text);
    struct state copy;
    state_init(&copy);
    assert_true(state_parse(&copy, text.buf, text.len));
    assert_int_equal(copy.batch, 7);
    const struct state_entry *c = state_find(&copy, "dev a b%\n\x01 é");
    assert_non_null(c);
    assert_int_equal(c->v[3], INT64_MAX);
    assert_int_equal(c->touched_ms, 42);
    state_prune(&copy, 43);
    assert_null(state_find(&copy, "dev a b%\n\x01 é"));
    assert_false(state_parse(&copy, "batch x\n", 8));
    state_free(&copy);
    sb_free(&text);
}

static void test_spool_recovers_state_and_refuses_when_full(void **state)
{
    struct run *r = *state;
    char dir[] = "/tmp/gpumeter-spool-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct spool sp;
    assert_true(spool_open(&sp, dir, 600, &r->state));
    struct strbuf lines = STRBUF_INIT, st = STRBUF_INIT;
    sb_puts(&lines, "src\t{\"a\":1}\nsrc\t{\"a\":2}\n");
    state_get(&r->state, "seq src", NULL)->v[0] = 2;
    r->state.batch = 1;
    state_serialize(&r->state, &st);
    assert_true(spool_commit(&sp, 1, &lines, 2, &st));
    struct strbuf big = STRBUF_INIT;
    for (int i = 0; i < 100; i++)
        sb_puts(&big, "src\t{\"padding\":\"xxxxxxxx\"}\n");
    assert_false(spool_commit(&sp, 2, &big, 100, &st)); /* over 600 bytes */
    assert_int_equal(sp.full, 1);
    spool_close(&sp);
    /* A crash after the batch but before the state file: the batch's state wins. */
    struct state old;
    state_init(&old);
    struct spool again;
    assert_true(spool_open(&again, dir, 600, &old));
    assert_int_equal(again.count, 1);
    assert_int_equal(again.head->nmsg, 2);
    assert_int_equal(old.batch, 1);
    assert_int_equal(state_find(&old, "seq src")->v[0], 2);
    spool_pop(&again);
    assert_int_equal(again.recycle[0], RECYCLE_PENDING); /* kept, not yet durable */
    /* The next batch goes to a new file (the rename is not yet synced), and
     * its directory sync makes the kept file free to write over. */
    struct strbuf one = STRBUF_INIT;
    sb_puts(&one, "src\t{\"a\":3}\n");
    state_get(&old, "seq src", NULL)->v[0] = 3;
    old.batch = 2;
    sb_reset(&st);
    state_serialize(&old, &st);
    assert_true(spool_commit(&again, 2, &one, 1, &st));
    assert_int_equal(again.recycle[0], RECYCLE_READY);
    /* The next is written over it, shorter than it was, and reads back whole. */
    old.batch = 3;
    sb_reset(&st);
    state_serialize(&old, &st);
    assert_true(spool_commit(&again, 3, &one, 1, &st));
    assert_int_equal(again.recycle[0], RECYCLE_NONE);
    spool_pop(&again); /* batch 2 */
    spool_close(&again);
    struct spool third;
    assert_true(spool_open(&third, dir, 600, &old));
    assert_int_equal(third.count, 1);
    assert_int_equal(third.head->no, 3);
    assert_string_equal(third.head->data, "src\t{\"a\":3}\n");
    spool_pop(&third);
    spool_close(&third);
    sb_free(&one);
    state_free(&old);
    assert_int_equal(rmdir(dir), 0); /* the delivered batch files are gone */
    sb_free(&lines);
    sb_free(&st);
    sb_free(&big);
}

static void test_signature_verifies_and_catches_tampering(void **state)
{
    (void)state;
    struct usage_event ev = {.seq = 9, .start_ms = 0, .end_ms = 1000, .gpu_ms = 1000};
    strcpy(ev.source, "dcgm/c1/n1");
    strcpy(ev.account, "team-a");
    strcpy(ev.cluster, "c1");
    strcpy(ev.site, "s1");
    strcpy(ev.model, "H800");
    strcpy(ev.vendor, "nvidia");
    ev.has = EVENT_HAS_GPU_MS;
    signature_sign(&ev, "0123456789abcdef-key");
    assert_int_equal(strlen(ev.sig), 64);
    /* Through the codec and back, the signature still holds. */
    struct strbuf sb = STRBUF_INIT;
    event_encode(&ev, &sb);
    struct usage_event back;
    char why[200];
    assert_int_equal(event_decode(sb.buf, sb.len, &back, why, sizeof why), EVENT_OK);
    assert_true(signature_valid(&back, "0123456789abcdef-key"));
    assert_false(signature_valid(&back, "0123456789abcdef-kez"));
    back.gpu_ms++;
    assert_false(signature_valid(&back, "0123456789abcdef-key"));
    sb_free(&sb);
}

/* Issue 31: a reporter's accounts are exact names or "prefix*"; a prefix
 * never matches a longer name that merely starts alike without it. */
static void test_reporter_account_patterns(void **state)
{
    (void)state;
    const char *p = "acme-*,slurm-gamma";
    assert_true(reporters_may_report(p, "acme-prod"));
    assert_true(reporters_may_report(p, "acme-"));
    assert_false(reporters_may_report(p, "acmex"));
    assert_false(reporters_may_report(p, "acme"));
    assert_true(reporters_may_report(p, "slurm-gamma"));
    assert_false(reporters_may_report(p, "slurm-gamma2"));
    assert_false(reporters_may_report(p, "slurm-gamm"));
    assert_false(reporters_may_report(p, ""));
    char why[160];
    assert_true(reporters_patterns_valid(p, why, sizeof why));
    assert_false(reporters_patterns_valid("*", why, sizeof why));
    assert_false(reporters_patterns_valid("a*b", why, sizeof why));
    assert_false(reporters_patterns_valid("a,,b", why, sizeof why));
    assert_false(reporters_patterns_valid("a b", why, sizeof why));
    assert_false(reporters_patterns_valid("", why, sizeof why));
}

/* The first line naming a foreign account, counted as tokens_collect
 * counts lines (blank lines included); unparsable lines are left alone. */
static void test_tokens_foreign_line(void **state)
{
    (void)state;
    const char body[] = "{\"job\":\"a\",\"account\":\"acme-1\",\"tokens\":1}\n"
                        "\n"
                        "not json, account victim\n"
                        "{\"job\":\"b\",\"account\":\"victim\",\"tokens\":9}\n";
    char account[64] = "";
    assert_int_equal(tokens_foreign_line(body, sizeof body - 1, "acme-*", account, sizeof account),
                     4);
    assert_string_equal(account, "victim");
    assert_int_equal(tokens_foreign_line(body, sizeof body - 1, "acme-*,victim", account,
                                         sizeof account),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_is_exact),
        cmocka_unit_test(test_reporter_account_patterns),
        cmocka_unit_test(test_tokens_foreign_line),
        cmocka_unit_test(test_prom_escapes_comments_and_bad_lines),
        cmocka_unit_test(test_prom_nul_byte_is_a_bad_line),
        cmocka_unit_test_setup_teardown(test_dcgm_kubernetes_baseline_delta_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_gap_is_reported_not_charged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_absurd_energy_is_a_bad_line_not_a_lost_window,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_legacy_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_mig_energy_once_per_gpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_slurm_power_integration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_integration_carries_the_remainder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_bad_lines_skip_only_themselves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_exporter_rename_keeps_the_window, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_state_of_older_builds_carries_over, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_bare_metal_uses_the_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_metric_names_are_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_shared_gpu_is_split_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hami_shares_of_one_gpu, setup, teardown),
        cmocka_unit_test(test_device_shares_never_exceed_the_window),
        cmocka_unit_test_setup_teardown(test_dcgm_gpu_memory_is_metered_and_shared, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_blank_values_are_no_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcgm_labels_that_cannot_be_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nvsmi_units_na_and_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nvsmi_nounits_and_idle_without_mapping, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_npu_power_and_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcu_readme_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcu_power_and_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dcu_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vdcu_compute_unit_shares, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vdcu_shares_never_exceed_the_card, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npusmi_a3_time_per_die_power_per_card, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_npusmi_a2_one_die_per_npu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npusmi_a3_25x_and_a_card_cut_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npusmi_310p3_duo_two_chips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npusmi_process_table_is_not_devices, setup,
                                        teardown),
        cmocka_unit_test(test_npusmi_bad_rows),
        cmocka_unit_test(test_npusmi_nul_byte_is_a_bad_line),
        cmocka_unit_test_setup_teardown(test_sacct_jobs_once_and_running_incrementally, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sacct_trailing_bar_noheader_and_long_jobs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sacct_dcu_gres, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sacct_npu_gres, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sacct_model_and_vendor_of_a_mixed_cluster, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sacct_bar_in_job_name_is_placed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sacct_refuses_a_row_it_cannot_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sacct_without_header_is_unusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_high_water_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_marks_are_per_account_and_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_lines_are_strict_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trainer_log_times_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trainer_log_consumed_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_round_trip_with_hostile_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spool_recovers_state_and_refuses_when_full, setup,
                                        teardown),
        cmocka_unit_test(test_signature_verifies_and_catches_tampering),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
