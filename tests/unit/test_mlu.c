/* Cambricon mlu-exporter (collect mlu): the exporter's own golden output
 * and scrapes built from its published format (tests/fixtures/ingest/mlu-*,
 * each with its .source), metered round by round, asserting exact events;
 * and the catalogue's Cambricon models. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/catalogue.h"
#include "ingest/mlu.h"
#include "ingest_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CARD_A "mlu-node-1/mlu-9d3c4a6e-5b1f-4c2e-8a7d-2f1e0b9c8a01"
#define CARD_B "mlu-node-1/mlu-1f7e2b90-64c3-4d8a-9e15-7c0a3b5d2e47"

/* Parses text (from origin) into set, emptied first; returns its bad lines. */
static long parse_text(const char *text, size_t len, const char *origin,
                       const struct account_map *map, struct device_set *set)
{
    device_set_free(set);
    struct rejects rj = {.origin = origin};
    struct device_source src = {"this-host", false, "unknown", NULL, map, set, &rj};
    mlu_parse(text, len, &src);
    return rj.bad;
}

/* parse_text of a fixture file. */
static void parse_file(const char *file, const struct account_map *map, struct device_set *set,
                       long *bad)
{
    struct strbuf in = STRBUF_INIT;
    read_fixture(file, &in);
    *bad = parse_text(in.buf, in.len, file, map, set);
    sb_free(&in);
}

/* mlu_memory_used is read by no meter (docs/collectors.md): no GiB-ms. */
static void assert_use(const struct usage_event *e, const char *account, const char *job,
                       int64_t gpu_ms, int64_t energy_mj)
{
    assert_string_equal(e->account, account);
    assert_string_equal(e->job, job);
    assert_string_equal(e->vendor, "cambricon");
    assert_int_equal(e->gpu_ms, gpu_ms);
    assert_int_equal(e->energy_mj, energy_mj);
    assert_int_equal(e->gpu_mem_gib_ms, 0);
}

/* The exporter's golden output, scraped twice 30 s apart: four MLU590,
 * each card read from its vf-less series only (the MIM, sMLU and env-share
 * copies add no card and no power); uuid3 held by two pods through
 * env-share VFs is split equally. Power is W: 30 W x 30 s = 900000 mJ. */
static void test_mlu_golden_output(void **state)
{
    struct run *r = *state;
    const char *f = "mlu-exporter-v2.0.22-golden.prom";
    scrape(r, mlu_parse, f, "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n + r->ncap, 0); /* baseline */
    assert_int_equal(r->bad, 0);
    scrape(r, mlu_parse, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 5);
    assert_use(&r->ev[0], "namespace1", "pod1", 30000, 900000);
    assert_string_equal(r->ev[0].model, "MLU590");
    assert_string_equal(r->ev[0].source, "t/c1/machine1"); /* ingest_run's kind "t" */
    assert_use(&r->ev[1], "namespace2", "pod2", 30000, 930000);
    /* uuid3: 32 W x 30 s, half each */
    assert_use(&r->ev[2], "namespace0", "pod0", 15000, 480000);
    assert_use(&r->ev[3], "namespace1", "pod1", 15000, 480000);
    assert_use(&r->ev[4], "namespace1", "pod1", 30000, 990000);
    assert_int_equal(r->st.shared_units, 1);
    assert_int_equal(r->st.shared_tenants, 2);
    assert_int_equal(r->st.idle_units, 0);
    assert_int_equal(r->ncap, 1);
    assert_string_equal(r->cap[0].node, "machine1");
    assert_string_equal(r->cap[0].vendor, "cambricon");
    assert_int_equal(r->cap[0].devices, 4); /* no phantom card for test-uuid1 and the rest */
    assert_int_equal(r->cap[0].allocated_ms, 120000);
}

/* Two MLU370-X8 on one node, one held by a pod and one by none; in the
 * third scrape the container series are gone: the card is idle, never
 * billed to the pod that held it before. */
static void test_mlu_pod_then_series_gone(void **state)
{
    struct run *r = *state;
    scrape(r, mlu_parse, "mlu-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n + r->ncap, 0);
    scrape(r, mlu_parse, "mlu-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 1);
    /* (75 + 225) / 2 W x 30 s */
    assert_use(&r->ev[0], "training", "llm-0", 30000, 4500000);
    assert_string_equal(r->ev[0].model, "MLU370-X8");
    assert_int_equal(r->st.idle_units, 1);
    assert_int_equal(r->st.idle_gpu_ms, 30000);
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].allocated_ms, 30000);
    assert_int_equal(r->cap[0].idle_energy_mj, 960000); /* (30 + 34) / 2 W x 30 s */
    scrape(r, mlu_parse, "mlu-t2.prom", "2026-11-01T00:01:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->st.idle_units, 2);
    assert_int_equal(r->st.idle_gpu_ms, 120000);
    assert_int_equal(r->cap[0].allocated_ms, 0);
    /* (225 + 151) / 2 W x 60 s + (34 + 30) / 2 W x 60 s */
    assert_int_equal(r->cap[0].idle_energy_mj, 11280000 + 1920000);
}

/* The same third scrape with the operator's map: the card no series names
 * a pod for is the map's gpu:<node>/mlu-<uuid> entry. */
static void test_mlu_series_gone_card_mapped(void **state)
{
    char err[200];
    struct account_map *map = accounts_load(FIXTURES "mlu.map", err, sizeof err);
    assert_non_null(map);
    struct run *r = *state;
    scrape(r, mlu_parse, "mlu-t1.prom", "2026-11-01T00:00:30Z", map, NULL);
    scrape(r, mlu_parse, "mlu-t2.prom", "2026-11-01T00:01:30Z", map, NULL);
    assert_int_equal(r->n, 1);
    assert_use(&r->ev[0], "team-mlu-map", "", 60000, 11280000);
    assert_int_equal(r->st.idle_units, 1);
    /* in t1 the pod's series outranks the map */
    scrape(r, mlu_parse, "mlu-t1.prom", "2026-11-01T00:02:00Z", map, NULL);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "training");
    accounts_free(map);
}

/* Each broken line is one bad line and the good ones still count: in
 * mlu-bad.prom NaN and +Inf power, no uuid, a dcgm line, a value "97%"
 * (both cards are there, neither with a power); in mlu-bad-container.prom
 * a holder without pod, a uuid no card has, value 2, an sMLU instance, a
 * pod with 0 (no card held, both powers read). */
static void test_mlu_bad_lines(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        bool power;
    } inputs[] = {{"mlu-bad.prom", false}, {"mlu-bad-container.prom", true}};
    for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
        struct device_set set = {0};
        long bad;
        parse_file(inputs[k].file, NULL, &set, &bad);
        assert_int_equal(bad, 5);
        assert_int_equal(set.n, 2);
        assert_string_equal(set.v[0].key, CARD_A);
        assert_string_equal(set.v[1].key, CARD_B);
        for (size_t i = 0; i < set.n; i++) {
            assert_int_equal(set.v[i].has_power, inputs[k].power);
            assert_false(set.v[i].has_fb);
            assert_int_equal(set.v[i].ntenants, 0);
            assert_string_equal(set.v[i].vendor, "cambricon");
        }
        device_set_free(&set);
    }
}

