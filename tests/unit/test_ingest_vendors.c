/* Ingest of the domestic accelerators read through vendor.h's profiles
 * (MetaX mx-exporter, Iluvatar CoreX ix-exporter) and their catalogue
 * entries, on the fixtures in tests/fixtures/ingest (each .prom beside a
 * .source naming where its format comes from), asserting exact events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/catalogue.h"
#include "ingest/vendor.h"
#include "tests/unit/ingest_run.h"

#include <string.h>

static const struct usage_event *capacity_of(const struct run *r, const char *model)
{
    for (int i = 0; i < r->ncap; i++)
        if (!strcmp(r->cap[i].model, model)) return &r->cap[i];
    fail_msg("no capacity event for model %s among %d", model, r->ncap);
    return NULL;
}

/* MetaX reports board power in mW: (215433 + 284568) / 2 mW x 30000 ms =
 * 7500015000 mW-ms = 7500015 mJ exactly. Read as W, 215433 would be 215 kW,
 * a bad line, and the pod's window would carry no energy. The other C500,
 * without pod labels, is idle: (61250 + 61750) / 2 mW x 30 s = 1845000 mJ. */
static void test_metax_power_in_mw_gives_exact_mj(void **state)
{
    struct run *r = *state;
    scrape(r, vendor_parse_metax, "metax-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n + r->ncap, 0); /* baseline */
    scrape(r, vendor_parse_metax, "metax-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "team-mx");
    assert_string_equal(r->ev[0].job, "train-0");
    assert_string_equal(r->ev[0].vendor, "metax");
    assert_string_equal(r->ev[0].model, "MXC500");
    assert_string_equal(r->ev[0].source, "t/c1/mx-node1");
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 7500015);
    assert_int_equal(r->st.idle_units, 1);
    assert_int_equal(r->st.idle_gpu_ms, 30000);
    assert_int_equal(r->ncap, 1);
    assert_int_equal(r->cap[0].devices, 2);
    assert_int_equal(r->cap[0].allocated_ms, 30000);
    assert_int_equal(r->cap[0].idle_energy_mj, 1845000);
}

/* mW kept whole through the integrator's carried remainder: 1001 mW over
 * windows of 1.5 s is 1501.5 mJ a window; the first gets 1501, the half
 * carried, the second 1502: 3003 mJ, exactly 1001 mW x 3 s. */
static void test_metax_mw_remainder_is_carried(void **state)
{
    struct run *r = *state;
    const char text[] = "mx_board_power{Hostname=\"h\",modelName=\"MXC500\",namespace=\"n\","
                        "pod=\"p\",uuid=\"GPU-r\"} 1001\n";
    static const char *const when[] = {"2026-11-01T00:00:00Z", "2026-11-01T00:00:01.500Z",
                                       "2026-11-01T00:00:03Z"};
    int64_t got[3] = {0};
    for (int i = 0; i < 3; i++) {
        scrape_text(r, vendor_parse_metax, text, sizeof text - 1, "t", when[i], NULL, NULL);
        got[i] = r->n ? r->ev[0].energy_mj : -1;
    }
    assert_int_equal(got[0], -1); /* baseline */
    assert_int_equal(got[1], 1501);
    assert_int_equal(got[2], 1502);
}

/* Each malformed line is one bad line; an sGPU share naming a pod is a bad
 * line (never the whole chip billed to it), one without a pod is skipped. */
static void test_metax_bad_lines(void **state)
{
    (void)state;
    struct strbuf in = STRBUF_INIT;
    read_fixture("metax-bad.prom", &in);
    struct device_set set = {0};
    struct rejects rep = {.origin = "metax-bad.prom"};
    struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
    vendor_parse_metax(in.buf, in.len, &src);
    /* DCGM name, no uuid, "watts", 100000001 mW, the sGPU with a pod */
    assert_int_equal(rep.bad, 5);
    assert_int_equal(set.n, 2);
    for (size_t i = 0; i < set.n; i++) {
        assert_int_equal(set.v[i].ntenants, 0);
        bool good = !strcmp(set.v[i].key, "GPU-5e0d3a1c-0000-4c1a-9a55-c500a0000002");
        assert_int_equal(set.v[i].has_power, good); /* 100000001 mW is refused */
        if (good) assert_int_equal(set.v[i].power_mw, 250000);
    }
    device_set_free(&set);
    sb_free(&in);
}

/* A value refused as a bad line changes nothing: a repeated series with an
 * implausible power (over 100 kW) after a good one leaves the good one, as
 * does a repeated energy counter beyond what an event carries. */
static void test_vendor_refused_value_leaves_the_reading(void **state)
{
    (void)state;
    const char text[] =
        "mx_board_power{Hostname=\"n\",deviceId=\"0\",modelName=\"MXC500\",uuid=\"GPU-1\"} 61750\n"
        "mx_board_power{Hostname=\"n\",deviceId=\"0\",modelName=\"MXC500\",uuid=\"GPU-1\"} "
        "200000000\n";
    struct device_set set = {0};
    struct rejects rep = {.origin = "t"};
    struct device_source src = {"h", false, "m", NULL, NULL, &set, &rep};
    vendor_parse_metax(text, sizeof text - 1, &src);
    assert_int_equal(rep.bad, 1);
    assert_int_equal(set.n, 1);
    assert_true(set.v[0].has_power);
    if (set.v[0].power_mw != 61750)
        fail_msg("expected the good 61750 mW to stand, got %lld mW",
                 (long long)set.v[0].power_mw);
    device_set_free(&set);
}

/* A Python exporter serving prometheus_client's default registry adds its
 * own process series: they name no GPU and are no bad lines; a series of
 * another exporter still is one. */
static void test_vendor_client_runtime_series_are_not_bad_lines(void **state)
{
    struct run *r = *state;
    const char *text =
        "# HELP python_gc_objects_collected_total Objects collected during gc\n"
        "python_gc_objects_collected_total{generation=\"0\"} 1234.0\n"
        "python_info{implementation=\"CPython\",major=\"3\",minor=\"8\",patchlevel=\"10\","
        "version=\"3.8.10\"} 1.0\n"
        "process_cpu_seconds_total 12.5\n"
        "go_goroutines 12\n"
        "mx_board_power{Hostname=\"mx-node1\",modelName=\"MXC500\",uuid=\"GPU-1\"} 61250\n"
        "dcu_power_usage{device_id=\"T8R1\",node=\"n\"} 210\n";
    scrape_text(r, vendor_parse_metax, text, strlen(text), "runtime", "2026-11-01T00:00:00Z",
                NULL, NULL);
    assert_int_equal(r->bad, 1); /* the dcu_ line only */
}

/* ix-exporter's published README sample: three idle GPUs of three models,
 * node_name="" (the collector's node), ix_power_usage in W integrated. */
static void test_iluvatar_readme_sample(void **state)
{
    struct run *r = *state;
    const char *f = "iluvatar-ix-exporter-readme-3gpu.prom";
    scrape(r, vendor_parse_iluvatar, f, "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n + r->ncap, 0);
    assert_int_equal(r->bad, 0);
    scrape(r, vendor_parse_iluvatar, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->st.idle_units, 3);
    assert_int_equal(r->st.idle_gpu_ms, 90000);
    assert_int_equal(r->ncap, 3);
    const struct usage_event *v100 = capacity_of(r, "Iluvatar BI-V100");
    assert_string_equal(v100->node, "this-host");
    assert_string_equal(v100->vendor, "iluvatar");
    assert_int_equal(v100->idle_energy_mj, 1620000); /* 54 W x 30 s */
    assert_int_equal(capacity_of(r, "Iluvatar MR-V50")->idle_energy_mj, 3930000);
    assert_int_equal(capacity_of(r, "Iluvatar BI-V150S")->idle_energy_mj, 390000);
}

/* A pod's GPU: (206 + 210.5) / 2 W x 30 s = 6247500 mJ; the other idle. */
static void test_iluvatar_pod_and_power(void **state)
{
    struct run *r = *state;
    scrape(r, vendor_parse_iluvatar, "iluvatar-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, vendor_parse_iluvatar, "iluvatar-t1.prom", "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "team-ix");
    assert_string_equal(r->ev[0].job, "bert-0");
    assert_string_equal(r->ev[0].vendor, "iluvatar");
    assert_string_equal(r->ev[0].source, "t/c1/infra-92");
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 6247500);
    assert_int_equal(r->st.idle_units, 1);
    assert_int_equal(capacity_of(r, "Iluvatar BI-V100")->idle_energy_mj, 1635000);
    assert_int_equal(capacity_of(r, "Iluvatar BI-V150S")->allocated_ms, 30000);
}

/* ix-exporter's IxDCGM-generation README sample (a real output with a
 * pod): test-pod's BI-V150S 210 W x 30 s = 6300000 mJ; the three others
 * idle at 55, 132 and 206 W (the third runs a process but no pod holds it). */
static void test_iluvatar_ixdcgm_readme_pod(void **state)
{
    struct run *r = *state;
    const char *f = "iluvatar-ix-exporter-ixdcgm-readme-pod.prom";
    scrape(r, vendor_parse_iluvatar, f, "2026-11-01T00:00:00Z", NULL, NULL);
    assert_int_equal(r->n + r->ncap, 0);
    scrape(r, vendor_parse_iluvatar, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].account, "default");
    assert_string_equal(r->ev[0].job, "test-pod");
    assert_string_equal(r->ev[0].model, "Iluvatar BI-V150S");
    assert_string_equal(r->ev[0].source, "t/c1/infra-92");
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 6300000);
    assert_int_equal(r->st.idle_units, 3);
    assert_int_equal(r->st.idle_gpu_ms, 90000);
    assert_int_equal(capacity_of(r, "Iluvatar BI-V100")->idle_energy_mj, 1650000);
    assert_int_equal(capacity_of(r, "Iluvatar MR-V50")->idle_energy_mj, 3960000);
    const struct usage_event *v150 = capacity_of(r, "Iluvatar BI-V150S");
    assert_int_equal(v150->devices, 2);
    assert_int_equal(v150->allocated_ms, 30000);
    assert_int_equal(v150->idle_energy_mj, 6180000);
}