/* The join does not depend on the order of the lines: a container series
 * before its card's own series holds it all the same. */
static void test_mlu_container_before_card(void **state)
{
    (void)state;
    const char text[] =
        "mlu_container{container=\"c\",namespace=\"ns\",node=\"n1\",pod=\"p\",uuid=\"u1\",vf=\"\"} 1\n"
        "mlu_power_usage{model=\"MLU370-X4\",node=\"n1\",uuid=\"u1\",vf=\"\"} 150\n";
    struct device_set set = {0};
    assert_int_equal(parse_text(text, sizeof text - 1, "t", NULL, &set), 0);
    assert_int_equal(set.n, 1);
    assert_string_equal(set.v[0].key, "n1/mlu-u1");
    assert_string_equal(set.v[0].model, "MLU370-X4");
    assert_int_equal(set.v[0].power_mw, 150000);
    assert_int_equal(set.v[0].ntenants, 1);
    assert_string_equal(set.v[0].tenants[0].account, "ns");
    assert_string_equal(set.v[0].tenants[0].job, "p");
    device_set_free(&set);
}

/* Every Cambricon card name the exporter reports is a domestic Cambricon
 * catalogue model, so vouchers and energy subsidies see it. */
static void test_mlu_catalogue(void **state)
{
    (void)state;
    static const struct {
        const char *reported, *model;
    } cards[] = {
        {"MLU370-X8", "MLU370"}, {"MLU370-X4", "MLU370"},  {"MLU370-S4", "MLU370"},
        {"MLU370-M8", "MLU370"}, {"MLU590", "MLU590"},     {"mlu590", "MLU590"},
        {"MLU590-H8", "MLU590"}, {"MLU290-M5", "MLU290"},  {"MLU290", "MLU290"},
        {"MLU270-X5K", "MLU270"}, {"MLU270-S4", "MLU270"}, {"MLU220-M2", "MLU220"},
        {"MLU365-D2", "MLU365"}, {"Cambricon MLU370-X8", "MLU370"},
        /* cndev's name of the MLU580 (Cambricon mlu-ops' device name table,
         * {"MLU580", MLUOP_MLU590}): its own model, not an MLU590 */
        {"MLU580", "MLU580"},
    };
    for (size_t i = 0; i < sizeof cards / sizeof cards[0]; i++) {
        const struct accelerator *a = catalogue_find(cards[i].reported);
        if (!a) fail_msg("%s: expected catalogue model %s, found none", cards[i].reported,
                         cards[i].model);
        if (strcmp(a->model, cards[i].model))
            fail_msg("%s: expected model %s, found %s", cards[i].reported, cards[i].model,
                     a->model);
        assert_string_equal(a->vendor, "cambricon");
        assert_true(a->domestic);
    }
    assert_string_equal(catalogue_vendor_name("cambricon"), "Cambricon");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mlu_golden_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mlu_pod_then_series_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mlu_series_gone_card_mapped, setup, teardown),
        cmocka_unit_test(test_mlu_bad_lines),
        cmocka_unit_test(test_mlu_container_before_card),
        cmocka_unit_test(test_mlu_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