/* ix-exporter's first release (labels gpu, name, uuid only): two "AIP-BI"
 * at 35 W, idle, on the collector's node: 35 W x 30 s = 1050000 mJ each. */
static void test_iluvatar_first_release(void **state)
{
    struct run *r = *state;
    const char *f = "iluvatar-ix-exporter-first-release-aipbi.prom";
    scrape(r, vendor_parse_iluvatar, f, "2026-11-01T00:00:00Z", NULL, NULL);
    scrape(r, vendor_parse_iluvatar, f, "2026-11-01T00:00:30Z", NULL, NULL);
    assert_int_equal(r->bad, 0);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->st.idle_units, 2);
    const struct usage_event *c = capacity_of(r, "AIP-BI");
    assert_string_equal(c->node, "this-host");
    assert_int_equal(c->devices, 2);
    assert_int_equal(c->idle_energy_mj, 2100000);
}

/* The UUID is the chip: a node label that changes between scrapes (an
 * exporter pod's own name) keeps its state, and the window is charged. */
static void test_vendor_uuid_is_identity_across_node_names(void **state)
{
    struct run *r = *state;
    scrape(r, vendor_parse_iluvatar, "iluvatar-t0.prom", "2026-11-01T00:00:00Z", NULL, NULL);
    struct strbuf in = STRBUF_INIT;
    read_fixture("iluvatar-t1.prom", &in);
    for (char *p = in.buf; (p = strstr(p, "infra-92"));) memcpy(p, "infra-93", 8);
    scrape_text(r, vendor_parse_iluvatar, in.buf, in.len, "renamed", "2026-11-01T00:00:30Z",
                NULL, NULL);
    sb_free(&in);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->ev[0].source, "t/c1/infra-93");
    assert_int_equal(r->ev[0].gpu_ms, 30000);
    assert_int_equal(r->ev[0].energy_mj, 6247500);
}

/* The map names a bare-metal chip by its UUID (gpu:<uuid>). */
static void test_vendor_map_by_uuid(void **state)
{
    struct run *r = *state;
    char err[200];
    struct account_map *map = accounts_load(FIXTURES "vendors.map", err, sizeof err);
    assert_non_null(map);
    scrape(r, vendor_parse_iluvatar, "iluvatar-t0.prom", "2026-11-01T00:00:00Z", map, NULL);
    scrape(r, vendor_parse_iluvatar, "iluvatar-t1.prom", "2026-11-01T00:00:30Z", map, NULL);
    assert_int_equal(r->n, 2);
    assert_int_equal(r->st.idle_units, 0);
    int mapped = !strcmp(r->ev[0].account, "team-ix-map") ? 0 : 1;
    assert_string_equal(r->ev[mapped].account, "team-ix-map");
    assert_int_equal(r->ev[mapped].energy_mj, 1635000);
    accounts_free(map);
}

/* What telemetry and plans call these chips, each domestic. */
static void test_catalogue_domestic_vendors(void **state)
{
    (void)state;
    static const struct {
        const char *reported, *model, *vendor;
    } cases[] = {
        {"MXC500", "MXC500", "metax"},
        {"MetaX C550", "MXC550", "metax"},
        {"C500", "MXC500", "metax"},
        {"Iluvatar BI-V100", "BI-V100", "iluvatar"},
        {"Iluvatar BI-V150S", "BI-V150", "iluvatar"},
        {"Iluvatar MR-V50", "MR-V50", "iluvatar"},
        {"MR-V100", "MR-V100", "iluvatar"},
        {"Iluvatar BI-V150 OAM", "BI-V150", "iluvatar"},
        {"Iluvatar TG-V200 OAM", "TG-V200", "iluvatar"},
        {"P800 OAM", "KunlunP800", "kunlunxin"},
        {"MTT S5000", "MTTS5000", "mthreads"},
        {"Kunlunxin P800", "KunlunP800", "kunlunxin"},
        {"R200", "KunlunR200", "kunlunxin"},
        {"R300", "KunlunR300", "kunlunxin"},
        {"MTT S4000", "MTTS4000", "mthreads"},
        {"Moore Threads MTT S3000", "MTTS3000", "mthreads"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct accelerator *a = catalogue_find(cases[i].reported);
        if (!a) fail_msg("expected %s to be %s, the catalogue knows no such model",
                         cases[i].reported, cases[i].model);
        if (strcmp(a->model, cases[i].model) || strcmp(a->vendor, cases[i].vendor) || !a->domestic)
            fail_msg("expected %s to be domestic %s of %s, came %s of %s (domestic %d)",
                     cases[i].reported, cases[i].model, cases[i].vendor, a->model, a->vendor,
                     a->domestic);
    }
    assert_string_equal(catalogue_vendor_name("metax"), "MetaX");
    assert_string_equal(catalogue_vendor_name("iluvatar"), "Iluvatar CoreX");
    assert_string_equal(catalogue_vendor_name("mthreads"), "Moore Threads");
    assert_true(catalogue_has_vendor("metax") && catalogue_has_vendor("iluvatar"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_metax_power_in_mw_gives_exact_mj, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metax_mw_remainder_is_carried, setup, teardown),
        cmocka_unit_test(test_metax_bad_lines),
        cmocka_unit_test(test_vendor_refused_value_leaves_the_reading),
        cmocka_unit_test_setup_teardown(test_vendor_client_runtime_series_are_not_bad_lines,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_iluvatar_readme_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iluvatar_pod_and_power, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iluvatar_ixdcgm_readme_pod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iluvatar_first_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor_uuid_is_identity_across_node_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_vendor_map_by_uuid, setup, teardown),
        cmocka_unit_test(test_catalogue_domestic_vendors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
